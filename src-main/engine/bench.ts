/**
 * Training and inference throughput per model and backend, on synthetic data of the model's
 * input shape (the numbers depend on shapes, not pixel values). Used by `lab bench`.
 * Training goes through the trainer's own step (a gather from an uploaded dataset, the
 * preset's optimizer, loss and accuracy read back), and inference through the app's own pool
 * (evaluate, predict and the shift study split their rows over it), so the figures are what the
 * app gets at each thread count.
 */
import * as tf from '@tensorflow/tfjs'
import { availableParallelism } from 'node:os'
import type { BackendName } from '../shared/contract'
import { ModelSpec, type ModelSpecInput } from '../shared/layers'
import { getPreset } from '../shared/presets'
import { activeBackend, backendReport, initBackend, useBackend } from './backends'
import { buildModel } from './model/build-model'
import { headOf } from './model/head'
import { startParallelTraining, type ParallelTraining } from './parallel/parallel'
import { InferPool, sharedRows } from './parallel/infer-pool'
import { mulberry32, range, shuffleInPlace } from '../shared/rng'
import { kernelBuild, makeOptimizer, useKernelBuild, type KernelBuild } from './kernels'
import { trainStep } from './train/train-step'
import { inferShapes } from '../shared/shapes'

export interface BenchmarkOptions {
  /** Preset names or specs. */
  models: (string | ModelSpecInput)[]
  backends: BackendName[]
  /** Training batch (the tutorial's 32). */
  batch?: number
  /** Inference batch. */
  inferBatch?: number
  /** Time spent measuring each of training and inference, per model and backend. */
  seconds?: number
  /** Also train CNNs on the pure-JS cpu backend (about a minute per step). */
  slowCpu?: boolean
  /** Entry of the helper threads that train and predict on the other cores (see parallel.ts, infer-pool.ts). */
  peerEntry?: string
  /** Threads training and inference may use (default: as a training run, see parallel.ts). */
  threads?: number
  /** The build of ConvLab's wasm kernels to measure (default: the one the engine loads). */
  kernels?: KernelBuild
  /** Warm-up before timing (default a second, as PyTorch's reference); the Study view's quick probe takes less. */
  warmUpSeconds?: number
  /** Synthetic training images (default Fashion-MNIST's 60,000); fewer make a quick probe start sooner. */
  datasetImages?: number
}

export interface BenchmarkRow {
  model: string
  backend: BackendName
  batch: number
  inferBatch: number
  optimizer: string
  /** Threads training used (more than 1: with helper threads, see parallel.ts). */
  trainThreads?: number
  /** How the threads split the work: by batch rows or by hidden units. */
  trainSplit?: 'batch' | 'units'
  /** Threads inference used (the app's pool splits a batch's rows over them). */
  inferThreads?: number
  trainImagesPerSec?: number
  inferImagesPerSec?: number
  trainSteps?: number
  inferSteps?: number
  /** Multiply-adds of one image's forward pass (inferShapes). */
  forwardMacs: number
  /** Achieved GFLOP/s: 2 flops per multiply-add, training as three forward passes' worth. */
  trainGflops?: number
  inferGflops?: number
  /** The build of ConvLab's wasm kernels measured (wasm rows only). */
  kernels?: KernelBuild
  /** Why training was not measured though the backend works. */
  trainSkipped?: string
  /** Why this combination could not be measured. */
  error?: string
}

export interface BenchmarkReport {
  cores: number
  rows: BenchmarkRow[]
}

/**
 * Synthetic training set as large as Fashion-MNIST's training split: a cost that grows with the
 * dataset (tfjs once copied the whole dataset tensor every step on wasm) shows here as in a real run.
 */
const DATASET_IMAGES = 60000

function resolveSpec(m: string | ModelSpecInput): ModelSpec {
  if (typeof m !== 'string') return ModelSpec.parse(m)
  const preset = getPreset(m)
  if (!preset) throw new Error(`Unknown preset "${m}"`)
  return preset
}

/** As scripts/torch_reference.py: caches, allocators and V8's optimising compiler settle first. */
const WARM_UP_MS = 1000

/** Runs `step` until `seconds` have passed (after `warmUpMs` of warm-up calls, at least one), at least twice. */
export async function timeSteps(seconds: number, warmUpMs: number, step: () => Promise<void>): Promise<{ steps: number; ms: number }> {
  const warm = performance.now()
  do await step()
  while (performance.now() - warm < warmUpMs)
  let steps = 0
  const start = performance.now()
  while (steps < 2 || performance.now() - start < seconds * 1000) {
    await step()
    steps++
  }
  return { steps, ms: performance.now() - start }
}

const hasConv = (spec: ModelSpec): boolean => spec.layers.some((l) => l.type === 'conv2d')

async function measure(
  spec: ModelSpec,
  backend: BackendName,
  o: Required<Omit<BenchmarkOptions, 'models' | 'backends' | 'peerEntry' | 'threads' | 'kernels' | 'warmUpSeconds' | 'datasetImages'>> &
    Pick<BenchmarkOptions, 'peerEntry' | 'threads'> & { warmUpMs: number; datasetImages: number }
): Promise<Partial<BenchmarkRow>> {
  const head = headOf(spec)
  const random = mulberry32(1)
  const size = spec.inputShape.reduce((a, b) => a * b, 1)
  const n = Math.max(o.datasetImages, o.batch, o.inferBatch)
  const images = Float32Array.from({ length: n * size }, () => random())
  const labels = Int32Array.from({ length: n }, () => Math.floor(random() * head.classes))
  const model = buildModel(spec, { seed: 1 })
  const recipe = { optimizer: spec.training?.optimizer ?? 'adam', learningRate: spec.training?.learningRate ?? 1e-3 }
  const optimizer = makeOptimizer(recipe)
  const xAll = tf.tensor(images, [n, ...spec.inputShape])
  const yAll = tf.tensor1d(labels, 'int32')
  const varList = model.trainableWeights.map((w) => w.read() as tf.Variable)
  const out: Partial<BenchmarkRow> = {}
  let parallel: ParallelTraining | null = null
  // Helpers run wasm: on another backend inference stays on the engine thread, as training does.
  const pool = new InferPool(backend === 'wasm' ? o.peerEntry : undefined, o.threads)
  try {
    if (backend === 'cpu' && hasConv(spec) && !o.slowCpu) {
      out.trainSkipped = 'the cpu backend trains a CNN at about a minute per step: pass --slow-cpu to measure it'
    } else {
      const host = { images, labels }
      parallel = await startParallelTraining(o.peerEntry, { spec, recipe, model, optimizer, vars: varList, head, xAll, yAll, host, batchSize: o.batch, seed: 1 }, o.threads)
      let order = shuffleInPlace(range(n), random)
      let at = 0
      const train = await timeSteps(o.seconds, o.warmUpMs, async () => {
        if (at + o.batch > n) {
          order = shuffleInPlace(order, random)
          at = 0
        }
        const ids = order.subarray(at, at + o.batch)
        await (parallel ? parallel.trainStep(ids) : trainStep(model, optimizer, varList, head, xAll, yAll, ids))
        at += o.batch
      })
      out.trainImagesPerSec = (train.steps * o.batch) / (train.ms / 1000)
      out.trainSteps = train.steps
      out.trainThreads = parallel ? parallel.threads : 1
      if (parallel) out.trainSplit = parallel.split
      await parallel?.syncModel()
      // Its threads sit idle from here; inference starts its own.
      await parallel?.dispose()
      parallel = null
    }
    const loaded = { model, meta: { spec, classNames: Array.from({ length: head.classes }, (_, i) => String(i)) } }
    const rows = sharedRows(images.subarray(0, o.inferBatch * size), spec.inputShape)
    const infer = await timeSteps(o.seconds, o.warmUpMs, async () => {
      await pool.outputs(loaded, rows, 0, o.inferBatch)
    })
    out.inferImagesPerSec = (infer.steps * o.inferBatch) / (infer.ms / 1000)
    out.inferSteps = infer.steps
    out.inferThreads = pool.threadsFor(spec, o.inferBatch)
    return out
  } finally {
    await parallel?.dispose()
    await pool.dispose()
    tf.dispose([xAll, yAll])
    optimizer.dispose()
    model.dispose()
  }
}

/** Training's flops per image: the forward pass, then the input and weight gradients, each about as much. */
export const TRAIN_FLOPS_PER_FORWARD_MAC = 3 * 2
export const INFER_FLOPS_PER_FORWARD_MAC = 2

/** Achieved GFLOP/s of a measured rate. */
export function gflops(imagesPerSec: number | undefined, forwardMacs: number, flopsPerMac: number): number | undefined {
  return imagesPerSec === undefined ? undefined : (imagesPerSec * forwardMacs * flopsPerMac) / 1e9
}

/**
 * Runs `body` with the kernels' build set to `build`, here and in the helper threads it starts
 * (which read CONVLAB_RELAXED_SIMD when they load the kernels), then puts both back.
 */
async function withKernelBuild<T>(build: KernelBuild | undefined, body: () => Promise<T>): Promise<T> {
  if (!build) return body()
  const before = kernelBuild()
  const setting = process.env.CONVLAB_RELAXED_SIMD
  useKernelBuild(build)
  process.env.CONVLAB_RELAXED_SIMD = build === 'relaxed-simd' ? '1' : '0'
  try {
    return await body()
  } finally {
    useKernelBuild(before)
    if (setting === undefined) delete process.env.CONVLAB_RELAXED_SIMD
    else process.env.CONVLAB_RELAXED_SIMD = setting
  }
}

export async function benchmark(options: BenchmarkOptions): Promise<BenchmarkReport> {
  const o = {
    batch: options.batch ?? 32,
    inferBatch: options.inferBatch ?? 256,
    seconds: options.seconds ?? 5,
    slowCpu: options.slowCpu ?? false,
    warmUpMs: options.warmUpSeconds !== undefined ? options.warmUpSeconds * 1000 : WARM_UP_MS,
    datasetImages: options.datasetImages ?? DATASET_IMAGES,
    peerEntry: options.peerEntry,
    threads: options.threads
  }
  if (!backendReport()) await initBackend()
  return withKernelBuild(options.kernels, () => measureAll(options, o))
}

async function measureAll(options: BenchmarkOptions, o: Parameters<typeof measure>[2]): Promise<BenchmarkReport> {
  const restore = activeBackend()
  const rows: BenchmarkRow[] = []
  try {
    for (const backend of options.backends) {
      for (const m of options.models) {
        const spec = resolveSpec(m)
        const row: BenchmarkRow = {
          model: spec.name,
          backend,
          batch: o.batch,
          inferBatch: o.inferBatch,
          optimizer: spec.training?.optimizer ?? 'adam',
          forwardMacs: inferShapes(spec).totals.macs
        }
        try {
          await useBackend(backend)
          Object.assign(row, await measure(spec, backend, o))
          row.trainGflops = gflops(row.trainImagesPerSec, row.forwardMacs, TRAIN_FLOPS_PER_FORWARD_MAC)
          row.inferGflops = gflops(row.inferImagesPerSec, row.forwardMacs, INFER_FLOPS_PER_FORWARD_MAC)
          if (backend === 'wasm') row.kernels = kernelBuild()
        } catch (err) {
          row.error = err instanceof Error ? err.message : String(err)
        }
        rows.push(row)
      }
    }
  } finally {
    await useBackend(restore)
  }
  return { cores: availableParallelism(), rows }
}
