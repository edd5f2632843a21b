import { mkdir, symlink } from 'node:fs/promises'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DataError } from '../../src-main/data/errors'
import { loadImageFolder } from '../../src-main/data/image-folder'
import { bmpBytes, tempDir, type TempDir } from '../fixtures/data/builders'

let tmp: TempDir
beforeAll(async () => {
  tmp = await tempDir()
})
afterAll(() => tmp.remove())

/** A 28x28 light-on-dark PNG of uniform brightness `v`, so each decoded image can be identified. */
const flat = (v: number): Promise<Buffer> =>
  sharp(Buffer.alloc(28 * 28, v), { raw: { width: 28, height: 28, channels: 1 } })
    .toColourspace('b-w')
    .png()
    .toBuffer()

/** `counts[c]` images in class folder `names[c]`; image i of class c has brightness 10*c + i (< 128). */
async function makeFolder(sub: string, names: string[], counts: number[]): Promise<string> {
  for (const [c, name] of names.entries()) {
    await mkdir(join(tmp.path, sub, name), { recursive: true })
    for (let i = 0; i < counts[c]; i++) await tmp.write(`${sub}/${name}/img${String(i).padStart(2, '0')}.png`, await flat(10 * c + i))
  }
  return join(tmp.path, sub)
}

const brightnessOf = (images: Float32Array, index: number): number => Math.round(images[index * 784] * 255)

async function folderError(dir: string, opts: Parameters<typeof loadImageFolder>[1] = { shape: [1, 28, 28] }): Promise<DataError> {
  const err = await loadImageFolder(dir, opts).catch((e: unknown) => e)
  expect(err).toBeInstanceOf(DataError)
  return err as DataError
}

describe('loadImageFolder', () => {
  it('takes class names from sorted sub-folders and labels each image by its folder', async () => {
    const dir = await makeFolder('classes', ['shoe', 'Bag', 'coat'], [5, 5, 5])
    const r = await loadImageFolder(dir, { shape: [1, 28, 28] })
    expect(r.train.classNames).toEqual(['Bag', 'coat', 'shoe'])
    expect(r.test.classNames).toEqual(['Bag', 'coat', 'shoe'])
    expect(r.train.shape).toEqual([1, 28, 28])
    expect(r.skipped).toEqual([])
    // Folder "Bag" (created second, brightness 10-14) is class 0 after sorting.
    for (const d of [r.train, r.test]) {
      d.labels.forEach((label, i) => {
        const folderIndex = ['shoe', 'Bag', 'coat'].indexOf(d.classNames[label])
        expect(Math.floor(brightnessOf(d.images, i) / 10)).toBe(folderIndex)
      })
    }
    expect(r.train.name).toBe('classes (train)')
  })

  it('holds out testFraction of each class, every image exactly once', async () => {
    const dir = await makeFolder('split', ['a', 'b'], [10, 5])
    const r = await loadImageFolder(dir, { shape: [1, 28, 28], testFraction: 0.2 })
    const count = (labels: Int32Array, c: number): number => labels.filter((l) => l === c).length
    expect([count(r.train.labels, 0), count(r.test.labels, 0)]).toEqual([8, 2])
    expect([count(r.train.labels, 1), count(r.test.labels, 1)]).toEqual([4, 1])
    const all = [...r.train.labels.keys()].map((i) => brightnessOf(r.train.images, i))
    all.push(...[...r.test.labels.keys()].map((i) => brightnessOf(r.test.images, i)))
    expect(all.sort((x, y) => x - y)).toEqual([...Array(10).keys(), ...[10, 11, 12, 13, 14]])
  })

  it('splits and orders the same way for the same seed, differently for another', async () => {
    const dir = await makeFolder('seeded', ['a', 'b'], [10, 10])
    const order = async (seed: number): Promise<number[]> => {
      const r = await loadImageFolder(dir, { shape: [1, 28, 28], seed })
      return [...r.train.labels.keys()].map((i) => brightnessOf(r.train.images, i))
    }
    const first = await order(7)
    expect(await order(7)).toEqual(first)
    expect(await order(8)).not.toEqual(first)
  })

  it('keeps at least one image per class in train, and allows no test split', async () => {
    const dir = await makeFolder('tiny', ['a', 'b'], [1, 2])
    const r = await loadImageFolder(dir, { shape: [1, 28, 28], testFraction: 0.5 })
    expect(Array.from(r.train.labels).sort()).toEqual([0, 1])
    expect(Array.from(r.test.labels)).toEqual([1])
    const none = await loadImageFolder(dir, { shape: [1, 28, 28], testFraction: 0 })
    expect(none.train.labels).toHaveLength(3)
    expect(none.test.labels).toHaveLength(0)
    expect(none.test.images).toHaveLength(0)
  })

  it('resizes to the requested shape', async () => {
    const dir = await makeFolder('resized', ['a', 'b'], [1, 1])
    const r = await loadImageFolder(dir, { shape: [1, 14, 20], testFraction: 0 })
    expect(r.train.shape).toEqual([1, 14, 20])
    expect(r.train.images).toHaveLength(2 * 14 * 20)
  })

  it('skips and lists files that are not images, and reads BMPs', async () => {
    const dir = await makeFolder('mixed', ['a', 'b'], [2, 2])
    const notes = await tmp.write('mixed/a/notes.txt', 'not an image\n')
    const empty = await tmp.write('mixed/b/empty.png', new Uint8Array(0))
    await tmp.write('mixed/b/drawn.bmp', bmpBytes(4, 4, () => [0, 0, 0]))
    await tmp.write('mixed/a/.DS_Store', 'hidden files are ignored')
    await mkdir(join(dir, 'a', 'nested'))
    await symlink(join(dir, 'gone.png'), join(dir, 'b', 'dangling.png'))
    const r = await loadImageFolder(dir, { shape: [1, 28, 28], testFraction: 0 })
    expect(r.train.labels).toHaveLength(5)
    expect(r.skipped.map((s) => s.file)).toEqual(
      [join(dir, 'a', 'nested'), notes, empty, join(dir, 'b', 'dangling.png')].sort()
    )
    const skipped = new Map(r.skipped.map((s) => [s.file, s.reason]))
    expect(skipped.get(join(dir, 'b', 'dangling.png'))).toMatch(/^dangling\.png cannot be read: ENOENT/)
    expect(skipped.get(join(dir, 'a', 'nested'))).toBe('nested is a folder, not an image.')
    expect(skipped.get(notes)).toMatch(/^notes\.txt is not a supported image \(starts with 6E 6F 74 20, a text file\?\)/)
    expect(skipped.get(empty)).toBe('empty.png is empty.')
  })

  it('with limit and testLimit, loads at most that many of each split, drawn from every class; the test split is whole without testLimit', async () => {
    const dir = await makeFolder('limited', ['a', 'b'], [10, 10])
    const r = await loadImageFolder(dir, { shape: [1, 28, 28], limit: 4, testLimit: 4, testFraction: 0.5 })
    expect(r.train.labels).toHaveLength(4)
    expect(r.test.labels).toHaveLength(4)
    expect((await loadImageFolder(dir, { shape: [1, 28, 28], limit: 4, testFraction: 0.5 })).test.labels).toHaveLength(10)
    expect(new Set(r.train.labels)).toEqual(new Set([0, 1]))
    expect(new Set(r.test.labels)).toEqual(new Set([0, 1]))
  })

  it('refuses more than one channel, saying to use 1', async () => {
    const dir = await makeFolder('rgb', ['a', 'b'], [1, 1])
    const err = await folderError(dir, { shape: [3, 28, 28] })
    expect(err.message).toBe(
      "Image folders load as grey images (1 channel), but the model's input has 3 channels; set its input to 1 channel."
    )
  })

  it('needs at least two class folders', async () => {
    const one = await makeFolder('one-class', ['only'], [2])
    await tmp.write('one-class/loose.png', await flat(1))
    expect((await folderError(one)).message).toBe(
      `${one} has only one class folder; put each class's images in its own sub-folder (at least two).`
    )
  })

  it('rejects a class folder with no images, naming it', async () => {
    const dir = await makeFolder('empty-class', ['a', 'b'], [2, 0])
    expect((await folderError(dir)).message).toBe(`Class folder b in ${dir} has no images.`)
  })

  it('rejects a class whose every file fails to decode', async () => {
    const dir = await makeFolder('broken-class', ['a', 'b'], [2, 0])
    await tmp.write('broken-class/b/x.png', 'no')
    expect((await folderError(dir)).message).toBe(`No image in class folder b of ${dir} could be read (1 file skipped).`)
  })

  it('rejects a missing folder as not found', async () => {
    const err = await folderError(join(tmp.path, 'absent'))
    expect(err.kind).toBe('not-found')
    expect(err.message).toMatch(/absent cannot be read as a folder: ENOENT/)
  })
})
