import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { locateFashionMnist } from '../../src-main/data/fashion-mnist'
import { dispatch, type LabHandlers } from '../../src-main/services/dispatch'
import { createDataHandlers } from '../../src-main/services/data-handlers'
import { EngineClient } from '../../src-main/engine/process/client'
import { inProcessEngineHost } from '../fixtures/engine/in-process-host'
import { createImportHandlers } from '../../src-main/services/import-handlers'
import type { IdxImportResult, LabOutput } from '../../src-main/shared/contract'
import { fashionSplit, gzip, idxBytes, tempDir, type TempDir } from '../fixtures/data/builders'
import { gzipBomb } from '../fixtures/bad-inputs/generate'

// Through dispatch, so the contract's schemas check both the request and the answer.
let tmp: TempDir
let handlers: LabHandlers

beforeEach(async () => {
  tmp = await tempDir()
  handlers = createImportHandlers(tmp.path) as unknown as LabHandlers
})
afterEach(() => tmp.remove())

const file = (name: string, bytes: Uint8Array) => ({ name, base64: Buffer.from(bytes).toString('base64') })
const PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 73, 72, 68, 82])

async function importIdx(files: { name: string; base64: string }[]): Promise<IdxImportResult[]> {
  const response = await dispatch(handlers, 'data/import-idx', { files })
  if (!response.ok) throw new Error(response.error.message)
  return response.result as IdxImportResult[]
}

const written = (): Promise<string[]> => readdir(join(tmp.path, 'fashion-mnist')).catch(() => [])

describe('data/import-idx', () => {
  it('imports the four files under their standard names, where locateFashionMnist finds them', async () => {
    const train = fashionSplit(3)
    const test = fashionSplit(2)
    const results = await importIdx([
      // Roles come from the headers and names, not the order or the user's file names' exact form.
      file('my-train-images.gz', gzip(train.images)),
      file('train-labels-idx1-ubyte', train.labels),
      file('t10k-labels.idx', test.labels),
      file('test-images.gz', gzip(test.images))
    ])
    expect(results).toEqual([
      { name: 'my-train-images.gz', ok: true, role: 'train-images', count: 3 },
      { name: 'train-labels-idx1-ubyte', ok: true, role: 'train-labels', count: 3 },
      { name: 't10k-labels.idx', ok: true, role: 'test-labels', count: 2 },
      { name: 'test-images.gz', ok: true, role: 'test-images', count: 2 }
    ])
    expect((await written()).sort()).toEqual([
      't10k-images-idx3-ubyte.gz',
      't10k-labels-idx1-ubyte',
      'train-images-idx3-ubyte.gz',
      'train-labels-idx1-ubyte'
    ])
    const found = await locateFashionMnist({ appDataDir: tmp.path, systemDirs: [] })
    expect(found).toMatchObject({ found: true, dir: join(tmp.path, 'fashion-mnist') })
  })

  it('has the engine serve the new samples after a re-import, not the split it cached before it', async () => {
    const engine = new EngineClient({ host: inProcessEngineHost(), init: { appDataDir: tmp.path } })
    const data = createDataHandlers(engine) as unknown as LabHandlers
    const total = async (): Promise<number> => {
      const response = await dispatch(data, 'data/samples', { source: { kind: 'fashion-mnist' }, split: 'test', count: 1 })
      if (!response.ok) throw new Error(response.error.message)
      return (response.result as LabOutput<'data/samples'>).total
    }
    try {
      const train = fashionSplit(3)
      await importIdx([file('train-images-idx3-ubyte', train.images), file('train-labels-idx1-ubyte', train.labels)])
      await importIdx([file('t10k-images-idx3-ubyte', fashionSplit(2).images), file('t10k-labels-idx1-ubyte', fashionSplit(2).labels)])
      expect(await total()).toBe(2)
      // The same paths with new contents: only the files' sizes and times tell the split changed.
      await importIdx([file('t10k-images-idx3-ubyte', fashionSplit(3).images), file('t10k-labels-idx1-ubyte', fashionSplit(3).labels)])
      expect(await total()).toBe(3)
      const bigger = fashionSplit(4)
      await importIdx([file('t10k-images-idx3-ubyte.gz', gzip(bigger.images)), file('t10k-labels-idx1-ubyte.gz', gzip(bigger.labels))])
      expect(await total()).toBe(4)
    } finally {
      engine.dispose()
    }
  })

  it('tells the split by the count of a full file whatever its name', async () => {
    const [result] = await importIdx([file('labels.bin', idxBytes('u8', [10_000], new Uint8Array(10_000)))])
    expect(result).toEqual({ name: 'labels.bin', ok: true, role: 'test-labels', count: 10_000 })
  })

  it('replaces an older copy in the other form, since the raw file would be preferred', async () => {
    const test = fashionSplit(2)
    await importIdx([file('t10k-labels-idx1-ubyte', test.labels)])
    await importIdx([file('t10k-labels-idx1-ubyte.gz', gzip(test.labels))])
    expect(await written()).toEqual(['t10k-labels-idx1-ubyte.gz'])
  })

  it('refuses a PNG renamed .gz, naming the file, and writes nothing', async () => {
    const [result] = await importIdx([file('train-images-idx3-ubyte.gz', PNG)])
    expect(result.ok).toBe(false)
    expect(result.error).toMatch(/^train-images-idx3-ubyte\.gz is not an IDX file .*PNG image/)
    expect(await written()).toEqual([])
  })

  it('refuses a truncated file and a broken gzip stream', async () => {
    const images = fashionSplit(2).images
    const packed = gzip(images)
    const results = await importIdx([
      file('t10k-images-idx3-ubyte', images.subarray(0, images.length - 5)),
      file('t10k-labels-idx1-ubyte.gz', packed.subarray(0, 20))
    ])
    expect(results[0]).toMatchObject({ ok: false, error: expect.stringMatching(/^t10k-images-idx3-ubyte has .*shorter than/) })
    expect(results[1]).toMatchObject({ ok: false, error: expect.stringMatching(/^t10k-labels-idx1-ubyte\.gz is not a valid gzip file/) })
    expect(await written()).toEqual([])
  })

  it('refuses arrays of the wrong shape or type, and labels outside 0..9', async () => {
    const results = await importIdx([
      file('train-images-idx3-ubyte', idxBytes('u8', [2, 32, 32], new Uint8Array(2 * 32 * 32))),
      file('t10k-images-idx3-ubyte', idxBytes('f32', [1, 28, 28], new Float32Array(784))),
      file('t10k-labels-idx1-ubyte', idxBytes('u8', [2], [3, 12]))
    ])
    expect(results.map((r) => r.ok)).toEqual([false, false, false])
    expect(results[0].error).toBe('train-images-idx3-ubyte holds a 2x32x32 u8 array; Fashion-MNIST needs N x 28 x 28 u8 images or N u8 labels.')
    expect(results[1].error).toMatch(/^t10k-images-idx3-ubyte holds a 1x28x28 f32 array/)
    expect(results[2].error).toBe('t10k-labels-idx1-ubyte has label 12 at position 1; Fashion-MNIST labels are 0 to 9.')
    expect(await written()).toEqual([])
  })

  it('refuses a file whose split cannot be told, and a second file of the same role', async () => {
    const labels = fashionSplit(2).labels
    const results = await importIdx([file('labels.idx', labels), file('t10k-labels-idx1-ubyte', labels), file('test-labels.gz', gzip(labels))])
    expect(results[0].error).toMatch(/^labels\.idx holds 2 labels, which is neither/)
    expect(results[1]).toMatchObject({ ok: true, role: 'test-labels' })
    expect(results[2].error).toBe('test-labels.gz and t10k-labels-idx1-ubyte are both the test labels; only the first was kept.')
    expect(results[2].fault).toEqual({ code: 'duplicate', params: { name: 'test-labels.gz', other: 't10k-labels-idx1-ubyte' } })
    expect(results[0].fault).toEqual({ code: 'notDataset', params: { name: 'labels.idx' } })
    expect(await written()).toEqual(['t10k-labels-idx1-ubyte'])
  })

  it('refuses 100 images with 99 labels, so a broken pair never shadows a working copy elsewhere', async () => {
    const images = fashionSplit(100).images
    const labels = fashionSplit(99).labels
    const results = await importIdx([file('t10k-images-idx3-ubyte', images), file('t10k-labels-idx1-ubyte', labels)])
    expect(results.map((r) => r.ok)).toEqual([false, false])
    expect(results[0].error).toBe(
      't10k-images-idx3-ubyte holds 100 images but t10k-labels-idx1-ubyte holds 99 labels; the test images and labels must match one to one, so t10k-images-idx3-ubyte was not imported.'
    )
    expect(results[1].error).toMatch(/^t10k-labels-idx1-ubyte holds 99 labels but t10k-images-idx3-ubyte holds 100 images/)
    expect(results[0].fault).toEqual({ code: 'countMismatch', params: { name: 't10k-images-idx3-ubyte', count: 100, other: 't10k-labels-idx1-ubyte', otherCount: 99 } })
    expect(await written()).toEqual([])
  })

  it('refuses a file that disagrees with its partner imported before', async () => {
    const train = fashionSplit(3)
    await importIdx([file('train-images-idx3-ubyte', train.images), file('train-labels-idx1-ubyte', train.labels)])
    const [result] = await importIdx([file('train-labels.gz', gzip(fashionSplit(2).labels))])
    expect(result).toMatchObject({
      ok: false,
      error: 'train-labels.gz holds 2 labels but train-images-idx3-ubyte, imported before, holds 3 images; the train images and labels must match one to one, so train-labels.gz was not imported.'
    })
    expect((await written()).sort()).toEqual(['train-images-idx3-ubyte', 'train-labels-idx1-ubyte'])
  })

  it('names a gzip bomb as too large instead of passing on a Buffer error', async () => {
    const [result] = await importIdx([file('t10k-images-idx3-ubyte.gz', gzipBomb(300))])
    expect(result).toMatchObject({ ok: false, error: expect.stringMatching(/^t10k-images-idx3-ubyte\.gz is too large: it decompresses to more than 256 MiB.*gzip bomb/) })
    expect(await written()).toEqual([])
  })

  it('accepts at most four files a call', async () => {
    const one = file('t10k-labels-idx1-ubyte', fashionSplit(1).labels)
    const response = await dispatch(handlers, 'data/import-idx', { files: [one, one, one, one, one] })
    expect(response.ok).toBe(false)
  })
})
