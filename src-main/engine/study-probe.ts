/**
 * How fast the shift study runs a model on this machine, for the Study view's estimate: the study's
 * own code (robustness.ts) on the engine's inference pool, as a study of real runs uses it, over
 * synthetic images of the model's input shape (the time depends on shapes, not pixel values).
 * Each pass is one chunk of the study (500 images per thread) at one shift; a first pass, untimed,
 * starts the pool's helpers and sends them the model and the images, as a study's first chunk does.
 */
import type { Dataset } from '../shared/dataset'
import type { ModelSpec } from '../shared/layers'
import { mulberry32 } from '../shared/rng'
import { timeSteps } from './bench'
import { headOf } from './model/head'
import { buildModel } from './model/build-model'
import type { InferPool } from './parallel/infer-pool'
import { shiftRobustness } from './robustness'

/** Rows each thread predicts per pass, as robustness.ts's chunk. */
const CHUNK = 500

export interface StudyProbeOptions {
  seconds: number
  warmUpSeconds: number
}

export interface StudyRate {
  /** Images the study predicts per second; absent when the model cannot be studied (no image input). */
  imagesPerSec?: number
  /** Threads a study chunk of this model uses. */
  threads: number
}

export async function probeStudyRate(spec: ModelSpec, pool: InferPool, options: StudyProbeOptions): Promise<StudyRate> {
  const threads = pool.threadsFor(spec, CHUNK)
  const shape = spec.inputShape
  if (shape.length !== 3) return { threads }
  const n = CHUNK * threads
  const random = mulberry32(1)
  const classes = headOf(spec).classes
  const data: Dataset = {
    name: 'timing probe',
    shape: [shape[0], shape[1], shape[2]],
    images: Float32Array.from({ length: n * shape[0] * shape[1] * shape[2] }, () => random()),
    labels: Int32Array.from({ length: n }, (_, i) => i % classes),
    classNames: Array.from({ length: classes }, (_, i) => String(i))
  }
  const model = buildModel(spec, { seed: 1 })
  try {
    const loaded = { model, meta: { spec, classNames: data.classNames } }
    // max 0: the one offset (0, 0), still gathered through the shift, as every offset of a study is.
    const pass = async (): Promise<void> => {
      await shiftRobustness(loaded, data, { max: 0, mode: 'roll', grid: false }, {}, pool)
    }
    const timed = await timeSteps(options.seconds, options.warmUpSeconds * 1000, pass)
    return { imagesPerSec: (timed.steps * n) / (timed.ms / 1000), threads }
  } finally {
    model.dispose()
  }
}
