/**
 * Continuing and resuming runs trained on two threads (#18): the helper threads start from the
 * restored optimizer state (each its share of it when the hidden units are split), a checkpoint
 * gathers the moments the helpers hold, and every thread's dropout masks come from (seed, epoch).
 * So a run broken off and taken up again on two threads ends with the weights of one unbroken run
 * on two threads, dropout and augmentation included.
 *
 * Tolerance 1e-6: with ConvLab's fused optimizers the two are bit-identical (each thread sums in a
 * fixed order, and the checkpoint keeps every float32 as it was). tfjs's own Adam, used where the
 * native kernels are missing, recomputes beta^t with pow after a restore, where the unbroken run
 * multiplied it up step by step: a few ulps in the bias correction, far below 1e-6 over these
 * few steps, while a fresh optimizer or a repeated dropout mask moves weights by 1e-3 and more.
 */
import * as tf from '@tensorflow/tfjs'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../src-main/engine/backends'
import { readCheckpoint } from '../../src-main/engine/train/checkpoint'
import { Trainer, type TrainCallbacks } from '../../src-main/engine/train/train'
import { CHECKPOINT_DIR, findCheckpoint } from '../../src-main/runs/checkpoint-info'
import { TrainConfig, type NoticeText, type TrainConfigInput } from '../../src-main/shared/contract'
import { ModelSpec } from '../../src-main/shared/layers'
import { maxDifference, noiseDataset, weightsOf } from '../fixtures/engine/noise'
import { tempFolder } from '../fixtures/temp-folder'

const ENTRY = resolve(__dirname, '../../src-main/engine/process/worker.ts')
const TOLERANCE = 1e-6

/** Enough math per parameter at batch 16 for the batch split (see batchSplitThreads). */
const cnn = ModelSpec.parse({
  name: 'resume-cnn',
  inputShape: [1, 12, 12],
  layers: [
    { type: 'conv2d', filters: 8, kernel: 3 },
    { type: 'relu' },
    { type: 'maxpool2d', pool: 2 },
    { type: 'flatten' },
    { type: 'dropout', rate: 0.3 },
    { type: 'dense', units: 3 }
  ]
})

/** Enough multiply-adds a step at batch 32 for the unit split (see unitSplitThreads), dropout between the layers. */
const mlp = ModelSpec.parse({
  name: 'resume-mlp',
  inputShape: [1, 28, 28],
  layers: [{ type: 'flatten' }, { type: 'dense', units: 400, activation: 'relu' }, { type: 'dropout', rate: 0.3 }, { type: 'dense', units: 3 }]
})

const threadsBefore = process.env.CONVLAB_TRAIN_THREADS
const dir = tempFolder('convlab-resume-threads-')
beforeAll(async () => {
  process.env.CONVLAB_TRAIN_THREADS = '2'
  await initBackend({ force: 'wasm' })
})
afterAll(() => {
  if (threadsBefore === undefined) delete process.env.CONVLAB_TRAIN_THREADS
  else process.env.CONVLAB_TRAIN_THREADS = threadsBefore
})

const cases = [
  ['batch rows', 'batch', cnn, noiseDataset([1, 12, 12], 96, { classes: 3, seed: 17 }), { batchSize: 16, validationSplit: 0.2, augment: { maxShift: 1 } }],
  ['hidden units', 'units', mlp, noiseDataset([1, 28, 28], 96, { classes: 3, seed: 17 }), { batchSize: 32 }]
] as const

describe.each(cases)('two threads split by %s', (_, split, spec, data, shape) => {
  const recipe = { optimizer: 'adam', learningRate: 0.01, seed: 23, ...shape } as const
  const config = (c: Partial<TrainConfigInput>): TrainConfig => TrainConfig.parse({ ...recipe, ...c })
  const trainer = new Trainer(ENTRY)
  /** Trains, checking it ran on two threads of `split` and gave no notice. */
  const train = async (job: Omit<Parameters<Trainer['train']>[0], 'spec' | 'train'>, callbacks: TrainCallbacks = {}) => {
    const notices: NoticeText[] = []
    const done = await trainer.train({ ...job, spec, train: data }, { ...callbacks, onLog: (n) => notices.push(n) })
    expect(done.result.threads).toEqual({ count: 2, split })
    expect(notices).toEqual([])
    return done
  }
  let long: tf.LayersModel
  let longLosses: number[]
  beforeAll(async () => {
    const run = await train({ runId: 'long', config: config({ epochs: 4 }) })
    long = run.model.model
    longLosses = run.result.batches.filter((b) => b.epoch > 2).map((b) => b.loss)
  }, 120_000)
  afterAll(() => long.dispose())

  it('continues a 2-epoch run 2 epochs more to the weights of one 4-epoch run', async () => {
    const shortDir = join(dir, `short-${split}`)
    const short = await train({ runId: 'short', config: config({ epochs: 2 }), checkpointDir: shortDir })
    short.model.model.dispose()
    const found = await findCheckpoint(shortDir)
    expect(found?.info).toEqual({ epoch: 2, seed: 23 })
    expect(found?.hasOptimizer).toBe(true)
    const checkpoint = await readCheckpoint(join(shortDir, CHECKPOINT_DIR), false)
    const batchesPerEpoch = short.result.batches.length / 2
    expect(checkpoint.optimizer?.iterations).toBe(2 * batchesPerEpoch)
    const more = await train({ runId: 'more', config: config({ epochs: 4 }), from: { epoch: 2, checkpoint } })
    checkpoint.loaded.model.dispose()
    expect(more.result.epochs.map((e) => e.epoch)).toEqual([3, 4])
    expect(more.result.batches.map((b) => b.loss)).toEqual(longLosses.map((l) => expect.closeTo(l, 5)))
    expect(maxDifference(await weightsOf(more.model.model), await weightsOf(long))).toBeLessThan(TOLERANCE)
    more.model.model.dispose()
  }, 120_000)

  it('resumes a run cancelled after epoch 2 to the weights of one 4-epoch run', async () => {
    const runDir = join(dir, `cancelled-${split}`)
    const cancelled = await train(
      { runId: 'c', config: config({ epochs: 4 }), checkpointDir: runDir },
      { onEpoch: (e) => void (e.epoch === 2 && setImmediate(() => trainer.cancel('c'))) }
    )
    cancelled.model.model.dispose()
    expect(cancelled.result.status).toBe('cancelled')
    expect(cancelled.result.epochs).toHaveLength(2)
    const found = await findCheckpoint(runDir)
    expect(found?.info.epoch).toBe(2)
    expect(found?.hasOptimizer).toBe(true)
    const checkpoint = await readCheckpoint(join(runDir, CHECKPOINT_DIR), false)
    const resumed = await train({ runId: 'r', config: config({ epochs: 4 }), from: { epoch: 2, checkpoint } })
    checkpoint.loaded.model.dispose()
    expect(resumed.result.batches.map((b) => b.loss)).toEqual(longLosses.map((l) => expect.closeTo(l, 5)))
    expect(maxDifference(await weightsOf(resumed.model.model), await weightsOf(long))).toBeLessThan(TOLERANCE)
    resumed.model.model.dispose()
  }, 120_000)
})
