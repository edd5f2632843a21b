/**
 * Finding and loading Fashion-MNIST (IDX files, raw or gzip) without ever downloading it: the app
 * is offline, so when the files are absent the user is told exactly how to get them.
 */
import { stat } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { FASHION_MNIST_CLASSES, FASHION_MNIST_URL, type Dataset, type Split } from '../shared/dataset'
import { DataError } from './errors'
import { readIdxFile, type IdxArray } from './idx'

/** Where the Debian/Ubuntu package `dataset-fashion-mnist` installs the files. */
export const SYSTEM_DATASET_DIRS: readonly string[] = ['/usr/share/datasets/fashion-mnist']

const FILE_NAMES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte'
} as const

export type FashionMnistFiles = Record<keyof typeof FILE_NAMES, string>

export type FashionMnistLocation =
  | { found: true; dir: string; files: FashionMnistFiles }
  /** `problem`: what is wrong with a folder the user chose, in one sentence; `refusal`, the same as a code. */
  | { found: false; searched: string[]; help: string; problem?: string; refusal?: FolderRefusal }

/** Why a folder the user chose holds no Fashion-MNIST, for the interface to word. */
export interface FolderRefusal {
  code: 'missing' | 'notFolder' | 'noFiles' | 'lacks'
  dir: string
  /** The files it lacks, comma-separated; empty when it is not a folder. */
  files: string
}

const SIDE = 28

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile()
  } catch {
    return false
  }
}

/** Raw files are preferred over .gz when both exist: they skip decompression. */
async function findFiles(dir: string): Promise<{ files?: FashionMnistFiles; missing: string[] }> {
  const files: Partial<FashionMnistFiles> = {}
  const missing: string[] = []
  for (const [key, name] of Object.entries(FILE_NAMES) as [keyof FashionMnistFiles, string][]) {
    const raw = join(dir, name)
    const gz = `${raw}.gz`
    if (await isFile(raw)) files[key] = raw
    else if (await isFile(gz)) files[key] = gz
    else missing.push(name)
  }
  return missing.length === 0 ? { files: files as FashionMnistFiles, missing } : { missing }
}

function helpText(searched: string[], partial: string[], appDataDir: string | undefined): string {
  const target = appDataDir ? join(appDataDir, 'fashion-mnist') : 'a folder'
  const lines = [
    `Fashion-MNIST was not found. Looked in: ${searched.join(', ')}.`,
    ...partial,
    'To get it:',
    '- On Debian or Ubuntu: sudo apt install dataset-fashion-mnist',
    `- Otherwise download ${Object.values(FILE_NAMES)
      .map((n) => `${n}.gz`)
      .join(', ')} from ${FASHION_MNIST_URL} into ${target}, or choose the folder that holds them.`
  ]
  return lines.join('\n')
}

/** Why a chosen folder holds no Fashion-MNIST (it is not there, not a folder, or short of files), in English and as a code. */
async function chosenFolderProblem(dir: string, missing: string[]): Promise<{ problem: string; refusal: FolderRefusal }> {
  const info = await stat(dir).catch(() => null)
  if (!info) return { problem: `${dir} does not exist.`, refusal: { code: 'missing', dir, files: '' } }
  if (!info.isDirectory()) return { problem: `${dir} is a file, not a folder.`, refusal: { code: 'notFolder', dir, files: '' } }
  if (missing.length === Object.keys(FILE_NAMES).length) {
    const files = Object.values(FILE_NAMES).join(', ')
    return { problem: `${dir} holds none of Fashion-MNIST's four files (${files}, each raw or .gz).`, refusal: { code: 'noFiles', dir, files } }
  }
  return { problem: `${dir} lacks ${missing.join(', ')}.`, refusal: { code: 'lacks', dir, files: missing.join(', ') } }
}

/**
 * A folder the user chose is the only place looked at: silently using another copy would hide
 * their mistake. Otherwise `<appDataDir>/fashion-mnist`, then the system dataset folders; the
 * first holding all four files (each raw or .gz) wins.
 */
export async function locateFashionMnist(opts: {
  dir?: string
  appDataDir?: string
  systemDirs?: readonly string[]
}): Promise<FashionMnistLocation> {
  const candidates = opts.dir
    ? [opts.dir]
    : [
        ...(opts.appDataDir === undefined ? [] : [join(opts.appDataDir, 'fashion-mnist')]),
        ...(opts.systemDirs ?? SYSTEM_DATASET_DIRS)
      ]
  const searched = [...new Set(candidates)]
  const partial: string[] = []
  let lastMissing: string[] = []
  for (const dir of searched) {
    const { files, missing } = await findFiles(dir)
    if (files) return { found: true, dir, files }
    if (missing.length < Object.keys(FILE_NAMES).length) partial.push(`${dir} lacks ${missing.join(', ')}.`)
    lastMissing = missing
  }
  const help = helpText(searched, partial, opts.appDataDir)
  return opts.dir ? { found: false, searched, help, ...(await chosenFolderProblem(opts.dir, lastMissing)) } : { found: false, searched, help }
}

/**
 * Which files a Fashion-MNIST folder is read from, with their sizes and times: a dataset cached
 * under this key is never served after an IDX import replaced the files.
 */
export async function fashionMnistVersion(files: FashionMnistFiles): Promise<string> {
  const stamps = await Promise.all(
    Object.values(files).map(async (path) => {
      const info = await stat(path).catch(() => null)
      return info ? `${path}:${info.size}:${info.mtimeMs}` : `${path}:gone`
    })
  )
  return stamps.join('\n')
}

interface CacheEntry {
  mtimeMs: number
  size: number
  array: Promise<IdxArray>
}

/** Parsed files by path; a handful of entries (one dataset's four files, plus a few switches). */
const cache = new Map<string, CacheEntry>()
const CACHE_ENTRIES = 8

async function readCached(path: string): Promise<IdxArray> {
  const info = await stat(path)
  const hit = cache.get(path)
  if (hit && hit.mtimeMs === info.mtimeMs && hit.size === info.size) {
    cache.delete(path)
    cache.set(path, hit)
    return hit.array
  }
  const array = readIdxFile(path)
  cache.set(path, { mtimeMs: info.mtimeMs, size: info.size, array })
  if (cache.size > CACHE_ENTRIES) cache.delete(cache.keys().next().value as string)
  array.catch(() => {
    if (cache.get(path)?.array === array) cache.delete(path)
  })
  return array
}

const SCALE = Float32Array.from({ length: 256 }, (_, v) => v / 255)

/** Loads one split as [1,28,28] images scaled to 0..1 and labels 0-9, checking the files agree. */
export async function loadFashionMnist(dir: string, split: Split, opts: { limit?: number } = {}): Promise<Dataset> {
  const { limit } = opts
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= 1)) {
    throw new DataError(`The sample limit must be a whole number of at least 1, not ${limit}.`)
  }
  const { files, missing } = await findFiles(dir)
  if (!files) {
    throw new DataError(`${dir} is not a Fashion-MNIST folder: it lacks ${missing.join(', ')}.`, { kind: 'not-found' })
  }
  const imagePath = split === 'train' ? files.trainImages : files.testImages
  const labelPath = split === 'train' ? files.trainLabels : files.testLabels
  const [images, labels] = await Promise.all([readCached(imagePath), readCached(labelPath)])

  if (images.type !== 'u8' || images.dims.length !== 3 || images.dims[1] !== SIDE || images.dims[2] !== SIDE) {
    throw new DataError(
      `${basename(imagePath)} holds ${images.dims.join('x')} ${images.type} values, not Nx28x28 u8 images.`
    )
  }
  if (labels.type !== 'u8' || labels.dims.length !== 1) {
    throw new DataError(`${basename(labelPath)} holds ${labels.dims.join('x')} ${labels.type} values, not N u8 labels.`)
  }
  const count = images.dims[0]
  if (labels.dims[0] !== count) {
    throw new DataError(
      `${basename(imagePath)} holds ${count} images but ${basename(labelPath)} holds ${labels.dims[0]} labels.`
    )
  }
  const classes = FASHION_MNIST_CLASSES.length
  const bad = labels.data.findIndex((l) => l >= classes)
  if (bad >= 0) {
    throw new DataError(
      `${basename(labelPath)} has label ${labels.data[bad]} at index ${bad}; Fashion-MNIST labels are 0-${classes - 1}.`
    )
  }

  const n = limit === undefined ? count : Math.min(limit, count)
  const pixels = n * SIDE * SIDE
  const scaled = new Float32Array(pixels)
  const source = images.data
  for (let i = 0; i < pixels; i++) scaled[i] = SCALE[source[i]]
  return {
    name: `Fashion-MNIST (${split}${n < count ? `, first ${n}` : ''})`,
    shape: [1, SIDE, SIDE],
    images: scaled,
    labels: Int32Array.from(labels.data.subarray(0, n)),
    classNames: [...FASHION_MNIST_CLASSES]
  }
}
