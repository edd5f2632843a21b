import * as tf from '@tensorflow/tfjs'
import { resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { initBackend, useBackend } from '../../src-main/engine/backends'
import { buildModel } from '../../src-main/engine/model/build-model'
import { headOf } from '../../src-main/engine/model/head'
import { batchShares, batchSplitThreads, DataParallel } from '../../src-main/engine/parallel/data-parallel'
import type { TrainingSetup } from '../../src-main/engine/parallel/parallel-channel'
import { startParallelTraining, type ParallelTraining } from '../../src-main/engine/parallel/parallel'
import { planUnitSplit, UnitParallel, unitSplitThreads } from '../../src-main/engine/parallel/unit-parallel'
import { mulberry32 } from '../../src-main/shared/rng'
import { makeOptimizer } from '../../src-main/engine/kernels/optimizer'
import { trainStep } from '../../src-main/engine/train/train-step'
import { captureOptimizerState, restoreOptimizerState } from '../../src-main/engine/train/optimizer-state'
import { batchShiftIndex, drawShifts, type ShiftMode } from '../../src-main/engine/shift'
import { ModelSpec, type ModelSpecInput } from '../../src-main/shared/layers'
import { TrainConfig, type TrainThreads } from '../../src-main/shared/contract'
import { Trainer } from '../../src-main/engine/train/train'
import { getPreset } from '../../src-main/shared/presets'
import { noiseDataset } from '../fixtures/engine/noise'

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

const ENTRY = resolve(__dirname, '../../src-main/engine/process/worker.ts')
type Recipe = TrainingSetup['recipe']

/** A model, its optimizer and n random images with labels, as a training run sets them up. */
function setUp(spec: ModelSpec, n: number, recipe: Recipe, batchSize: number, seed: number): TrainingSetup {
  const random = mulberry32(seed)
  const size = spec.inputShape.reduce((a, b) => a * b, 1)
  const images = Float32Array.from({ length: n * size }, () => random())
  const labels = Int32Array.from({ length: n }, () => Math.floor(random() * headOf(spec).classes))
  const model = buildModel(spec, { seed })
  return {
    spec,
    recipe,
    model,
    optimizer: makeOptimizer(recipe),
    vars: model.trainableWeights.map((w) => w.read() as tf.Variable),
    head: headOf(spec),
    xAll: tf.tensor(images, [n, ...spec.inputShape]),
    yAll: tf.tensor1d(labels, 'int32'),
    host: { images, labels },
    batchSize,
    seed
  }
}

function tearDown(s: TrainingSetup): void {
  tf.dispose([s.xAll, s.yAll])
  s.optimizer.dispose()
  s.model.dispose()
}

/** The step one thread takes, for comparison. */
function singleStep(s: TrainingSetup, ids: Int32Array, shifts?: StepDraw) {
  return trainStep(s.model, s.optimizer, s.vars, s.head, s.xAll, s.yAll, ids, shifts && batchShiftIndex(ids, shifts.shape, shifts.dx, shifts.dy, shifts.mode))
}
type StepDraw = { dx: Int32Array; dy: Int32Array; mode: ShiftMode; shape: [number, number, number] }

function expectSameWeights(a: tf.Variable[], b: tf.Variable[], tolerance: number): void {
  expect(b.map((v) => v.shape)).toEqual(a.map((v) => v.shape))
  a.forEach((v, i) => {
    const [x, y] = [v.dataSync(), b[i].dataSync()]
    let worst = 0
    for (let j = 0; j < x.length; j++) worst = Math.max(worst, Math.abs(x[j] - y[j]))
    expect(worst).toBeLessThan(tolerance)
  })
}

/** Steps over batches of `batch` rows of n: a start, a stride, and the shift mode (null: none). */
const STEPS: [number, ShiftMode | null][] = [[0, null], [31, 'roll'], [5, 'zero'], [17, null]]
const batchOf = (n: number, batch: number, start: number): Int32Array => Int32Array.from({ length: batch }, (_, i) => (start + i * 7) % n)

/**
 * 3000 steps of little math, where a thread often finishes its part before the other wakes: the
 * lockstep must neither hang nor mix up steps. Syncs now and then, as validation does.
 */
async function expectInStepOverShortSteps(two: ParallelTraining, s: TrainingSetup, steps = 3000): Promise<void> {
  try {
    for (let step = 0; step < steps; step++) {
      const { loss } = await two.trainStep(batchOf(64, 32, step))
      expect(Number.isFinite(loss)).toBe(true)
      if (step % 500 === 0) await two.syncModel()
    }
  } finally {
    await two.dispose()
    tearDown(s)
  }
}

/** The same model set up twice alike: one to train on one thread, one to split. */
function twinSetUps(spec: ModelSpec, n: number, recipe: Recipe, batchSize: number, seed: number): Twins {
  return { single: setUp(spec, n, recipe, batchSize, seed), split: setUp(spec, n, recipe, batchSize, seed) }
}
type Twins = { single: TrainingSetup; split: TrainingSetup }

/** Takes one step on both twins and expects the same correct count, and the same loss to `digits`. */
type StepBoth = (ids: Int32Array, shifts?: StepDraw) => Promise<void>

/**
 * Trains `twins.single` on one thread and `twins.split` on the threads `start` gives it, step for
 * step as `drive` takes them, then expects the same weights; disposes all of it once started.
 */
async function expectAsOneThread(twins: Twins, start: (s: TrainingSetup) => Promise<ParallelTraining>, drive: (step: StepBoth, parallel: ParallelTraining) => Promise<void>, digits = 5): Promise<void> {
  const { single, split } = twins
  const parallel = await start(split)
  try {
    await drive(async (ids, shifts) => {
      const a = await singleStep(single, ids, shifts)
      const b = await parallel.trainStep(ids, shifts)
      expect(b.correct).toBe(a.correct)
      expect(b.loss).toBeCloseTo(a.loss, digits)
    }, parallel)
    expectSameWeights(single.vars, split.vars, 1e-5)
  } finally {
    await parallel.dispose()
    tearDown(single)
    tearDown(split)
  }
}

/** The batch's augmentation shifts for `mode` (none for null), drawn up to `maxShift` along x and y. */
function shiftsFor(mode: ShiftMode | null, batch: number, maxShift: number, random: () => number, shape: [number, number, number]): StepDraw | undefined {
  return mode ? { ...drawShifts(batch, maxShift, 'xy', random), mode, shape } : undefined
}

/** A step's row 99 is not in the dataset: the engine's gather throws after the helpers have started, and the step ends. */
async function expectEngineFailureEndsStep(spec: ModelSpec, start: (s: TrainingSetup) => Promise<ParallelTraining>, bad: number[]): Promise<void> {
  const s = setUp(spec, 16, { optimizer: 'sgd', learningRate: 0.01 }, 8, 4)
  const parallel = await start(s)
  try {
    await parallel.trainStep(batchOf(16, 8, 0))
    await expect(parallel.trainStep(Int32Array.from(bad))).rejects.toThrow(/99/)
  } finally {
    await parallel.dispose()
    tearDown(s)
  }
}

/** Little math per step, but enough per parameter to be split by batch rows. */
const tinyConv = ModelSpec.parse({
  name: 'tiny-conv',
  inputShape: [1, 8, 8],
  layers: [{ type: 'conv2d', filters: 4, kernel: 3 }, { type: 'maxpool2d', pool: 2 }, { type: 'relu' }, { type: 'flatten' }, { type: 'dense', units: 2 }]
})

describe('batchShares', () => {
  it('splits a batch as evenly as it can, the engine thread first, every row once', () => {
    expect(batchShares(31, 2)).toEqual([16, 15])
    expect(batchShares(32, 3)).toEqual([11, 11, 10])
    expect(batchShares(2, 4)).toEqual([1, 1, 0, 0])
    for (const [n, t] of [[1, 1], [33, 4], [7, 7]]) expect(batchShares(n, t).reduce((a, b) => a + b)).toBe(n)
  })
})

describe('two-thread training', () => {
  const threads = process.env.CONVLAB_TRAIN_THREADS
  beforeAll(() => {
    process.env.CONVLAB_TRAIN_THREADS = '2'
  })
  afterAll(() => {
    if (threads === undefined) delete process.env.CONVLAB_TRAIN_THREADS
    else process.env.CONVLAB_TRAIN_THREADS = threads
  })

  it('splits the hidden units of a one-hidden-layer network, the batch of a CNN, and nothing of a small or batch-normed model', async () => {
    await useBackend('wasm')
    const cnn = getPreset('seed-cnn') as ModelSpec
    const mlp = getPreset('seed-mlp') as ModelSpec
    expect(batchSplitThreads(cnn, 32, 2)).toBe(2)
    expect(batchSplitThreads(mlp, 32, 2)).toBe(1)
    expect(unitSplitThreads(mlp, 32, 2)).toBe(2)
    const withBatchNorm = ModelSpec.parse({ ...cnn, layers: [cnn.layers[0], { type: 'batchnorm' }, ...cnn.layers.slice(1)] })
    expect(batchSplitThreads(withBatchNorm, 32, 2)).toBe(1)
    // ~362 multiply-adds per parameter per batch of 32: 64 a thread pays for five threads, no more.
    expect([1, 2, 3, 4, 5, 8].map((limit) => batchSplitThreads(cnn, 32, limit))).toEqual([1, 2, 3, 4, 5, 5])
    expect(batchSplitThreads(cnn, 16, 8)).toBe(2)
    expect(batchSplitThreads(cnn, 3, 8)).toBe(1)
    expect(batchSplitThreads(mlp, 32, 8)).toBe(1)
    expect(batchSplitThreads(withBatchNorm, 32, 8)).toBe(1)
    const tiny = ModelSpec.parse({ name: 'tiny', inputShape: [4], layers: [{ type: 'dense', units: 8, activation: 'relu' }, { type: 'dense', units: 2 }] })
    expect(unitSplitThreads(tiny, 32, 8)).toBe(1)
    // Where the split starts to pay, as measured (see MIN_MACS_PER_STEP).
    const hidden = (units: number): ModelSpec => ModelSpec.parse({ ...mlp, layers: [{ type: 'flatten' }, { type: 'dense', units }, { type: 'relu' }, { type: 'dense', units: 10 }] })
    expect(unitSplitThreads(hidden(256), 32, 8)).toBe(1)
    expect(unitSplitThreads(hidden(384), 32, 8)).toBe(2)
    expect(unitSplitThreads(hidden(256), 64, 8)).toBe(2)
    // seed-mlp's 25M multiply-adds a batch of 32 pay for three threads (24M), its 51M at 64 for four (48M).
    expect([1, 2, 3, 4, 8].map((limit) => unitSplitThreads(mlp, 32, limit))).toEqual([1, 2, 3, 3, 3])
    expect(unitSplitThreads(mlp, 64, 8)).toBe(4)
    // Never more threads than hidden units.
    expect(unitSplitThreads(hidden(3), 1_000_000, 8)).toBe(3)
    const splits: (string | null)[] = []
    for (const spec of [mlp, cnn, withBatchNorm, tiny]) {
      const s = setUp(spec, 64, { optimizer: 'sgd', learningRate: 0.1 }, 32, 1)
      const two = await startParallelTraining(ENTRY, s)
      splits.push(two?.split ?? null)
      await two?.dispose()
      tearDown(s)
    }
    expect(splits).toEqual(['units', 'batch', null, null])
  })

  it('says in every progress event and in its result how a training run used the threads', async () => {
    await useBackend('wasm')
    const train = noiseDataset([1, 28, 28], 96, { classes: 10, seed: 2 })
    const run = async (trainer: Trainer, spec: ModelSpec, threads?: number): Promise<TrainThreads[]> => {
      const seen: TrainThreads[] = []
      const { result, model } = await trainer.train(
        { runId: spec.name, spec, config: TrainConfig.parse({ optimizer: 'sgd', learningRate: 0.01, epochs: 1, batchSize: 32, seed: 1, threads }), train },
        { onProgress: (p) => seen.push(p.threads) }
      )
      model.model.dispose()
      expect(seen.length).toBeGreaterThan(0)
      return [...seen, result.threads]
    }
    const mlp = getPreset('seed-mlp') as ModelSpec
    const withoutHidden = ModelSpec.parse({ ...mlp, name: 'linear', layers: [{ type: 'flatten' }, { type: 'dense', units: 10 }] })
    for (const t of await run(new Trainer(ENTRY), mlp)) expect(t).toEqual({ count: 2, split: 'units' })
    for (const t of await run(new Trainer(ENTRY), withoutHidden)) expect(t).toEqual({ count: 1 })
    // The run's own setting: one thread, though the machine and CONVLAB_TRAIN_THREADS allow two.
    for (const t of await run(new Trainer(ENTRY), mlp, 1)) expect(t).toEqual({ count: 1 })
    // Without a helper entry (as when none can be started), one thread, and so it says.
    for (const t of await run(new Trainer(), mlp)) expect(t).toEqual({ count: 1 })
  }, 60_000)

  describe('by batch rows', () => {
    it.each([2, 3])('keeps in step over many short steps on %i threads, where the engine thread often finishes a whole step before a helper wakes', async (threads) => {
      await useBackend('wasm')
      // The helper's wake-ups are as long as its work.
      expect(batchSplitThreads(tinyConv, 32, 2)).toBe(2)
      const s = setUp(tinyConv, 64, { optimizer: 'sgd', learningRate: 0.01 }, 32, 5)
      // More threads than this machine's two cores wake slowly: fewer steps keep the test short.
      await expectInStepOverShortSteps(await DataParallel.start(ENTRY, s, threads), s, threads === 2 ? 3000 : 1000)
    }, 300_000)

    it.each([2, 3, 4])('trains seed-cnn for 20 steps to the weights of one thread on %i threads, an odd batch split unevenly', async (threads) => {
      await useBackend('wasm')
      const twins = twinSetUps(getPreset('seed-cnn') as ModelSpec, 64, { optimizer: 'sgd', learningRate: 0.05 }, 31, 7)
      const random = mulberry32(3)
      await expectAsOneThread(
        twins,
        (s) => DataParallel.start(ENTRY, s, threads),
        async (step, dp) => {
          expect(dp.threads).toBe(threads)
          const before = tf.memory().numTensors
          // Augmented steps too: every share must see the shifts drawn for the whole batch.
          for (let n = 0; n < 20; n++) {
            const [start, mode] = STEPS[n % STEPS.length]
            await step(batchOf(64, 31, start + n), shiftsFor(mode, 31, 3, random, [1, 28, 28]))
          }
          expect(tf.memory().numTensors).toBe(before)
        },
        4
      )
    }, 300_000)

    it('gives a helper no rows when the batch is smaller than the threads, and still the one-thread step', async () => {
      await useBackend('wasm')
      const twins = twinSetUps(tinyConv, 16, { optimizer: 'adam', learningRate: 0.01 }, 8, 4)
      await expectAsOneThread(
        twins,
        (s) => DataParallel.start(ENTRY, s, 4),
        async (step) => {
          for (const ids of [batchOf(16, 8, 0), Int32Array.from([3, 9]), batchOf(16, 8, 5)]) await step(ids)
        }
      )
    }, 120_000)

    it('ends at once when the engine thread fails mid-step while the helpers wait for it', async () => {
      await useBackend('wasm')
      await expectEngineFailureEndsStep(tinyConv, (s) => DataParallel.start(ENTRY, s, 3), [99, 1, 2, 3, 4, 5])
    }, 60_000)
  })

  describe('by hidden units', () => {
    const mlp = (layers: ModelSpecInput['layers']): ModelSpec => ModelSpec.parse({ name: 'mlp', inputShape: [1, 6, 6], layers })

    it('plans the tutorial MLP as two halves of 500 units, only the first with the output bias', () => {
      const plan = planUnitSplit(getPreset('seed-mlp') as ModelSpec)
      expect(plan).toMatchObject({ hidden: 1, output: 3, units: [500, 500], classes: 10, tail: null })
      expect(plan?.parts.map((p) => p.layers.map((l) => (l.type === 'dense' ? [l.units, l.useBias, l.activation] : l.type)))).toEqual([
        ['flatten', [500, true, 'linear'], 'relu', [10, true, 'linear']],
        ['flatten', [500, true, 'linear'], 'relu', [10, false, 'linear']]
      ])
    })

    it('shares the units over N threads as evenly as it can, the engine thread first', () => {
      const spec = getPreset('seed-mlp') as ModelSpec
      expect(planUnitSplit(spec, 3)?.units).toEqual([334, 333, 333])
      expect(planUnitSplit(spec, 3)?.parts.map((p) => p.layers.map((l) => (l.type === 'dense' ? [l.units, l.useBias] : l.type)))).toEqual([
        ['flatten', [334, true], 'relu', [10, true]],
        ['flatten', [333, true], 'relu', [10, false]],
        ['flatten', [333, true], 'relu', [10, false]]
      ])
      expect(planUnitSplit(mlp([{ type: 'flatten' }, { type: 'dense', units: 3 }, { type: 'dense', units: 2 }]), 8)?.units).toEqual([1, 1, 1])
    })

    it('moves the output activation and the layers after it into a tail both threads apply to the sum', () => {
      const plan = planUnitSplit(mlp([{ type: 'flatten' }, { type: 'dense', units: 7, activation: 'tanh' }, { type: 'dropout', rate: 0.2 }, { type: 'dense', units: 3, activation: 'sigmoid' }, { type: 'softmax' }]))
      expect(plan?.units).toEqual([4, 3])
      expect(plan?.parts[0].layers.map((l) => l.type)).toEqual(['flatten', 'dense', 'dropout', 'dense'])
      expect(plan?.tail?.inputShape).toEqual([3])
      expect(plan?.tail?.layers.map((l) => l.type)).toEqual(['sigmoid', 'softmax'])
    })

    it.each([
      ['a CNN', getPreset('seed-cnn') as ModelSpec],
      ['two hidden layers', mlp([{ type: 'flatten' }, { type: 'dense', units: 8 }, { type: 'relu' }, { type: 'dense', units: 8 }, { type: 'relu' }, { type: 'dense', units: 3 }])],
      ['a softmax across the hidden units', mlp([{ type: 'flatten' }, { type: 'dense', units: 8 }, { type: 'softmax' }, { type: 'dense', units: 3 }])],
      ['dropout before the hidden layer', mlp([{ type: 'flatten' }, { type: 'dropout', rate: 0.5 }, { type: 'dense', units: 8 }, { type: 'dense', units: 3 }])],
      ['dropout after the output', mlp([{ type: 'flatten' }, { type: 'dense', units: 8 }, { type: 'dense', units: 3 }, { type: 'dropout', rate: 0.5 }])],
      ['batch norm', mlp([{ type: 'flatten' }, { type: 'dense', units: 8 }, { type: 'batchnorm' }, { type: 'dense', units: 3 }])],
      ['one hidden unit', mlp([{ type: 'flatten' }, { type: 'dense', units: 1 }, { type: 'dense', units: 3 }])]
    ])('does not split %s', (_, spec) => {
      expect(planUnitSplit(spec)).toBeNull()
    })

    const cases: [string, ModelSpec, Recipe][] = [
      ['odd hidden units, a softmax tail, Adam', mlp([{ type: 'flatten' }, { type: 'dense', units: 7, activation: 'relu' }, { type: 'dense', units: 3 }, { type: 'softmax' }]), { optimizer: 'adam', learningRate: 0.01 }],
      ['no biases, leaky ReLU, SGD', mlp([{ type: 'flatten' }, { type: 'dense', units: 6, useBias: false }, { type: 'leakyrelu', alpha: 0.1 }, { type: 'dense', units: 4, useBias: false }]), { optimizer: 'sgd', learningRate: 0.5 }],
      ['a sigmoid output (binary cross-entropy)', mlp([{ type: 'flatten' }, { type: 'dense', units: 5, activation: 'tanh' }, { type: 'dense', units: 1, activation: 'sigmoid' }]), { optimizer: 'sgd', learningRate: 0.5 }]
    ]

    it.each(cases)('trains to the same weights as one thread: %s', async (_, spec, recipe) => {
      await useBackend('wasm')
      const plan = planUnitSplit(spec)
      expect(plan).not.toBeNull()
      const random = mulberry32(4)
      await expectAsOneThread(twinSetUps(spec, 40, recipe, 13, 9), (s) => UnitParallel.start(ENTRY, s, plan as NonNullable<typeof plan>), async (step, up) => {
        let before = 0
        for (const [start, mode] of STEPS) {
          // Counted after the first step, which creates Adam's moments.
          if (start !== STEPS[0][0]) before ||= tf.memory().numTensors
          await step(batchOf(40, 13, start), shiftsFor(mode, 13, 2, random, [1, 6, 6]))
          // Syncing in the middle of a run must not disturb it.
          if (start === 31) await up.syncModel()
        }
        await up.syncModel()
        expect(tf.memory().numTensors).toBe(before)
      })
    }, 60_000)

    it('trains with dropout between the layers, each thread drawing its own masks', async () => {
      await useBackend('wasm')
      const spec = mlp([{ type: 'flatten' }, { type: 'dense', units: 64, activation: 'relu' }, { type: 'dropout', rate: 0.5 }, { type: 'dense', units: 3 }])
      const s = setUp(spec, 40, { optimizer: 'sgd', learningRate: 0.1 }, 16, 2)
      const up = await UnitParallel.start(ENTRY, s, planUnitSplit(spec) as NonNullable<ReturnType<typeof planUnitSplit>>)
      try {
        const first = await up.trainStep(batchOf(40, 16, 0))
        let last = first
        for (let i = 0; i < 200; i++) last = await up.trainStep(batchOf(40, 16, 0))
        expect(last.loss).toBeLessThan(first.loss / 2)
      } finally {
        await up.dispose()
        tearDown(s)
      }
    }, 60_000)

    it.each([2, 3])('keeps in step over many short steps on %i threads', async (threads) => {
      await useBackend('wasm')
      const spec = mlp([{ type: 'flatten' }, { type: 'dense', units: 4, activation: 'relu' }, { type: 'dense', units: 2 }])
      const s = setUp(spec, 64, { optimizer: 'sgd', learningRate: 0.01 }, 32, 5)
      const up = await UnitParallel.start(ENTRY, s, planUnitSplit(spec, threads) as NonNullable<ReturnType<typeof planUnitSplit>>)
      expect(up.threads).toBe(threads)
      await expectInStepOverShortSteps(up, s, threads === 2 ? 3000 : 1000)
    }, 300_000)

    it.each([1, 2, 3, 4])('trains for 20 steps to the weights of one thread on %i threads, augmented, synced now and then', async (threads) => {
      await useBackend('wasm')
      const spec = mlp([{ type: 'flatten' }, { type: 'dense', units: 7, activation: 'relu' }, { type: 'dense', units: 3 }, { type: 'softmax' }])
      const random = mulberry32(6)
      const start = (s: TrainingSetup): Promise<UnitParallel> => UnitParallel.start(ENTRY, s, planUnitSplit(spec, threads) as NonNullable<ReturnType<typeof planUnitSplit>>)
      await expectAsOneThread(twinSetUps(spec, 40, { optimizer: 'adam', learningRate: 0.01 }, 13, 9), start, async (step, up) => {
        expect(up.threads).toBe(threads)
        for (let n = 0; n < 20; n++) {
          const [first, mode] = STEPS[n % STEPS.length]
          await step(batchOf(40, 13, first + n), shiftsFor(mode, 13, 2, random, [1, 6, 6]))
          if (n % 7 === 3) await up.syncModel()
        }
        await up.syncModel()
      })
    }, 120_000)

    it('ends at once when the engine thread fails mid-step while the helpers wait for it', async () => {
      await useBackend('wasm')
      const spec = mlp([{ type: 'flatten' }, { type: 'dense', units: 6, activation: 'relu' }, { type: 'dense', units: 2 }])
      await expectEngineFailureEndsStep(spec, (s) => UnitParallel.start(ENTRY, s, planUnitSplit(spec, 3) as NonNullable<ReturnType<typeof planUnitSplit>>), [99, 1, 2, 3])
    }, 60_000)
  })

  describe('from a restored optimizer state', () => {
    /**
     * Five Adam steps on one thread, then its weights and optimizer state handed to `start`'s
     * threads, as a resumed run does: ten more steps there end where ten more on one thread do,
     * and the state the threads give back for a checkpoint is the one thread's.
     */
    async function expectStateCarriedOver(spec: ModelSpec, batch: number, start: (s: TrainingSetup) => Promise<ParallelTraining>): Promise<void> {
      await useBackend('wasm')
      const twins = twinSetUps(spec, 40, { optimizer: 'adam', learningRate: 0.01 }, batch, 9)
      const { single, split } = twins
      const ids = (step: number): Int32Array => batchOf(40, batch, step * 3)
      for (let step = 0; step < 5; step++) await singleStep(single, ids(step))
      split.model.setWeights(single.model.getWeights())
      const handed = await captureOptimizerState(single.optimizer, 'adam', single.vars)
      if (!handed) throw new Error('no optimizer state after five steps')
      await restoreOptimizerState(split.optimizer, split.vars, handed)
      await expectAsOneThread(twins, start, async (step, parallel) => {
        for (let n = 5; n < 15; n++) await step(ids(n))
        await parallel.syncModel()
        const expected = await captureOptimizerState(single.optimizer, 'adam', single.vars)
        const gathered = await parallel.optimizerState()
        expect(gathered?.iterations).toBe(15)
        expect(gathered?.slots.map((arrays) => arrays.map((a) => a.length))).toEqual(expected?.slots.map((arrays) => arrays.map((a) => a.length)))
        let worst = 0
        expected?.slots.forEach((arrays, s) => arrays.forEach((a, i) => a.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - (gathered?.slots[s][i][j] ?? NaN)))))))
        expect(worst).toBeLessThan(1e-5)
      })
    }

    it.each([2, 3])('by batch rows on %i threads: every helper starts from the whole state', async (threads) => {
      await expectStateCarriedOver(tinyConv, 8, (s) => DataParallel.start(ENTRY, s, threads))
    }, 120_000)

    it.each([2, 3])('by hidden units on %i threads: each thread starts from its units\' share, and the shares join back', async (threads) => {
      const spec = ModelSpec.parse({ name: 'mlp', inputShape: [1, 6, 6], layers: [{ type: 'flatten' }, { type: 'dense', units: 7, activation: 'relu' }, { type: 'dense', units: 3 }, { type: 'softmax' }] })
      const plan = planUnitSplit(spec, threads)
      expect(plan?.units).toEqual(threads === 2 ? [4, 3] : [3, 2, 2])
      await expectStateCarriedOver(spec, 13, (s) => UnitParallel.start(ENTRY, s, plan as NonNullable<typeof plan>))
    }, 120_000)
  })
})
