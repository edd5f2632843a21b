import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DataError } from '../../src-main/data/errors'
import { loadDataset } from '../../src-main/data/load'
import { loadToy } from '../../src-main/data/toy'
import { tempDir, writeFashionDir, type TempDir } from '../fixtures/data/builders'

let tmp: TempDir
beforeAll(async () => {
  tmp = await tempDir()
})
afterAll(() => tmp.remove())

describe('loadDataset', () => {
  it('gives the same two toy samples for train and test', async () => {
    const train = await loadDataset({ kind: 'toy' }, 'train')
    const test = await loadDataset({ kind: 'toy' }, 'test')
    expect(train).toEqual(loadToy())
    expect(test).toEqual(loadToy())
    expect((await loadDataset({ kind: 'toy' }, 'train', { limit: 1 })).labels).toEqual(Int32Array.from([0]))
  })

  it('loads Fashion-MNIST from the chosen folder, honouring limit', async () => {
    const dir = await writeFashionDir(tmp, 'chosen', { gz: true })
    const train = await loadDataset({ kind: 'fashion-mnist', dir }, 'train', { systemDirs: [] })
    expect(Array.from(train.labels)).toEqual([9, 0, 2])
    const test = await loadDataset({ kind: 'fashion-mnist', dir }, 'test', { limit: 1, systemDirs: [] })
    expect(Array.from(test.labels)).toEqual([1])
  })

  it('finds Fashion-MNIST in the app data folder', async () => {
    const app = join(tmp.path, 'app')
    await writeFashionDir(tmp, 'app/fashion-mnist')
    const d = await loadDataset({ kind: 'fashion-mnist' }, 'test', { appDataDir: app, systemDirs: [] })
    expect(Array.from(d.labels)).toEqual([1, 8])
  })

  it('fails with a not-found DataError carrying the instructions when Fashion-MNIST is nowhere', async () => {
    const err = await loadDataset({ kind: 'fashion-mnist', dir: '/nonexistent/fm' }, 'train', { systemDirs: [] }).catch(
      (e: unknown) => e
    )
    expect(err).toBeInstanceOf(DataError)
    const e = err as DataError
    expect(e.kind).toBe('not-found')
    expect(e.message).toBe('Fashion-MNIST was not found (looked in /nonexistent/fm).')
    expect(e.help).toContain('sudo apt install dataset-fashion-mnist')
  })

  it('decodes an image folder once for both splits, and again when a file changes', async () => {
    const dir = join(tmp.path, 'folder')
    for (const cls of ['a', 'b']) await mkdir(join(dir, cls), { recursive: true })
    const png = (v: number): Promise<Buffer> =>
      sharp(Buffer.alloc(8 * 8, v), { raw: { width: 8, height: 8, channels: 1 } }).toColourspace('b-w').png().toBuffer()
    for (let i = 0; i < 5; i++) {
      await writeFile(join(dir, 'a', `${i}.png`), await png(i))
      await writeFile(join(dir, 'b', `${i}.png`), await png(50 + i))
    }
    const source = { kind: 'folder', dir } as const
    const train = await loadDataset(source, 'train', { shape: [1, 8, 8] })
    const test = await loadDataset(source, 'test', { shape: [1, 8, 8] })
    expect(train.labels.length + test.labels.length).toBe(10)
    expect(train.classNames).toEqual(['a', 'b'])
    expect(await loadDataset(source, 'train', { shape: [1, 8, 8] })).toBe(train)
    await writeFile(join(dir, 'b', '5.png'), await png(60))
    const after = await loadDataset(source, 'train', { shape: [1, 8, 8] })
    expect(after).not.toBe(train)
    expect(after.labels.length + (await loadDataset(source, 'test', { shape: [1, 8, 8] })).labels.length).toBe(11)
  })

  it("limits each split by its own limit when both are given, so a training limit leaves the test split whole", async () => {
    const dir = await writeFashionDir(tmp, 'split-limits', { gz: true })
    const limits = { splitLimits: { train: 1 }, systemDirs: [] }
    expect(Array.from((await loadDataset({ kind: 'fashion-mnist', dir }, 'train', limits)).labels)).toEqual([9])
    expect((await loadDataset({ kind: 'fashion-mnist', dir }, 'test', limits)).labels.length).toBe(
      (await loadDataset({ kind: 'fashion-mnist', dir }, 'test', { systemDirs: [] })).labels.length
    )
    expect((await loadDataset({ kind: 'fashion-mnist', dir }, 'test', { splitLimits: { train: 1, test: 1 }, systemDirs: [] })).labels.length).toBe(1)
    const folder = { kind: 'folder', dir: join(tmp.path, 'folder') } as const
    const both = { shape: [1, 8, 8] as [number, number, number], splitLimits: { train: 2 } }
    const whole = await loadDataset(folder, 'test', { shape: [1, 8, 8] })
    expect((await loadDataset(folder, 'train', both)).labels.length).toBe(2)
    expect((await loadDataset(folder, 'test', both)).labels.length).toBe(whole.labels.length)
  })

  it('loads a folder at 1x28x28 when no shape is given', async () => {
    const d = await loadDataset({ kind: 'folder', dir: join(tmp.path, 'folder') }, 'train')
    expect(d.shape).toEqual([1, 28, 28])
  })
})
