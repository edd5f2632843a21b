/**
 * Robustness over a dataset: every image predicted at every offset, one batched pass per
 * offset (in chunks, so seed-cnn's feature maps for 10,000 images never sit in memory at once).
 * The dataset sits once in shared memory; each chunk's rows are split over the pool's threads,
 * and each thread shifts and uploads only its own rows (see infer-pool.ts).
 */
import * as tf from '@tensorflow/tfjs'
import type { Dataset } from '../shared/dataset'
import { robustnessCurves, shiftOffsets, type RobustnessCurves } from '../shared/robustness'
import { headOf, predictedOf } from './model/head'
import { checkDatasetFits, checkLabelsFit, datasetRows, withPool } from './inference'
import type { LoadedModel } from './model/model-io'
import type { InferPool } from './parallel/infer-pool'
import type { ShiftMode } from './shift'

/** Rows each thread predicts between two looks at cancel. */
const CHUNK = 500

export interface RobustnessOptions {
  max: number
  mode: ShiftMode
  grid: boolean
  /** The first N images; all when absent. */
  limit?: number
}

export interface RobustnessHooks {
  /** After each offset: offsets done of the total. */
  onProgress?(done: number, total: number): void
  /** Polled between chunks; true stops the study. */
  cancelled?(): boolean
}

export type RobustnessResult =
  | ({ status: 'completed'; count: number; max: number; mode: ShiftMode; classNames: string[] } & RobustnessCurves)
  | { status: 'cancelled'; count: number; max: number; mode: ShiftMode; classNames: string[] }

const nextTick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

export async function shiftRobustness(
  loaded: LoadedModel,
  data: Dataset,
  options: RobustnessOptions,
  hooks: RobustnessHooks = {},
  pool?: InferPool
): Promise<RobustnessResult> {
  const { spec, classNames } = loaded.meta
  if (spec.inputShape.length !== 3) throw new Error('Shifting needs a model with an image input [C, H, W]')
  const shape = spec.inputShape
  const head = headOf(spec)
  checkDatasetFits(shape, data)
  checkLabelsFit(head, data)
  const n = Math.min(options.limit ?? data.labels.length, data.labels.length)
  if (n < 1) throw new Error(`${data.name} has no images`)
  const labels = data.labels.subarray(0, n)
  const offsets = shiftOffsets(options.max, options.grid)
  const base = { count: n, max: options.max, mode: options.mode, classNames }
  const rows = datasetRows(data)
  return withPool(pool, async (threads) => {
    const chunk = CHUNK * threads.threadsFor(spec, CHUNK)
    const predictions: Int32Array[] = []
    for (const [k, { dx, dy }] of offsets.entries()) {
      const predicted = new Int32Array(n)
      for (let start = 0; start < n; start += chunk) {
        if (hooks.cancelled?.()) return { status: 'cancelled', ...base }
        const end = Math.min(n, start + chunk)
        const outputs = await threads.outputs(loaded, rows, start, end, { dx, dy, mode: options.mode })
        const classes = tf.tidy(() => predictedOf(head, tf.tensor(outputs, [end - start, outputs.length / (end - start)])))
        predicted.set(await classes.data(), start)
        classes.dispose()
        // Lets a cancel message through.
        await nextTick()
      }
      predictions.push(predicted)
      hooks.onProgress?.(k + 1, offsets.length)
    }
    return { status: 'completed', ...base, ...robustnessCurves(offsets, predictions, labels, options.max, options.grid) }
  })
}
