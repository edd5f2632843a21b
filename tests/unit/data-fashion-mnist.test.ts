import { existsSync } from 'node:fs'
import { utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DataError } from '../../src-main/data/errors'
import { loadFashionMnist, locateFashionMnist } from '../../src-main/data/fashion-mnist'
import { FASHION_MNIST_CLASSES } from '../../src-main/shared/dataset'
import { fashionSplit, gzip, idxBytes, tempDir, writeFashionDir, type TempDir } from '../fixtures/data/builders'

let tmp: TempDir
beforeAll(async () => {
  tmp = await tempDir()
})
afterAll(() => tmp.remove())

async function loadError(dir: string): Promise<DataError> {
  const err = await loadFashionMnist(dir, 'train').catch((e: unknown) => e)
  expect(err).toBeInstanceOf(DataError)
  return err as DataError
}

describe('locateFashionMnist', () => {
  it('uses only the chosen folder when there is one, else the app data folder, then the system folder', async () => {
    const chosen = await writeFashionDir(tmp, 'order/chosen')
    const app = join(tmp.path, 'order/app')
    await writeFashionDir(tmp, 'order/app/fashion-mnist')
    const system = await writeFashionDir(tmp, 'order/system')
    expect(await locateFashionMnist({ dir: chosen, appDataDir: app, systemDirs: [system] })).toMatchObject({
      found: true,
      dir: chosen
    })
    expect(await locateFashionMnist({ appDataDir: app, systemDirs: [system] })).toMatchObject({
      found: true,
      dir: join(app, 'fashion-mnist')
    })
    expect(await locateFashionMnist({ dir: join(tmp.path, 'nowhere'), systemDirs: [system] })).toMatchObject({
      found: false,
      searched: [join(tmp.path, 'nowhere')]
    })
    expect(await locateFashionMnist({ appDataDir: join(tmp.path, 'nowhere'), systemDirs: [system] })).toMatchObject({
      found: true,
      dir: system
    })
  })

  it('accepts each file raw or gzipped, preferring raw', async () => {
    const dir = await writeFashionDir(tmp, 'mixed', { gz: true })
    await writeFile(join(dir, 'train-images-idx3-ubyte'), fashionSplit(3).images)
    const r = await locateFashionMnist({ dir, systemDirs: [] })
    expect(r).toEqual({
      found: true,
      dir,
      files: {
        trainImages: join(dir, 'train-images-idx3-ubyte'),
        trainLabels: join(dir, 'train-labels-idx1-ubyte.gz'),
        testImages: join(dir, 't10k-images-idx3-ubyte.gz'),
        testLabels: join(dir, 't10k-labels-idx1-ubyte.gz')
      }
    })
  })

  it('skips a folder missing one file and says which', async () => {
    const partial = join(tmp.path, 'partial')
    await tmp.write('partial/train-images-idx3-ubyte.gz', gzip(fashionSplit(1).images))
    await tmp.write('partial/train-labels-idx1-ubyte.gz', gzip(fashionSplit(1).labels))
    await tmp.write('partial/t10k-images-idx3-ubyte.gz', gzip(fashionSplit(1).images))
    const r = await locateFashionMnist({ dir: partial, systemDirs: [] })
    expect(r.found).toBe(false)
    if (r.found) return
    expect(r.searched).toEqual([partial])
    expect(r.help).toContain(`${partial} lacks t10k-labels-idx1-ubyte.`)
    expect(r.problem).toBe(`${partial} lacks t10k-labels-idx1-ubyte.`)
  })

  it('says what is wrong with a chosen folder: absent, a file, or without the files', async () => {
    const problem = async (dir: string): Promise<string | undefined> => {
      const r = await locateFashionMnist({ dir, systemDirs: [] })
      return r.found ? undefined : r.problem
    }
    expect(await problem(join(tmp.path, 'no-such'))).toBe(`${join(tmp.path, 'no-such')} does not exist.`)
    await tmp.write('a-file', 'x')
    expect(await problem(join(tmp.path, 'a-file'))).toBe(`${join(tmp.path, 'a-file')} is a file, not a folder.`)
    await tmp.write('unrelated/readme.txt', 'x')
    expect(await problem(join(tmp.path, 'unrelated'))).toMatch(/unrelated holds none of Fashion-MNIST's four files \(train-images-idx3-ubyte, /)
    // The automatic search names no single culprit: its help lists every place looked in.
    const r = await locateFashionMnist({ appDataDir: join(tmp.path, 'no-app'), systemDirs: [] })
    expect(r).not.toHaveProperty('problem')
  })

  it('when nothing is found, lists the folders searched and says how to get the data', async () => {
    const app = join(tmp.path, 'empty-app')
    const r = await locateFashionMnist({ appDataDir: app, systemDirs: ['/nonexistent/sys'] })
    expect(r).toMatchObject({ found: false, searched: [join(app, 'fashion-mnist'), '/nonexistent/sys'] })
    if (r.found) return
    expect(r.help).toContain('sudo apt install dataset-fashion-mnist')
    expect(r.help).toContain('https://github.com/zalandoresearch/fashion-mnist/tree/master/data/fashion')
    expect(r.help).toContain(`into ${join(app, 'fashion-mnist')}, or choose the folder that holds them`)
    for (const f of ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz']) {
      expect(r.help).toContain(f)
    }
  })
})

describe('loadFashionMnist on small fixtures', () => {
  it('scales pixels by 1/255 into [1,28,28] and keeps the labels and class names', async () => {
    const dir = await writeFashionDir(tmp, 'small-gz', { gz: true })
    const train = await loadFashionMnist(dir, 'train')
    expect(train.name).toBe('Fashion-MNIST (train)')
    expect(train.shape).toEqual([1, 28, 28])
    expect(train.images).toHaveLength(3 * 784)
    expect(train.images[0]).toBe(Math.fround(0 / 255))
    expect(train.images[255]).toBe(Math.fround(255 / 255))
    expect(train.images[784 + 128]).toBe(Math.fround(135 / 255))
    expect(Array.from(train.labels)).toEqual([9, 0, 2])
    expect(train.classNames).toEqual([...FASHION_MNIST_CLASSES])
    const test = await loadFashionMnist(dir, 'test')
    expect(Array.from(test.labels)).toEqual([1, 8])
    expect(test.images).toHaveLength(2 * 784)
  })

  it('loads raw files the same as gzipped ones', async () => {
    const raw = await loadFashionMnist(await writeFashionDir(tmp, 'small-raw'), 'train')
    const gz = await loadFashionMnist(await writeFashionDir(tmp, 'small-gz2', { gz: true }), 'train')
    expect(raw.images).toEqual(gz.images)
    expect(raw.labels).toEqual(gz.labels)
  })

  it('takes the first N samples with limit, and says so in the name', async () => {
    const dir = await writeFashionDir(tmp, 'limit')
    const full = await loadFashionMnist(dir, 'train')
    const two = await loadFashionMnist(dir, 'train', { limit: 2 })
    expect(two.name).toBe('Fashion-MNIST (train, first 2)')
    expect(Array.from(two.labels)).toEqual([9, 0])
    expect(two.images).toEqual(full.images.slice(0, 2 * 784))
    expect((await loadFashionMnist(dir, 'train', { limit: 50 })).labels).toHaveLength(3)
    await expect(loadFashionMnist(dir, 'train', { limit: 0 })).rejects.toThrow(
      'The sample limit must be a whole number of at least 1, not 0.'
    )
  })

  it('rejects a folder without the files', async () => {
    const err = await loadError(join(tmp.path, 'absent'))
    expect(err.kind).toBe('not-found')
    expect(err.message).toMatch(/is not a Fashion-MNIST folder: it lacks train-images-idx3-ubyte, /)
  })

  it('rejects image and label counts that differ', async () => {
    const dir = await writeFashionDir(tmp, 'mismatch')
    await writeFile(join(dir, 'train-labels-idx1-ubyte'), idxBytes('u8', [2], [1, 2]))
    expect((await loadError(dir)).message).toBe(
      'train-images-idx3-ubyte holds 3 images but train-labels-idx1-ubyte holds 2 labels.'
    )
  })

  it('rejects labels outside 0-9, naming the first', async () => {
    const dir = await writeFashionDir(tmp, 'badlabel')
    await writeFile(join(dir, 'train-labels-idx1-ubyte'), idxBytes('u8', [3], [1, 10, 12]))
    expect((await loadError(dir)).message).toBe(
      'train-labels-idx1-ubyte has label 10 at index 1; Fashion-MNIST labels are 0-9.'
    )
  })

  it('rejects images that are not Nx28x28 u8', async () => {
    const dir = await writeFashionDir(tmp, 'baddims')
    await writeFile(join(dir, 'train-images-idx3-ubyte'), idxBytes('u8', [3, 32, 32], new Uint8Array(3 * 1024)))
    expect((await loadError(dir)).message).toBe('train-images-idx3-ubyte holds 3x32x32 u8 values, not Nx28x28 u8 images.')
    await writeFile(join(dir, 'train-images-idx3-ubyte'), idxBytes('f32', [3, 28, 28], new Float32Array(3 * 784)))
    expect((await loadError(dir)).message).toBe('train-images-idx3-ubyte holds 3x28x28 f32 values, not Nx28x28 u8 images.')
  })

  it('rejects labels that are not a 1-D u8 array', async () => {
    const dir = await writeFashionDir(tmp, 'badlabeldims')
    await writeFile(join(dir, 'train-labels-idx1-ubyte'), idxBytes('u8', [3, 1], [1, 2, 3]))
    expect((await loadError(dir)).message).toBe('train-labels-idx1-ubyte holds 3x1 u8 values, not N u8 labels.')
  })

  it('passes on a file-level fault with the full path', async () => {
    const dir = await writeFashionDir(tmp, 'truncated')
    const file = join(dir, 'train-images-idx3-ubyte')
    await writeFile(file, fashionSplit(3).images.subarray(0, 100))
    expect((await loadError(dir)).message).toBe(`${file} has 84 data bytes, shorter than the 2352 its header (3x28x28 u8) declares.`)
  })

  it('serves a file unchanged on disk from memory, and re-reads it once its mtime changes', async () => {
    const dir = await writeFashionDir(tmp, 'cache')
    const file = join(dir, 'train-labels-idx1-ubyte')
    // A whole-second mtime survives utimes exactly; the file system's own may have nanoseconds.
    const mtime = new Date('2020-01-01T00:00:00Z')
    await utimes(file, mtime, mtime)
    expect(Array.from((await loadFashionMnist(dir, 'train')).labels)).toEqual([9, 0, 2])
    // Same size and mtime: the cache cannot tell, which proves the second load did not read the disk.
    await writeFile(file, idxBytes('u8', [3], [5, 5, 5]))
    await utimes(file, mtime, mtime)
    expect(Array.from((await loadFashionMnist(dir, 'train')).labels)).toEqual([9, 0, 2])
    const later = new Date(mtime.getTime() + 5000)
    await utimes(file, later, later)
    expect(Array.from((await loadFashionMnist(dir, 'train')).labels)).toEqual([5, 5, 5])
  })
})

const SYSTEM_DIR = '/usr/share/datasets/fashion-mnist'

describe.skipIf(!existsSync(SYSTEM_DIR))('the real Fashion-MNIST (Debian dataset-fashion-mnist)', () => {
  it('is found in the system folder', async () => {
    expect(await locateFashionMnist({})).toMatchObject({ found: true, dir: SYSTEM_DIR })
  })

  it('has 60,000 training images, 6,000 per class, labelled as the tutorial expects', async () => {
    const started = performance.now()
    const train = await loadFashionMnist(SYSTEM_DIR, 'train')
    console.info(`Fashion-MNIST train loaded in ${Math.round(performance.now() - started)} ms`)
    expect(train.labels).toHaveLength(60_000)
    expect(train.images).toHaveLength(60_000 * 784)
    expect(train.labels[0]).toBe(9)
    expect(train.classNames[train.labels[0]]).toBe('Ankle boot')
    // The tutorial's shift experiment uses training image 24150: a Pullover.
    expect(train.labels[24150]).toBe(2)
    expect(train.classNames[2]).toBe('Pullover')
    const perClass = new Array<number>(10).fill(0)
    for (const l of train.labels) perClass[l]++
    expect(perClass).toEqual(new Array(10).fill(6000))
    let min = Infinity
    let max = -Infinity
    for (const v of train.images) {
      if (v < min) min = v
      if (v > max) max = v
    }
    expect([min, max]).toEqual([0, 1])
  })

  it('has 10,000 test images, 1,000 per class', async () => {
    const test = await loadFashionMnist(SYSTEM_DIR, 'test')
    expect(test.labels).toHaveLength(10_000)
    expect(test.images).toHaveLength(10_000 * 784)
    expect(test.labels[0]).toBe(9)
    const perClass = new Array<number>(10).fill(0)
    for (const l of test.labels) perClass[l]++
    expect(perClass).toEqual(new Array(10).fill(1000))
  })
})
