/**
 * Everything that runs a trained model forward: evaluate, predict, the shift heatmap.
 * Inputs are channels first, exactly as datasets hold them; the model transposes internally.
 * Given the engine's InferPool, the rows are split over its threads; without one, one thread.
 */
import * as tf from '@tensorflow/tfjs'
import type { EvalMetrics, PixelImage, PredictResult, ShiftResult } from '../shared/contract'
import type { Dataset } from '../shared/dataset'
import type { InputShape } from '../shared/layers'
import { headOf, lossOf, predictedOf, probabilitiesOf, type ClassifierHead } from './model/head'
import type { LoadedModel } from './model/model-io'
import { InferPool, sharedRows, type SharedRows } from './parallel/infer-pool'
import { shiftBatch, shiftRange, type ShiftAxis, type ShiftMode } from './shift'

const EVAL_BATCH = 256

export function sampleSize(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1)
}

/** Checks that a dataset's images fit the model's input (same [C,H,W], or its flattened length). */
export function checkDatasetFits(inputShape: InputShape, data: Dataset): void {
  const wanted = sampleSize(inputShape)
  const sameImage = inputShape.length === 3 && inputShape.every((v, i) => v === data.shape[i])
  const flat = inputShape.length === 1 && wanted === sampleSize(data.shape)
  if (!sameImage && !flat) {
    throw new Error(
      `The model expects inputs of shape [${inputShape.join(', ')}] but ${data.name} has images of ` +
        `[${data.shape.join(', ')}]`
    )
  }
}

export function checkLabelsFit(head: ClassifierHead, data: Dataset): void {
  let max = -1
  for (let i = 0; i < data.labels.length; i++) if (data.labels[i] > max) max = data.labels[i]
  if (max >= head.classes) {
    throw new Error(
      `${data.name} has labels up to ${max} (${max + 1} classes) but the model outputs ${head.classes} classes`
    )
  }
}

/** [count, ...inputShape] from channels-first values. */
export function inputTensor(values: Float32Array, count: number, inputShape: InputShape): tf.Tensor {
  return tf.tensor(values, [count, ...inputShape], 'float32')
}

/** A dataset's images in shared memory, copied once per loaded dataset (the engine caches those). */
const sharedImages = new WeakMap<Float32Array, SharedRows>()
export function datasetRows(data: Dataset): SharedRows {
  let rows = sharedImages.get(data.images)
  if (!rows) {
    rows = sharedRows(data.images, data.shape)
    sharedImages.set(data.images, rows)
  }
  return rows
}

/** Runs `use` on `pool`, or on a one-thread pool of its own when none is given. */
export async function withPool<T>(pool: InferPool | undefined, use: (pool: InferPool) => Promise<T>): Promise<T> {
  const own = pool ?? new InferPool(undefined)
  try {
    return await use(own)
  } finally {
    if (!pool) await own.dispose()
  }
}

/**
 * Loss, accuracy and confusion[actual][predicted] over `limit` (or all) samples, in batches so
 * a 10,000-image test set never sits in the backend at once.
 */
export async function evaluateModel(loaded: LoadedModel, data: Dataset, limit?: number, pool?: InferPool): Promise<EvalMetrics> {
  const { meta } = loaded
  const head = headOf(meta.spec)
  checkDatasetFits(meta.spec.inputShape, data)
  checkLabelsFit(head, data)
  const n = Math.min(limit ?? data.labels.length, data.labels.length)
  const confusion = Array.from({ length: head.classes }, () => new Array<number>(head.classes).fill(0))
  let lossSum = 0
  let correct = 0
  const rows = datasetRows(data)
  await withPool(pool, async (threads) => {
    // Each thread gets a batch's worth per call; loss and accuracy are still taken batch by batch, as on one thread.
    const chunk = EVAL_BATCH * threads.threadsFor(meta.spec, EVAL_BATCH)
    for (let from = 0; from < n; from += chunk) {
      const to = Math.min(n, from + chunk)
      const outputs = await threads.outputs(loaded, rows, from, to)
      const width = outputs.length / (to - from)
      for (let start = from; start < to; start += EVAL_BATCH) {
        const end = Math.min(to, start + EVAL_BATCH)
        const [lossT, predT] = tf.tidy((): [tf.Tensor, tf.Tensor] => {
          const out = tf.tensor(outputs.subarray((start - from) * width, (end - from) * width), [end - start, width])
          const y = tf.tensor1d(data.labels.subarray(start, end), 'int32')
          return [tf.mul(lossOf(head, out, y), end - start), predictedOf(head, out)]
        })
        const [lossValue, predicted] = await Promise.all([lossT.data(), predT.data()])
        tf.dispose([lossT, predT])
        lossSum += lossValue[0]
        for (let i = 0; i < end - start; i++) {
          const actual = data.labels[start + i]
          const p = predicted[i]
          confusion[actual][p]++
          if (p === actual) correct++
        }
      }
      await new Promise<void>((r) => setImmediate(r))
    }
  })
  return { count: n, loss: n ? lossSum / n : 0, accuracy: n ? correct / n : 0, confusion }
}

/** Class probabilities (softmax or sigmoid applied as the head needs) for a batch. */
export async function predictProbabilities(
  loaded: LoadedModel,
  values: Float32Array,
  count: number,
  pool?: InferPool
): Promise<{ probabilities: number[][]; predicted: number[] }> {
  const { meta } = loaded
  const head = headOf(meta.spec)
  const per = sampleSize(meta.spec.inputShape)
  if (values.length !== count * per) {
    throw new Error(`expected ${count} inputs of ${per} values (${meta.spec.inputShape.join('x')}), got ${values.length} values`)
  }
  const outputs = await withPool(pool, (threads) => threads.outputs(loaded, sharedRows(values, meta.spec.inputShape), 0, count))
  const probsT = tf.tidy(() => probabilitiesOf(head, tf.tensor(outputs, [count, outputs.length / Math.max(1, count)])))
  const flat = await probsT.data()
  probsT.dispose()
  const k = head.classes
  const probabilities: number[][] = []
  const predicted: number[] = []
  for (let i = 0; i < count; i++) {
    const row = Array.from(flat.subarray(i * k, (i + 1) * k))
    probabilities.push(row)
    predicted.push(row.indexOf(Math.max(...row)))
  }
  return { probabilities, predicted }
}

export async function predictImages(loaded: LoadedModel, images: Float32Array[], pool?: InferPool): Promise<PredictResult> {
  const per = sampleSize(loaded.meta.spec.inputShape)
  const values = new Float32Array(images.length * per)
  images.forEach((img, i) => {
    if (img.length !== per) throw new Error(`image ${i} has ${img.length} values, the model needs ${per}`)
    values.set(img, i * per)
  })
  const { probabilities, predicted } = await predictProbabilities(loaded, values, images.length, pool)
  return { classNames: loaded.meta.classNames, probabilities, predicted }
}

/** The channel mean of a [C, H, W] image as a grey picture for thumbnails. */
function toPixelImage(values: Float32Array, shape: readonly [number, number, number]): PixelImage {
  const [c, h, w] = shape
  const pixels = new Array<number>(h * w).fill(0)
  for (let ch = 0; ch < c; ch++) for (let i = 0; i < h * w; i++) pixels[i] += values[ch * h * w + i] / c
  return { width: w, height: h, pixels }
}

export interface ShiftOptions {
  from: number
  to: number
  axis: ShiftAxis
  mode: ShiftMode
  label?: number
}

/** One image shifted by every offset in from..to, all copies predicted in one batched call. */
export async function shiftHeatmap(
  loaded: LoadedModel,
  image: Float32Array,
  imageShape: readonly [number, number, number],
  options: ShiftOptions,
  pool?: InferPool
): Promise<ShiftResult> {
  const shifts = shiftRange(options.from, options.to)
  const batch = shiftBatch(image, imageShape, shifts, options.axis, options.mode)
  const { probabilities, predicted } = await predictProbabilities(loaded, batch, shifts.length, pool)
  const per = image.length
  return {
    shifts,
    classNames: loaded.meta.classNames,
    probabilities,
    predicted,
    images: shifts.map((_, i) => toPixelImage(batch.subarray(i * per, (i + 1) * per), imageShape)),
    ...(options.label === undefined ? {} : { label: options.label })
  }
}
