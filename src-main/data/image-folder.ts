/**
 * A folder of images with one sub-folder per class (the torchvision ImageFolder layout), decoded to
 * grey like a dropped image and split into train and test sets reproducibly from a seed.
 */
import type { Dirent } from 'node:fs'
import { readdir, readFile, stat } from 'node:fs/promises'
import { basename, join } from 'node:path'
import type { Dataset } from '../shared/dataset'
import { DataError } from './errors'
import { decodeImageToGrey } from './images'
import { mulberry32, shuffleInPlace } from '../shared/rng'

/** Beyond this the arrays outgrow what a desktop session should hold; `limit` loads a subset. */
export const MAX_FOLDER_IMAGES = 100_000
const DECODE_CONCURRENCY = 4

export interface ImageFolderOptions {
  /** [C, H, W] of the model's input; C must be 1 since images are decoded to grey. */
  shape: [number, number, number]
  /** At most this many training images, chosen at random (by `seed`) from that split. */
  limit?: number
  /** At most this many test images, likewise; all of them when absent. */
  testLimit?: number
  /** Share of each class held out for testing; default 0.2. */
  testFraction?: number
  seed?: number
}

export interface ImageFolderResult {
  train: Dataset
  test: Dataset
  skipped: { file: string; reason: string }[]
}

interface Entry {
  file: string
  label: number
}

/** Code-point order, as Python's sorted() and so ImageFolder: the same on every locale. */
function byName(a: Dirent, b: Dirent): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0
}

const visible = (e: Dirent): boolean => !e.name.startsWith('.')

/** The class sub-folders in name order with their files; refuses a folder that cannot train. */
export async function listClasses(dir: string): Promise<{ classNames: string[]; files: Entry[][] }> {
  let entries: Dirent[]
  try {
    entries = await readdir(dir, { withFileTypes: true })
  } catch (err) {
    throw new DataError(`${dir} cannot be read as a folder: ${err instanceof Error ? err.message : String(err)}.`, {
      kind: 'not-found',
      cause: err
    })
  }
  const classDirs = entries.filter((e) => e.isDirectory() && visible(e)).sort(byName)
  if (classDirs.length < 2) {
    throw new DataError(
      `${dir} has ${classDirs.length === 0 ? 'no' : 'only one'} class folder; put each class's images in its own sub-folder (at least two).`
    )
  }
  const files: Entry[][] = []
  for (const [label, classDir] of classDirs.entries()) {
    const inside = (await readdir(join(dir, classDir.name), { withFileTypes: true })).filter(visible).sort(byName)
    const entriesOfClass = inside.map((e) => ({ file: join(dir, classDir.name, e.name), label }))
    if (entriesOfClass.length === 0) throw new DataError(`Class folder ${classDir.name} in ${dir} has no images.`)
    files.push(entriesOfClass)
  }
  const total = files.reduce((n, f) => n + f.length, 0)
  if (total > MAX_FOLDER_IMAGES) {
    throw new DataError(`${dir} holds ${total} files, over the ${MAX_FOLDER_IMAGES} ConvLab loads at once.`, {
      kind: 'too-large'
    })
  }
  return { classNames: classDirs.map((d) => d.name), files }
}

/** Decodes files in order, up to `limit` successes, a few at a time; failures are recorded, not fatal. */
async function decodeAll(
  entries: Entry[],
  target: { width: number; height: number },
  limit: number,
  skipped: ImageFolderResult['skipped']
): Promise<{ entry: Entry; pixels: Float32Array }[]> {
  const results: ({ entry: Entry; pixels: Float32Array } | undefined)[] = []
  let next = 0
  let decoded = 0
  const worker = async (): Promise<void> => {
    while (next < entries.length && decoded < limit) {
      const index = next++
      const entry = entries[index]
      try {
        const info = await stat(entry.file)
        if (!info.isFile()) throw new DataError(`${basename(entry.file)} is a folder, not an image.`)
        const image = await decodeImageToGrey(await readFile(entry.file), basename(entry.file), target)
        results[index] = { entry, pixels: image.pixels }
        decoded++
      } catch (err) {
        if (err instanceof DataError) skipped.push({ file: entry.file, reason: err.message })
        else if (err instanceof Error && 'code' in err) {
          skipped.push({ file: entry.file, reason: `${basename(entry.file)} cannot be read: ${err.message}.` })
        } else throw err
      }
    }
  }
  await Promise.all(Array.from({ length: DECODE_CONCURRENCY }, worker))
  return results.filter((r) => r !== undefined).slice(0, limit)
}

function toDataset(
  name: string,
  shape: [number, number, number],
  items: { entry: Entry; pixels: Float32Array }[],
  classNames: string[]
): Dataset {
  const size = shape[0] * shape[1] * shape[2]
  const images = new Float32Array(items.length * size)
  items.forEach((item, i) => images.set(item.pixels, i * size))
  return { name, shape, images, labels: Int32Array.from(items, (i) => i.entry.label), classNames: [...classNames] }
}

/**
 * Loads `dir/<class>/<image>`: classes are the sub-folders in name order, each class split
 * `testFraction` to test (at least one image stays in train), each split shuffled by `seed`.
 * Files that are not readable images are skipped and listed.
 */
export async function loadImageFolder(dir: string, opts: ImageFolderOptions): Promise<ImageFolderResult> {
  const [channels, height, width] = opts.shape
  if (channels !== 1) {
    throw new DataError(
      `Image folders load as grey images (1 channel), but the model's input has ${channels} channels; set its input to 1 channel.`,
      { kind: 'unsupported' }
    )
  }
  const testFraction = opts.testFraction ?? 0.2
  if (!(testFraction >= 0 && testFraction < 1)) {
    throw new DataError(`The test fraction must be at least 0 and below 1, not ${testFraction}.`)
  }
  const limit = opts.limit ?? Infinity
  const testLimit = opts.testLimit ?? Infinity
  for (const n of [limit, testLimit]) {
    if (n !== Infinity && !(Number.isInteger(n) && n >= 1)) throw new DataError(`The sample limit must be a whole number of at least 1, not ${n}.`)
  }
  const next = mulberry32(opts.seed ?? 0)
  const { classNames, files } = await listClasses(dir)

  const train: Entry[] = []
  const test: Entry[] = []
  for (const entries of files) {
    const shuffled = shuffleInPlace([...entries], next)
    const testCount = Math.min(shuffled.length - 1, Math.round(shuffled.length * testFraction))
    test.push(...shuffled.slice(0, testCount))
    train.push(...shuffled.slice(testCount))
  }
  shuffleInPlace(train, next)
  shuffleInPlace(test, next)

  const skipped: ImageFolderResult['skipped'] = []
  const target = { width, height }
  const trainItems = await decodeAll(train, target, limit, skipped)
  const testItems = await decodeAll(test, target, testLimit, skipped)

  if (limit === Infinity && testLimit === Infinity) {
    const loaded = new Set([...trainItems, ...testItems].map((i) => i.entry.label))
    const empty = classNames.filter((_, label) => !loaded.has(label))
    if (empty.length > 0) {
      throw new DataError(
        `No image in class folder${empty.length > 1 ? 's' : ''} ${empty.join(', ')} of ${dir} could be read (${skipped.length} file${skipped.length === 1 ? '' : 's'} skipped).`
      )
    }
  }
  // Workers finish in any order; sorted, the list is the same on every run.
  skipped.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0))
  const folder = basename(dir)
  return {
    train: toDataset(`${folder} (train)`, opts.shape, trainItems, classNames),
    test: toDataset(`${folder} (test)`, opts.shape, testItems, classNames),
    skipped
  }
}
