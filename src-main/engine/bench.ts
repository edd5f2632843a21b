/**
 * Training and inference throughput per model and backend, on synthetic data of the model's
 * input shape (the numbers depend on shapes, not pixel values). Used by `lab bench`.
 */
import * as tf from '@tensorflow/tfjs'
import type { BackendName } from '../shared/contract'
import { ModelSpec, type ModelSpecInput } from '../shared/layers'
import { getPreset } from '../shared/presets'
import { activeBackend, backendReport, initBackend, useBackend } from './backends'
import { buildModel } from './build-model'
import { headOf, lossOf } from './head'
import { mulberry32 } from './rng'

export interface BenchmarkOptions {
  /** Preset names or specs. */
  models: (string | ModelSpecInput)[]
  backends: BackendName[]
  batch?: number
  /** Time spent measuring each of training and inference, per model and backend. */
  seconds?: number
}

export interface BenchmarkRow {
  model: string
  backend: BackendName
  batch: number
  trainImagesPerSec?: number
  inferImagesPerSec?: number
  trainSteps?: number
  inferSteps?: number
  /** Why this combination could not be measured. */
  error?: string
}

function resolveSpec(m: string | ModelSpecInput): ModelSpec {
  if (typeof m !== 'string') return ModelSpec.parse(m)
  const preset = getPreset(m)
  if (!preset) throw new Error(`Unknown preset "${m}"`)
  return preset
}

/** Runs `step` until `seconds` have passed (after one warm-up call), at least twice. */
async function timeSteps(seconds: number, step: () => Promise<void>): Promise<{ steps: number; ms: number }> {
  await step()
  let steps = 0
  const start = performance.now()
  while (steps < 2 || performance.now() - start < seconds * 1000) {
    await step()
    steps++
  }
  return { steps, ms: performance.now() - start }
}

async function measure(spec: ModelSpec, batch: number, seconds: number): Promise<Omit<BenchmarkRow, 'model' | 'backend' | 'batch'>> {
  const head = headOf(spec)
  const random = mulberry32(1)
  const size = spec.inputShape.reduce((a, b) => a * b, 1)
  const images = Float32Array.from({ length: batch * size }, () => random())
  const labels = Int32Array.from({ length: batch }, () => Math.floor(random() * head.classes))
  const model = buildModel(spec, { seed: 1 })
  const optimizer = tf.train.sgd(1e-3)
  const x = tf.tensor(images, [batch, ...spec.inputShape])
  const y = tf.tensor1d(labels, 'int32')
  const varList = model.trainableWeights.map((w) => w.read() as tf.Variable)
  try {
    const train = await timeSteps(seconds, async () => {
      const loss = optimizer.minimize(() => lossOf(head, model.apply(x, { training: true }) as tf.Tensor, y), true, varList)
      await loss?.data()
      loss?.dispose()
    })
    const infer = await timeSteps(seconds, async () => {
      const out = model.predict(x) as tf.Tensor
      await out.data()
      out.dispose()
    })
    return {
      trainImagesPerSec: (train.steps * batch) / (train.ms / 1000),
      inferImagesPerSec: (infer.steps * batch) / (infer.ms / 1000),
      trainSteps: train.steps,
      inferSteps: infer.steps
    }
  } finally {
    tf.dispose([x, y])
    optimizer.dispose()
    model.dispose()
  }
}

export async function benchmark(options: BenchmarkOptions): Promise<BenchmarkRow[]> {
  const batch = options.batch ?? 32
  const seconds = options.seconds ?? 5
  if (!backendReport()) await initBackend()
  const restore = activeBackend()
  const rows: BenchmarkRow[] = []
  try {
    for (const backend of options.backends) {
      for (const m of options.models) {
        const spec = resolveSpec(m)
        const row: BenchmarkRow = { model: spec.name, backend, batch }
        try {
          await useBackend(backend)
          Object.assign(row, await measure(spec, batch, seconds))
        } catch (err) {
          row.error = err instanceof Error ? err.message : String(err)
        }
        rows.push(row)
      }
    }
  } finally {
    await useBackend(restore)
  }
  return rows
}
