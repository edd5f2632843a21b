/**
 * Samples of a dataset for the Data view: a page of images with labels, and the class balance of
 * the whole split. The dataset is loaded in the main process by the same loader training uses,
 * so what the user browses is exactly what the model will see.
 */
import { stat } from 'node:fs/promises'
import { basename } from 'node:path'
import { locateFashionMnist } from '../data/fashion-mnist'
import { loadDataset } from '../data/load'
import { DataError } from '../data/errors'
import { LabError, SKIPPED_REASONS, type PixelImage } from '../shared/contract'
import type { Dataset, DataSource, Split } from '../shared/dataset'
import type { LabHandlers } from './dispatch'

export type DataHandlers = Pick<LabHandlers, 'data/samples'>

interface Loaded {
  dataset: Dataset
  classCounts: number[]
}

/** 0..1 values to three decimals: a 28x28 page of 200 stays well under a megabyte of JSON. */
const round3 = (v: number): number => Math.round(v * 1000) / 1000

function countClasses(d: Dataset): number[] {
  const counts = new Array<number>(d.classNames.length).fill(0)
  for (const label of d.labels) counts[label] = (counts[label] ?? 0) + 1
  return counts
}

export function createDataHandlers(appDataDir: string): DataHandlers {
  // Paging through a split asks for the same data again and again; one split is kept, since a
  // full Fashion-MNIST train split is ~190 MB of floats and a second would double that.
  let cached: { key: string; loaded: Promise<Loaded> } | undefined

  /** Which files Fashion-MNIST comes from and when they changed: an IDX import may replace them. */
  async function keyOf(source: DataSource, split: Split): Promise<string> {
    if (source.kind !== 'fashion-mnist') return JSON.stringify([source, split])
    const found = await locateFashionMnist({ dir: source.dir, appDataDir })
    const files = found.found ? Object.values(found.files) : []
    const stamps = await Promise.all(files.map(async (f) => `${f}@${(await stat(f).catch(() => null))?.mtimeMs}`))
    return JSON.stringify([source, split, stamps])
  }

  async function load(source: DataSource, split: Split): Promise<Loaded> {
    const key = await keyOf(source, split)
    if (cached?.key !== key) {
      const loaded = loadDataset(source, split, { appDataDir }).then((dataset) => ({ dataset, classCounts: countClasses(dataset) }))
      const entry = { key, loaded }
      cached = entry
      loaded.catch(() => {
        if (cached === entry) cached = undefined
      })
    }
    return cached.loaded
  }

  return {
    async 'data/samples'({ source, split, offset, count }) {
      let loaded: Loaded
      try {
        loaded = await load(source, split)
      } catch (err) {
        // The help (how to install Fashion-MNIST) is what the user needs most; keep it with the message.
        if (err instanceof DataError && err.help) throw new LabError('data', `${err.message}\n${err.help}`)
        throw err
      }
      const { dataset, classCounts } = loaded
      const total = dataset.labels.length
      if (offset > 0 && offset >= total) {
        throw new LabError('invalid-payload', `Offset ${offset} is past the end: ${dataset.name} has ${total} images.`)
      }
      const [c, h, w] = dataset.shape
      const size = c * h * w
      const end = Math.min(total, offset + count)
      const images: PixelImage[] = []
      for (let i = offset; i < end; i++) {
        // Channels first: the first channel is the grey image (folders and both sets are 1-channel).
        const pixels = Array.from(dataset.images.subarray(i * size, i * size + h * w), round3)
        images.push({ width: w, height: h, pixels })
      }
      return {
        name: dataset.name,
        total,
        shape: dataset.shape,
        classNames: dataset.classNames,
        classCounts,
        labels: Array.from(dataset.labels.subarray(offset, end)),
        images,
        ...(dataset.skipped?.length
          ? {
              skipped: {
                count: dataset.skipped.length,
                reasons: dataset.skipped.slice(0, SKIPPED_REASONS).map((s) => s.reason),
                files: dataset.skipped.slice(0, SKIPPED_REASONS).map((s) => basename(s.file))
              }
            }
          : {})
      }
    }
  }
}
