import * as tf from '@tensorflow/tfjs'
import { resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { initBackend, useBackend } from '../../src-main/engine/backends'
import { buildModel } from '../../src-main/engine/build-model'
import { headOf } from '../../src-main/engine/head'
import { DataParallel, worthSplitting } from '../../src-main/engine/parallel'
import { mulberry32 } from '../../src-main/shared/rng'
import { makeOptimizer } from '../../src-main/engine/optimizer'
import { trainStep } from '../../src-main/engine/train'
import { batchShiftIndex, drawShifts, type ShiftMode } from '../../src-main/engine/shift'
import { ModelSpec } from '../../src-main/shared/layers'
import { getPreset } from '../../src-main/shared/presets'

type Shape4 = [number, number, number, number]
type PoolPad = 'valid' | 'same' | number

/** d(loss)/d(x) through a max pool on `backend`; integer inputs make ties, whose winner must match. */
async function poolGrad(backend: 'wasm' | 'cpu', xs: Shape4, pool: number, stride: number, pad: PoolPad, ties: boolean): Promise<Float32Array> {
  await useBackend(backend)
  const g = tf.tidy(() => {
    const raw = tf.randomNormal(xs, 0, 2, 'float32', 11)
    const x = (ties ? tf.round(raw) : raw) as tf.Tensor4D
    const w = tf.randomNormal(tf.maxPool(x, pool, stride, pad).shape, 0, 1, 'float32', 12)
    return tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(xx as tf.Tensor4D, pool, stride, pad), w)))(x)
  })
  const values = (await g.data()) as Float32Array
  g.dispose()
  return values
}

beforeAll(async () => {
  await initBackend({ force: 'wasm' })
})

describe('MaxPoolGrad on wasm', () => {
  const cases: [string, Shape4, number, number, PoolPad, boolean][] = [
    ['2x2 stride 2, as in seed-cnn', [2, 8, 8, 5], 2, 2, 'valid', false],
    ['2x2 stride 2 with ties', [2, 8, 8, 5], 2, 2, 'valid', true],
    ['odd size, floor', [1, 7, 9, 3], 2, 2, 'valid', true],
    ['3x3 stride 1 same (overlapping windows)', [2, 6, 6, 4], 3, 1, 'same', true],
    ['3x3 stride 2 same', [1, 7, 7, 2], 3, 2, 'same', false],
    ['explicit padding', [1, 6, 6, 2], 3, 2, 1, true]
  ]

  it.each(cases)('matches the cpu backend: %s', async (_, xs, pool, stride, pad, ties) => {
    const cpu = await poolGrad('cpu', xs, pool, stride, pad, ties)
    const wasm = await poolGrad('wasm', xs, pool, stride, pad, ties)
    expect(wasm.length).toBe(cpu.length)
    for (let i = 0; i < cpu.length; i++) expect(wasm[i]).toBeCloseTo(cpu[i], 5)
  })

  it('matches finite differences of the loss', async () => {
    await useBackend('wasm')
    const shape: Shape4 = [1, 6, 6, 2]
    const base = await tf.randomNormal(shape, 0, 1, 'float32', 13).data()
    const loss = (xv: Float32Array): number => tf.tidy(() => tf.sum(tf.square(tf.maxPool(tf.tensor4d(xv, shape), 2, 2, 'valid'))).dataSync()[0])
    const g = tf.grad((x: tf.Tensor) => tf.sum(tf.square(tf.maxPool(x as tf.Tensor4D, 2, 2, 'valid'))))(tf.tensor4d(base, shape))
    const analytic = await g.data()
    g.dispose()
    const h = 1e-3
    for (let i = 0; i < base.length; i += 5) {
      const plus = Float32Array.from(base)
      const minus = Float32Array.from(base)
      plus[i] += h
      minus[i] -= h
      expect(analytic[i]).toBeCloseTo((loss(plus) - loss(minus)) / (2 * h), 2)
    }
  })

  it('leaves no tensors behind', async () => {
    await poolGrad('wasm', [1, 4, 4, 1], 2, 2, 'valid', false)
    const before = tf.memory().numTensors
    await poolGrad('wasm', [2, 8, 8, 3], 3, 2, 'same', true)
    expect(tf.memory().numTensors).toBe(before)
  })
})

/** n random images for `spec` and labels for its classes, as host arrays and as tensors. */
function randomDataset(spec: ModelSpec, n: number, random: () => number) {
  const size = spec.inputShape.reduce((a, b) => a * b, 1)
  const images = Float32Array.from({ length: n * size }, () => random())
  const labels = Int32Array.from({ length: n }, () => Math.floor(random() * headOf(spec).classes))
  return { images, labels, xAll: tf.tensor(images, [n, ...spec.inputShape]), yAll: tf.tensor1d(labels, 'int32') }
}

describe('data-parallel training on two threads', () => {
  const threads = process.env.CONVLAB_TRAIN_THREADS
  beforeAll(() => {
    process.env.CONVLAB_TRAIN_THREADS = '2'
  })
  afterAll(() => {
    if (threads === undefined) delete process.env.CONVLAB_TRAIN_THREADS
    else process.env.CONVLAB_TRAIN_THREADS = threads
  })

  it('splits only models with enough math per parameter and no batch norm', async () => {
    const cnn = getPreset('seed-cnn') as ModelSpec
    expect(worthSplitting(cnn, 32)).toBe(true)
    expect(worthSplitting(getPreset('seed-mlp') as ModelSpec, 32)).toBe(false)
    const withBatchNorm = ModelSpec.parse({ ...cnn, layers: [cnn.layers[0], { type: 'batchnorm' }, ...cnn.layers.slice(1)] })
    await useBackend('wasm')
    const model = buildModel(withBatchNorm, { seed: 1 })
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable)
    const entry = resolve(__dirname, '../../src-main/engine/worker.ts')
    expect(await DataParallel.start({ entry, spec: withBatchNorm, optimizer: { optimizer: 'sgd', learningRate: 0.1 }, vars, batchSize: 32 })).toBeNull()
    model.dispose()
  })

  it('keeps in step over many short steps, where the engine thread often finishes a whole step before the helper wakes', async () => {
    await useBackend('wasm')
    // Little math per step, but enough per parameter to be split: the helper's wake-ups are as long as its work.
    const spec = ModelSpec.parse({
      name: 'tiny-conv',
      inputShape: [1, 8, 8],
      layers: [{ type: 'conv2d', filters: 4, kernel: 3 }, { type: 'maxpool2d', pool: 2 }, { type: 'relu' }, { type: 'flatten' }, { type: 'dense', units: 2 }]
    })
    expect(worthSplitting(spec, 32)).toBe(true)
    const head = headOf(spec)
    const n = 64
    const { images, labels, xAll, yAll } = randomDataset(spec, n, mulberry32(5))
    const recipe = { optimizer: 'sgd' as const, learningRate: 0.01 }
    const model = buildModel(spec, { seed: 1 })
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable)
    const optimizer = makeOptimizer(recipe)
    const dp = await DataParallel.start({ entry: resolve(__dirname, '../../src-main/engine/worker.ts'), spec, optimizer: recipe, vars, batchSize: 32 })
    expect(dp).not.toBeNull()
    try {
      for (let step = 0; step < 3000; step++) {
        const ids = Int32Array.from({ length: 32 }, (_, i) => (step + i * 3) % n)
        const { loss } = await dp!.trainStep(model, optimizer, vars, head, xAll, yAll, { images, labels }, ids)
        expect(Number.isFinite(loss)).toBe(true)
      }
    } finally {
      await dp?.dispose()
      tf.dispose([xAll, yAll])
      optimizer.dispose()
      model.dispose()
    }
  }, 60_000)

  it('trains seed-cnn to the same weights as one thread, with an odd batch split unevenly', async () => {
    await useBackend('wasm')
    const spec = getPreset('seed-cnn') as ModelSpec
    const head = headOf(spec)
    const random = mulberry32(3)
    const n = 64
    const { images, labels, xAll, yAll } = randomDataset(spec, n, random)
    const recipe = { optimizer: 'sgd' as const, learningRate: 0.05 }
    const single = buildModel(spec, { seed: 7 })
    const split = buildModel(spec, { seed: 7 })
    const singleVars = single.trainableWeights.map((w) => w.read() as tf.Variable)
    const splitVars = split.trainableWeights.map((w) => w.read() as tf.Variable)
    const singleOpt = makeOptimizer(recipe)
    const splitOpt = makeOptimizer(recipe)
    const entry = resolve(__dirname, '../../src-main/engine/worker.ts')
    const dp = await DataParallel.start({ entry, spec, optimizer: recipe, vars: splitVars, batchSize: 31 })
    expect(dp).not.toBeNull()
    const before = tf.memory().numTensors
    try {
      // Augmented steps too: both halves must see the shifts drawn for the whole batch.
      const steps: [number, ShiftMode | null][] = [[0, null], [31, 'roll'], [5, 'zero']]
      for (const [start, mode] of steps) {
        const ids = Int32Array.from({ length: 31 }, (_, i) => (start + i * 7) % n)
        const shifts = mode && { ...drawShifts(31, 3, 'xy', random), mode, shape: [1, 28, 28] as [number, number, number] }
        const a = await trainStep(single, singleOpt, singleVars, head, xAll, yAll, ids, shifts ? batchShiftIndex(ids, shifts.shape, shifts.dx, shifts.dy, shifts.mode) : undefined)
        const b = await dp!.trainStep(split, splitOpt, splitVars, head, xAll, yAll, { images, labels }, ids, shifts || undefined)
        expect(b.correct).toBe(a.correct)
        expect(b.loss).toBeCloseTo(a.loss, 4)
      }
      expect(tf.memory().numTensors).toBe(before)
      for (let v = 0; v < singleVars.length; v++) {
        const [x, y] = [singleVars[v].dataSync(), splitVars[v].dataSync()]
        let worst = 0
        for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i] - y[i]))
        expect(worst).toBeLessThan(1e-5)
      }
    } finally {
      await dp?.dispose()
      tf.dispose([xAll, yAll])
      singleOpt.dispose()
      splitOpt.dispose()
      single.dispose()
      split.dispose()
    }
  }, 60_000)
})
