import * as tf from '@tensorflow/tfjs'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../src-main/engine/backends'
import { makeOptimizer } from '../../src-main/engine/kernels'
import { buildModel } from '../../src-main/engine/model/build-model'
import { CHECKPOINT_DIR, findCheckpoint } from '../../src-main/runs/checkpoint-info'
import { readCheckpoint, readOptimizerState, writeOptimizerState } from '../../src-main/engine/train/checkpoint'
import { captureOptimizerState, restoreOptimizerState, type OptimizerState } from '../../src-main/engine/train/optimizer-state'
import { Trainer } from '../../src-main/engine/train/train'
import { TrainConfig, type TrainConfigInput } from '../../src-main/shared/contract'
import type { Dataset } from '../../src-main/shared/dataset'
import { ModelSpec } from '../../src-main/shared/layers'
import { maxDifference, noiseDataset, weightsOf } from '../fixtures/engine/noise'
import { tempFolder } from '../fixtures/temp-folder'

/** A small CNN with dropout, so the shuffle, the augmentation shifts and the dropout masks all matter. */
const spec = ModelSpec.parse({
  name: 'resume-net',
  inputShape: [1, 6, 6],
  layers: [
    { type: 'conv2d', filters: 3, kernel: 3 },
    { type: 'relu' },
    { type: 'flatten' },
    { type: 'dropout', rate: 0.3 },
    { type: 'dense', units: 3 }
  ]
})

const dataset = (): Dataset => noiseDataset([1, 6, 6], 40, { classes: 3, seed: 7 })

const config = (c: TrainConfigInput): TrainConfig => TrainConfig.parse(c)
const dir = tempFolder('convlab-resume-')

beforeAll(() => initBackend())

describe('optimizer state', () => {
  it('round-trips Adam moments and step count through optimizer.json + optimizer.bin, so the next step matches', async () => {
    const model = buildModel(spec, { seed: 3 })
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable)
    const optimizer = makeOptimizer({ optimizer: 'adam', learningRate: 0.01 })
    const x = tf.tensor(dataset().images.slice(0, 8 * 36), [8, 1, 6, 6])
    const loss = (): tf.Scalar => tf.mean(tf.square(model.apply(x, { training: false }) as tf.Tensor)) as tf.Scalar
    for (let i = 0; i < 3; i++) tf.dispose(optimizer.minimize(loss, true, vars) ?? [])
    const state = await captureOptimizerState(optimizer, 'adam', vars)
    expect(state?.iterations).toBe(3)
    expect(state?.slots).toHaveLength(2)
    expect(state?.slots[0]).toHaveLength(vars.length)
    const folder = join(dir, 'opt')
    if (!state) throw new Error('no state')
    await writeOptimizerState(folder, state, vars)
    const back = await readOptimizerState(folder, vars.map((v) => v.shape))
    expect(back.iterations).toBe(3)
    expect(back.slots.map((s) => s.map((a) => [...a]))).toEqual(state.slots.map((s) => s.map((a) => [...a])))

    // A second copy of the model and a fresh optimizer given the saved state take the same step.
    const twin = buildModel(spec, { seed: 99 })
    twin.setWeights(model.getWeights())
    const twinVars = twin.trainableWeights.map((w) => w.read() as tf.Variable)
    const twinOptimizer = makeOptimizer({ optimizer: 'adam', learningRate: 0.01 })
    await restoreOptimizerState(twinOptimizer, twinVars, back)
    const twinLoss = (): tf.Scalar => tf.mean(tf.square(twin.apply(x, { training: false }) as tf.Tensor)) as tf.Scalar
    tf.dispose(optimizer.minimize(loss, true, vars) ?? [])
    tf.dispose(twinOptimizer.minimize(twinLoss, true, twinVars) ?? [])
    expect(maxDifference(await weightsOf(model), await weightsOf(twin))).toBe(0)
    expect(twinOptimizer.iterations).toBe(4)
    tf.dispose(x)
    optimizer.dispose()
    twinOptimizer.dispose()
    model.dispose()
    twin.dispose()
  })

  it('refuses moments saved for other weights', async () => {
    const model = buildModel(spec, { seed: 3 })
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable)
    const state = { kind: 'adam' as const, iterations: 1, slots: [vars.map((v) => new Float32Array(v.size)), vars.map((v) => new Float32Array(v.size))] }
    await writeOptimizerState(join(dir, 'other'), state, vars)
    await expect(readOptimizerState(join(dir, 'other'), [[2, 2]])).rejects.toThrow(/other weights than the model's/)
    model.dispose()
  })
})

type Trained = Awaited<ReturnType<Trainer['train']>>

/**
 * An unbroken run of `epochs`, and a run of `at` epochs whose checkpoint a third run continues to
 * `epochs` (without the optimizer state it holds, with `freshOptimizer`), handed to `check`. Each
 * keeps its checkpoints under the test folder, named after `name`; their models are disposed after.
 */
async function checkContinued(
  name: string,
  recipe: Omit<TrainConfigInput, 'epochs'>,
  runs: { epochs: number; at: number; freshOptimizer?: boolean },
  check: (r: { long: Trained; more: Trained; shortDir: string; restoredOptimizer: OptimizerState | null }) => Promise<void>
): Promise<void> {
  const { epochs, at } = runs
  const data = dataset()
  const trainer = new Trainer()
  const long = await trainer.train({ runId: 'long', spec, config: config({ ...recipe, epochs }), train: data, checkpointDir: join(dir, `long-${name}`) })
  const shortDir = join(dir, `short-${name}`)
  const short = await trainer.train({ runId: 'short', spec, config: config({ ...recipe, epochs: at }), train: data, checkpointDir: shortDir })
  short.model.model.dispose()
  const checkpoint = await readCheckpoint(join(shortDir, CHECKPOINT_DIR), runs.freshOptimizer ?? false)
  const more = await trainer.train({ runId: 'more', spec, config: config({ ...recipe, epochs }), train: data, from: { epoch: at, checkpoint } })
  checkpoint.loaded.model.dispose()
  try {
    await check({ long, more, shortDir, restoredOptimizer: checkpoint.optimizer })
  } finally {
    more.model.model.dispose()
    long.model.model.dispose()
  }
}

describe.each(['adam', 'sgd'] as const)('continuing a run with %s', (optimizer) => {
  it('2 epochs, then 1 more from the checkpoint, gives the weights of one 3-epoch run', async () => {
    const recipe = { optimizer, learningRate: 0.01, batchSize: 8, seed: 11, validationSplit: 0.2, augment: { maxShift: 1 } } as const
    await checkContinued(optimizer, recipe, { epochs: 3, at: 2 }, async ({ long, more, shortDir }) => {
      const found = await findCheckpoint(shortDir)
      expect(found?.info).toEqual({ epoch: 2, seed: 11 })
      expect(found?.hasOptimizer).toBe(true)
      expect(await readdir(join(shortDir, CHECKPOINT_DIR))).toEqual(['checkpoint.json', 'model.json', 'optimizer.bin', 'optimizer.json', 'weights.bin'])
      expect(more.result.epochs.map((e) => e.epoch)).toEqual([3])
      expect(more.result.batches.map((b) => b.loss)).toEqual(long.result.batches.filter((b) => b.epoch === 3).map((b) => b.loss).map((l) => expect.closeTo(l, 5)))
      expect(maxDifference(await weightsOf(more.model.model), await weightsOf(long.model.model))).toBeLessThan(1e-6)
    })
  })
})

describe('cancelling mid-epoch', () => {
  it('leaves the checkpoint of the last completed epoch: the weights of a run of that many epochs', async () => {
    const data = dataset()
    const recipe = { optimizer: 'adam', learningRate: 0.01, batchSize: 8, seed: 4 } as const
    const trainer = new Trainer()
    const two = await trainer.train({ runId: 'two', spec, config: config({ ...recipe, epochs: 2 }), train: data })
    const runDir = join(dir, 'cancelled')
    const cancelled = await trainer.train(
      { runId: 'c', spec, config: config({ ...recipe, epochs: 50 }), train: data, checkpointDir: runDir },
      // Progress comes at most every 200 ms, and always at an epoch's last batch: the first in epoch 3 is mid-epoch.
      { onEpoch: (e) => void (e.epoch === 2 && setImmediate(() => trainer.cancel('c'))) }
    )
    expect(cancelled.result.status).toBe('cancelled')
    expect(cancelled.result.epochs).toHaveLength(2)
    expect(cancelled.result.batches.filter((b) => b.epoch === 3).length).toBeGreaterThan(0)
    expect((await findCheckpoint(runDir))?.info.epoch).toBe(2)
    const checkpoint = await readCheckpoint(join(runDir, CHECKPOINT_DIR), false)
    expect(checkpoint.optimizer?.iterations).toBe(10)
    expect(maxDifference(await weightsOf(checkpoint.loaded.model), await weightsOf(two.model.model))).toBe(0)
    // The cancelled model itself stays as it stood, one batch into epoch 3.
    expect(maxDifference(await weightsOf(cancelled.model.model), await weightsOf(two.model.model))).toBeGreaterThan(0)
    checkpoint.loaded.model.dispose()
    cancelled.model.model.dispose()
    two.model.model.dispose()
  })
})

describe('continuing without the optimizer state', () => {
  it('starts Adam afresh with freshOptimizer, so the weights differ from the unbroken run', async () => {
    const recipe = { optimizer: 'adam', learningRate: 0.01, batchSize: 8, seed: 5 } as const
    await checkContinued('fresh', recipe, { epochs: 2, at: 1, freshOptimizer: true }, async ({ long, more, restoredOptimizer }) => {
      expect(restoredOptimizer).toBeNull()
      expect(maxDifference(await weightsOf(more.model.model), await weightsOf(long.model.model))).toBeGreaterThan(1e-4)
    })
  })
})

describe('pausing', () => {
  it('waits between batches while paused, then finishes; a cancel while paused stops it', async () => {
    const data = dataset()
    const trainer = new Trainer()
    const batchesSeen: number[] = []
    let resumed = false
    let seenWhilePaused: number[] = []
    const job = trainer.train(
      { runId: 'p', spec, config: config({ optimizer: 'sgd', learningRate: 0.01, batchSize: 8, epochs: 2, seed: 1 }), train: data },
      {
        onProgress: (p) => {
          batchesSeen.push(p.batch)
          if (p.epoch === 1 && p.batch === 1 && !resumed) {
            expect(trainer.setPaused('p', true)).toBe(true)
            // Nothing trains while paused: the count stays until the run is let go on.
            setTimeout(() => {
              seenWhilePaused = [...batchesSeen]
              resumed = true
              trainer.setPaused('p', false)
            }, 300)
          }
        }
      }
    )
    const { result, model } = await job
    model.model.dispose()
    expect(seenWhilePaused).toEqual([1])
    expect(result.status).toBe('completed')
    expect(result.batches).toHaveLength(10)

    const cancelled = trainer.train(
      { runId: 'q', spec, config: config({ optimizer: 'sgd', learningRate: 0.01, batchSize: 8, epochs: 2, seed: 1 }), train: data },
      {
        onProgress: (p) => {
          if (p.batch === 1) {
            trainer.setPaused('q', true)
            setTimeout(() => trainer.cancel('q'), 100)
          }
        }
      }
    )
    const stopped = await cancelled
    stopped.model.model.dispose()
    expect(stopped.result.status).toBe('cancelled')
    expect(stopped.result.batches).toHaveLength(1)
    expect(trainer.setPaused('q', true)).toBe(false)
  })
})
