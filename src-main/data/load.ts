/**
 * One entry point from a `DataSource` to a `Dataset`, so the engine, CLI and web server never
 * know where the bytes came from.
 */
import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { Dataset, DataSource, Split } from '../shared/dataset'
import { DataError } from './errors'
import { fashionMnistVersion, loadFashionMnist, locateFashionMnist } from './fashion-mnist'
import { loadImageFolder, type ImageFolderResult } from './image-folder'
import { loadToy, toyFromMatrices } from './toy'

export interface LoadOptions {
  /** At most this many samples (Fashion-MNIST: the first N; a folder: N chosen by its seeded split). */
  limit?: number
  /**
   * Each split's limit, in place of `limit`, for a caller that loads both (training): an image
   * folder decodes its two splits at once, so both must be known to decode it once.
   */
  splitLimits?: { train?: number; test?: number }
  /** The app's data folder, searched for `fashion-mnist/`. */
  appDataDir?: string
  /** The model's input [C, H, W]: image folders are decoded to it; the fixed-size sets ignore it. */
  shape?: [number, number, number]
  /** Where installed datasets are looked for; defaults to the Debian package's folder. */
  systemDirs?: readonly string[]
}

export const DEFAULT_FOLDER_SHAPE: [number, number, number] = [1, 28, 28]

/** Names, sizes and times of every entry two levels down: changes when any image is added, removed or edited. */
async function folderSignature(dir: string): Promise<string> {
  const parts: string[] = []
  for (const cls of (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory())) {
    for (const name of await readdir(join(dir, cls.name))) {
      const info = await stat(join(dir, cls.name, name))
      parts.push(`${cls.name}/${name}:${info.size}:${info.mtimeMs}`)
    }
  }
  return parts.sort().join('\n')
}

/** The last folder decoded: train and test are asked for separately but come from one decode. */
let lastFolder: { key: string; result: Promise<ImageFolderResult> } | undefined

async function loadFolder(dir: string, split: Split, opts: LoadOptions): Promise<Dataset> {
  const shape = opts.shape ?? DEFAULT_FOLDER_SHAPE
  let signature: string
  try {
    signature = await folderSignature(dir)
  } catch {
    // The loader itself reports an unreadable folder with a proper message.
    signature = ''
  }
  const limits = opts.splitLimits ?? { train: opts.limit, test: opts.limit }
  const key = JSON.stringify([dir, shape, limits.train, limits.test, signature])
  if (lastFolder?.key !== key) {
    const result = loadImageFolder(dir, { shape, limit: limits.train, testLimit: limits.test })
    const entry = { key, result }
    lastFolder = entry
    result.catch(() => {
      if (lastFolder === entry) lastFolder = undefined
    })
  }
  const result = await lastFolder.result
  return result.skipped.length ? { ...result[split], skipped: result.skipped } : result[split]
}

/**
 * What a cache of the source's datasets must key on beside the source itself: for Fashion-MNIST the
 * files found, their sizes and times (an import may replace them, or add a copy found first).
 */
export async function sourceVersion(source: DataSource, options: Pick<LoadOptions, 'appDataDir' | 'systemDirs'> = {}): Promise<string> {
  if (source.kind !== 'fashion-mnist') return ''
  const location = await locateFashionMnist({ dir: source.dir, appDataDir: options.appDataDir, systemDirs: options.systemDirs })
  return location.found ? fashionMnistVersion(location.files) : 'not found'
}

export async function loadDataset(source: DataSource, split: Split, options: LoadOptions = {}): Promise<Dataset> {
  const opts = options.splitLimits ? { ...options, limit: options.splitLimits[split] } : options
  switch (source.kind) {
    case 'toy': {
      const toy = source.images
        ? toyFromMatrices(source.images, source.labels ?? [], { divisor: source.divisor ?? 1, name: 'Toy (edited)' })
        : loadToy()
      const n = Math.min(opts.limit ?? toy.labels.length, toy.labels.length)
      const size = toy.shape[0] * toy.shape[1] * toy.shape[2]
      // The tutorial trains and checks on the same two images, so both splits are the whole set.
      return { ...toy, images: toy.images.slice(0, n * size), labels: toy.labels.slice(0, n) }
    }
    case 'fashion-mnist': {
      const location = await locateFashionMnist({
        dir: source.dir,
        appDataDir: opts.appDataDir,
        systemDirs: opts.systemDirs
      })
      if (!location.found) {
        throw new DataError(`Fashion-MNIST was not found (looked in ${location.searched.join(', ')}).`, {
          kind: 'not-found',
          help: location.help
        })
      }
      return loadFashionMnist(location.dir, split, { limit: opts.limit })
    }
    case 'folder':
      return loadFolder(source.dir, split, options)
  }
}
