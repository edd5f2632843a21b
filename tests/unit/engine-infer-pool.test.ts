/**
 * Inference split by rows over helper threads: evaluate, predict, the shift heatmap and the shift
 * study give what one thread gives, at every thread count.
 */
import * as tf from '@tensorflow/tfjs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { initBackend } from '../../src-main/engine/backends'
import { Engine } from '../../src-main/engine/engine'
import { evaluateModel, predictProbabilities, shiftHeatmap } from '../../src-main/engine/inference'
import { buildModel } from '../../src-main/engine/model/build-model'
import { saveModel, type LoadedModel } from '../../src-main/engine/model/model-io'
import type { EngineEvent, EngineResult } from '../../src-main/engine/process/protocol'
import { chunkRows, InferPool } from '../../src-main/engine/parallel/infer-pool'
import { shiftRobustness } from '../../src-main/engine/robustness'
import { ModelSpec } from '../../src-main/shared/layers'
import { getPreset } from '../../src-main/shared/presets'
import { mulberry32 } from '../../src-main/shared/rng'
import { noiseDataset } from '../fixtures/engine/noise'

const ENTRY = resolve(__dirname, '../../src-main/engine/process/worker.ts')

function loadedOf(spec: ModelSpec, seed: number): LoadedModel {
  return { model: buildModel(spec, { seed }), meta: { spec, classNames: Array.from({ length: 10 }, (_, i) => String(i)) } }
}

/** A pool of `threads` for `use`; it and `models` are disposed after, whatever happens. */
async function withPool(threads: number, models: LoadedModel[], use: (pool: InferPool) => Promise<void>): Promise<void> {
  const pool = new InferPool(ENTRY, threads)
  try {
    await use(pool)
  } finally {
    await pool.dispose()
    for (const m of models) m.model.dispose()
  }
}

function expectClose(a: number[][], b: number[][], tolerance: number): void {
  expect(b.length).toBe(a.length)
  let worst = 0
  a.forEach((row, i) => row.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - b[i][j])))))
  expect(worst).toBeLessThan(tolerance)
}

beforeAll(async () => {
  await initBackend({ force: 'wasm' })
})

describe('the inference pool', () => {
  // A batch-normed CNN too: inference must use the running statistics on every thread.
  const cnn = getPreset('seed-cnn') as ModelSpec
  const withBatchNorm = ModelSpec.parse({ ...cnn, name: 'bn', layers: [cnn.layers[0], { type: 'batchnorm' }, ...cnn.layers.slice(1)] })
  const data = noiseDataset([1, 28, 28], 300, { classes: 10, seed: 3 })

  it('uses as many threads as the rows pay for, up to its limit', () => {
    const pool = new InferPool(ENTRY, 3)
    const mlp = getPreset('seed-mlp') as ModelSpec
    // 4M multiply-adds a thread: seed-cnn has 10M an image, seed-mlp 0.8M.
    expect([1, 2, 3, 500].map((rows) => pool.threadsFor(cnn, rows))).toEqual([1, 2, 3, 3])
    expect([5, 6, 11, 16].map((rows) => pool.threadsFor(mlp, rows))).toEqual([1, 1, 2, 3])
    expect(new InferPool(undefined, 3).threadsFor(cnn, 500)).toBe(1)
  })

  it('runs a thread\'s rows in chunks whose layer outputs stay within 8M values, at most 500 rows', () => {
    // seed-cnn's layers give about 92,000 values an image, seed-mlp's about 2,800.
    expect(chunkRows(cnn)).toBe(87)
    expect(chunkRows(getPreset('seed-mlp') as ModelSpec)).toBe(500)
  })

  it.each([
    [2, 'seed-cnn', cnn],
    [3, 'seed-cnn', cnn],
    [2, 'a batch-normed CNN', withBatchNorm]
  ])('gives one thread\'s results on %i threads: %s', async (threads, _, spec) => {
    const loaded = loadedOf(spec, 5)
    await withPool(threads, [loaded], async (pool) => {
      expect(pool.threadsFor(spec, 256)).toBe(threads)
      const [one, many] = [await evaluateModel(loaded, data), await evaluateModel(loaded, data, undefined, pool)]
      expect(many.count).toBe(300)
      expect(many.confusion).toEqual(one.confusion)
      expect(many.accuracy).toBe(one.accuracy)
      expect(Math.abs(many.loss - one.loss)).toBeLessThan(1e-6)

      const values = data.images.subarray(0, 37 * 784)
      const [p1, pN] = [await predictProbabilities(loaded, values, 37), await predictProbabilities(loaded, values, 37, pool)]
      expect(pN.predicted).toEqual(p1.predicted)
      expectClose(p1.probabilities, pN.probabilities, 1e-6)

      const image = data.images.slice(784, 2 * 784)
      const options = { from: -5, to: 5, axis: 'y', mode: 'zero', label: 1 } as const
      const [h1, hN] = [await shiftHeatmap(loaded, image, [1, 28, 28], options), await shiftHeatmap(loaded, image, [1, 28, 28], options, pool)]
      expect(hN.predicted).toEqual(h1.predicted)
      expectClose(h1.probabilities, hN.probabilities, 1e-6)

      const study = { max: 1, mode: 'roll', grid: false, limit: 260 } as const
      const [r1, rN] = [await shiftRobustness(loaded, data, study), await shiftRobustness(loaded, data, study, {}, pool)]
      expect(rN).toEqual(r1)
    })
  }, 240_000)

  it('holds no rows in any thread between calls, however many rows and threads', async () => {
    const loaded = loadedOf(cnn, 4)
    const weightBytes = loaded.model.getWeights().reduce((n, w) => n + w.size * 4, 0)
    await withPool(3, [loaded], async (pool) => {
      const before = tf.memory().numBytes
      await evaluateModel(loaded, data, undefined, pool)
      // Each helper's backend keeps its copy of the model and nothing of the 300 images it ran.
      expect(pool.helperBytes()).toEqual([weightBytes, weightBytes])
      const study = { max: 1, mode: 'zero', grid: false } as const
      await shiftRobustness(loaded, data, study, {}, pool)
      expect(pool.helperBytes()).toEqual([weightBytes, weightBytes])
      expect(tf.memory().numBytes).toBe(before)
      expect(pool.pendingCalls()).toBe(0)
    })
  }, 120_000)

  it('sends a model to its helpers once, and another model when asked about one', async () => {
    const a = loadedOf(cnn, 1)
    const b = loadedOf(cnn, 2)
    await withPool(2, [a, b], async (pool) => {
      const before = tf.memory().numTensors
      const values = data.images.subarray(0, 20 * 784)
      const first = await predictProbabilities(a, values, 20, pool)
      const other = await predictProbabilities(b, values, 20, pool)
      const again = await predictProbabilities(a, values, 20, pool)
      expect(again).toEqual(first)
      expect(other.probabilities).not.toEqual(first.probabilities)
      // No rows stay uploaded on the engine thread between calls.
      expect(tf.memory().numTensors).toBe(before)
    })
  }, 120_000)

  it('stops a shift study at the first look at cancel after it was asked, with no helper left working', async () => {
    const loaded = loadedOf(cnn, 6)
    const pool = new InferPool(ENTRY, 2)
    const order: string[] = []
    const outputs = pool.outputs.bind(pool)
    vi.spyOn(pool, 'outputs').mockImplementation(async (...args) => {
      order.push('call')
      const out = await outputs(...args)
      order.push(`answered, ${pool.pendingCalls()} pending`)
      return out
    })
    try {
      let looks = 0
      const study = { max: 2, mode: 'roll', grid: true, limit: 40 } as const
      const r = await shiftRobustness(loaded, data, study, { cancelled: () => (order.push('look'), ++looks > 2) }, pool)
      expect(r.status).toBe('cancelled')
      // Two of the 25 offsets ran, one call each over both threads; the third look saw the cancel and sent nothing more.
      expect(order).toEqual(['look', 'call', 'answered, 0 pending', 'look', 'call', 'answered, 0 pending', 'look'])
      expect(pool.pendingCalls()).toBe(0)
      vi.restoreAllMocks()
      // The pool still answers as one thread does.
      const values = data.images.subarray(0, 8 * 784)
      expect((await predictProbabilities(loaded, values, 8, pool)).predicted).toEqual((await predictProbabilities(loaded, values, 8)).predicted)
    } finally {
      vi.restoreAllMocks()
      await pool.dispose()
      loaded.model.dispose()
    }
  }, 120_000)
})

describe("the engine's shift study on the pool", () => {
  let engine: Engine
  let root: string
  const events: EngineEvent[] = []
  const threadsSetting = process.env.CONVLAB_TRAIN_THREADS

  beforeAll(async () => {
    process.env.CONVLAB_TRAIN_THREADS = '2'
    engine = new Engine({ emit: (e) => events.push(e), backend: 'wasm', peerEntry: ENTRY })
    await engine.handle('engine/init', { backend: 'wasm' })
    root = await mkdtemp(join(tmpdir(), 'convlab-pool-cancel-'))
  })
  afterAll(async () => {
    engine.dispose()
    if (threadsSetting === undefined) delete process.env.CONVLAB_TRAIN_THREADS
    else process.env.CONVLAB_TRAIN_THREADS = threadsSetting
    await rm(root, { recursive: true, force: true })
  })

  it('answers a cancel while the helpers work, and stops within one more offset', async () => {
    const loaded = loadedOf(getPreset('seed-cnn') as ModelSpec, 7)
    const dir = join(root, 'cnn')
    await saveModel(loaded.model, dir, loaded.meta)
    loaded.model.dispose()
    // 64 images of 28x28: seed-cnn's math splits them over both threads.
    const random = mulberry32(9)
    const images = Array.from({ length: 64 }, () => Array.from({ length: 28 }, () => Array.from({ length: 28 }, () => random())))
    const toy = { kind: 'toy' as const, images, labels: images.map((_, i) => i % 10), divisor: 1 }
    const order: string[] = []
    let ended = false
    const running = engine
      .handle('model/robustness', { model: { dir }, data: toy, split: 'train', max: 3, grid: true, jobId: 'pooled' })
      .then((r) => {
        order.push(`returned ${(r as EngineResult<'model/robustness'>).status}`)
      })
      .finally(() => (ended = true))
    const progressed = (): number => events.filter((e) => e.event === 'robustness/progress' && e.payload.jobId === 'pooled').length
    while (progressed() < 1 && !ended) await new Promise((r) => setImmediate(r))
    const cancel = await engine.handle('robustness/cancel', { jobId: 'pooled' })
    order.push('cancel answered')
    const atCancel = progressed()
    await running
    expect(cancel).toEqual({ cancelled: true })
    expect(order).toEqual(['cancel answered', 'returned cancelled'])
    // The offset under way when the cancel came finishes; no other starts. 49 offsets in the grid.
    expect(progressed() - atCancel).toBeLessThanOrEqual(1)
    expect(progressed()).toBeLessThan(49)
  }, 120_000)

  it('ends its inference threads when the engine is disposed', () => {
    const poolDispose = vi.spyOn(InferPool.prototype, 'dispose')
    try {
      engine.dispose()
      expect(poolDispose).toHaveBeenCalledTimes(1)
    } finally {
      poolDispose.mockRestore()
    }
  })
})
