import * as tf from '@tensorflow/tfjs'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadFashionMnist } from '../../src-main/data/fashion-mnist'
import { loadToy } from '../../src-main/data/toy'
import { initBackend } from '../../src-main/engine/backends'
import { evaluateModel, predictImages, predictProbabilities, shiftHeatmap } from '../../src-main/engine/inference'
import { loadModel, ModelCache, saveModel, type LoadedModel } from '../../src-main/engine/model/model-io'
import { BusyError, splitIndices, Trainer, type ProgressPayload } from '../../src-main/engine/train/train'
import { TrainConfig, type TrainConfigInput } from '../../src-main/shared/contract'
import type { Dataset } from '../../src-main/shared/dataset'
import { getPreset } from '../../src-main/shared/presets'
import type { ModelSpec } from '../../src-main/shared/layers'
import { tempFolder } from '../fixtures/temp-folder'

function preset(name: string): ModelSpec {
  const spec = getPreset(name)
  if (!spec) throw new Error(`no preset ${name}`)
  return spec
}

const FASHION = '/usr/share/datasets/fashion-mnist'
const hasFashion = existsSync(join(FASHION, 'train-images-idx3-ubyte.gz')) || existsSync(join(FASHION, 'train-images-idx3-ubyte'))

const config = (c: TrainConfigInput): TrainConfig => TrainConfig.parse(c)
const dir = tempFolder('convlab-engine-')

beforeAll(() => initBackend())

describe('training the tutorial toy net', () => {
  it('classifies both samples after 2000 epochs of Adam 1e-2, batch 1', async () => {
    const toy = loadToy()
    const trainer = new Trainer()
    const epochs: number[] = []
    // Some seeds start the conv so that ReLU zeroes both samples for good (a dead unit, as in
    // PyTorch): then both outputs stay at the same value. Seed 1 starts alive.
    const { result, model } = await trainer.train(
      { runId: 'toy', spec: preset('seed-toy'), config: config({ optimizer: 'adam', learningRate: 1e-2, batchSize: 1, epochs: 2000, seed: 1 }), train: toy, test: toy },
      { onEpoch: (e) => epochs.push(e.epoch) }
    )
    try {
      expect(result.status).toBe('completed')
      expect(result.batches).toHaveLength(4000)
      expect(epochs).toHaveLength(2000)
      const out = tf.tidy(() => model.model.predict(tf.tensor(toy.images, [2, 1, 4, 4])) as tf.Tensor)
      const [p0, p1] = await out.data()
      out.dispose()
      expect(p0).toBeLessThan(0.5)
      expect(p1).toBeGreaterThan(0.5)
      expect(result.test?.accuracy).toBe(1)
      expect(result.test?.confusion).toEqual([[1, 0], [0, 1]])
    } finally {
      model.model.dispose()
    }
  })
})

describe('training with shift augmentation', () => {
  it('repeats with the seed and changes what the model sees; a shift of 0 changes nothing', async () => {
    const toy = loadToy()
    const trainer = new Trainer()
    const run = async (augment?: TrainConfigInput['augment']) => {
      const { result, model } = await trainer.train({
        runId: 'aug',
        spec: preset('seed-toy'),
        config: config({ optimizer: 'sgd', learningRate: 1e-2, batchSize: 1, epochs: 30, seed: 2, augment }),
        train: toy
      })
      model.model.dispose()
      return result.batches.map((b) => b.loss)
    }
    const before = tf.memory().numTensors
    const plain = await run()
    const shifted = await run({ maxShift: 2, axes: 'xy', mode: 'zero' })
    expect(await run({ maxShift: 2, axes: 'xy', mode: 'zero' })).toEqual(shifted)
    expect(shifted).not.toEqual(plain)
    // maxShift 0 is no augmentation at all: the same run, bit for bit.
    expect(await run({ maxShift: 0, axes: 'x', mode: 'roll' })).toEqual(plain)
    expect(tf.memory().numTensors).toBe(before)
  })
})

describe.skipIf(!hasFashion)('training on Fashion-MNIST', () => {
  let train: Dataset
  let test: Dataset
  let mlp: LoadedModel
  const before = { tensors: 0 }

  beforeAll(async () => {
    train = await loadFashionMnist(FASHION, 'train', { limit: 600 })
    test = await loadFashionMnist(FASHION, 'test', { limit: 200 })
    before.tensors = tf.memory().numTensors
  })
  afterAll(() => mlp?.model.dispose())

  it('improves an MLP trained with SGD and reports progress, epochs and validation', async () => {
    const progress: ProgressPayload[] = []
    const { result, model } = await new Trainer().train(
      {
        runId: 'mlp',
        spec: preset('seed-mlp'),
        config: config({ optimizer: 'sgd', learningRate: 5e-2, batchSize: 32, epochs: 3, validationSplit: 0.2, seed: 11 }),
        train,
        test
      },
      { onProgress: (p) => progress.push(p) }
    )
    mlp = model
    expect(result.trainCount).toBe(480)
    expect(result.valCount).toBe(120)
    expect(result.epochs).toHaveLength(3)
    expect(result.batches).toHaveLength(3 * 15)
    expect(result.epochs[2].loss).toBeLessThan(result.epochs[0].loss)
    expect(result.epochs[2].valAccuracy).toBeGreaterThan(0.5)
    expect(result.test?.count).toBe(200)
    expect(result.test?.accuracy).toBeGreaterThan(0.5)
    expect(result.test?.confusion.flat().reduce((a, b) => a + b, 0)).toBe(200)
    const last = progress.at(-1)
    expect(last).toMatchObject({ runId: 'mlp', epoch: 3, epochs: 3, batch: 15, batchesPerEpoch: 15 })
    expect(last?.imagesPerSec).toBeGreaterThan(0)
    expect(last?.etaSeconds).toBe(0)
    // Each event's recent means cover the batches since the one before, every batch exactly once.
    let at = 0
    for (const p of progress) {
      const window = result.batches.slice(at, at + p.recent.batches)
      at += p.recent.batches
      expect(p.recent.loss).toBeCloseTo(window.reduce((s, b) => s + b.loss, 0) / window.length, 5)
      expect(p.recent.accuracy).toBeCloseTo(window.reduce((s, b) => s + b.accuracy, 0) / window.length, 5)
      expect(window.at(-1)).toMatchObject({ epoch: p.epoch, batch: p.batch })
    }
    expect(at).toBe(result.batches.length)
  })

  it('reports each phase, and counts the time before the first batch in the run (the data loaded before it was given)', async () => {
    const phases: string[] = []
    const progress: ProgressPayload[] = []
    // As if loading the data had taken a minute before the trainer was called.
    const startedAt = performance.now() - 60_000
    const { result, model } = await new Trainer().train(
      { runId: 'phases', spec: preset('seed-toy'), config: config({ epochs: 3, batchSize: 1, seed: 1 }), train: loadToy(), test: loadToy(), startedAt },
      { onPhase: (p) => phases.push(p), onProgress: (p) => progress.push(p) }
    )
    model.model.dispose()
    expect(phases).toEqual(['building-model', 'training', 'testing'])
    expect(result.seconds).toBeGreaterThanOrEqual(60)
    expect(progress.every((p) => p.elapsedSeconds >= 60)).toBe(true)
  })

  it('holds out the same validation samples for the same seed', () => {
    expect(splitIndices(100, 0.1, 5)).toEqual(splitIndices(100, 0.1, 5))
    expect(splitIndices(100, 0.1, 5).val).not.toEqual(splitIndices(100, 0.1, 6).val)
    const { train: t, val: v } = splitIndices(100, 0.25, 1)
    expect(new Set([...t, ...v]).size).toBe(100)
    expect(v).toHaveLength(25)
  })

  it('stops at the next batch after cancel, and refuses a second run meanwhile', async () => {
    const trainer = new Trainer()
    /** Batches trained when the cancel was asked for. */
    let atCancel: number | null = null
    const running = trainer.train(
      { runId: 'long', spec: preset('seed-mlp'), config: config({ optimizer: 'sgd', learningRate: 1e-2, batchSize: 8, epochs: 1000, seed: 1 }), train },
      {
        onProgress: (p) => {
          if (atCancel === null) {
            atCancel = (p.epoch - 1) * p.batchesPerEpoch + p.batch
            expect(trainer.cancel('long')).toBe(true)
          }
        }
      }
    )
    await expect(trainer.train({ runId: 'second', spec: preset('seed-toy'), config: config({}), train: loadToy() })).rejects.toThrow(BusyError)
    const { result, model } = await running
    model.model.dispose()
    expect(result.status).toBe('cancelled')
    // Asked between two batches, the cancel is heard before the next one starts.
    expect(atCancel).toBe(1)
    expect(result.batches).toHaveLength(atCancel!)
    expect(result.epochs).toHaveLength(0)
    expect(trainer.running).toBeNull()
  })

  it('keeps a cancel that arrives while the run is claimed but its data still loads, and trains no batch', async () => {
    const trainer = new Trainer()
    const claim = trainer.claim('loading')
    expect(trainer.running).toBe('loading')
    expect(() => trainer.claim('other')).toThrow(BusyError)
    expect(trainer.cancel('loading')).toBe(true)
    const batches: ProgressPayload[] = []
    const { result, model } = await trainer.train(
      { runId: 'loading', spec: preset('seed-toy'), config: config({ batchSize: 1, epochs: 50, seed: 1 }), train: loadToy() },
      { onProgress: (p) => batches.push(p) }
    )
    model.model.dispose()
    claim.release()
    expect(result.status).toBe('cancelled')
    expect(result.batches).toEqual([])
    expect(batches).toEqual([])
    expect(trainer.running).toBeNull()
  })

  it('frees the trainer when a claimed run never starts', () => {
    const trainer = new Trainer()
    trainer.claim('broken').release()
    expect(trainer.running).toBeNull()
    trainer.claim('next').release()
  })

  it('predicts with rows summing to 1; shift 0 equals a plain predict', async () => {
    const per = 28 * 28
    const image = train.images.slice(5 * per, 6 * per)
    const plain = await predictImages(mlp, [image])
    const shift = await shiftHeatmap(mlp, image, [1, 28, 28], { from: -5, to: 5, axis: 'x', mode: 'roll', label: train.labels[5] })
    expect(shift.shifts).toEqual([-5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5])
    expect(shift.probabilities).toHaveLength(11)
    for (const row of shift.probabilities) {
      expect(row).toHaveLength(10)
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5)
    }
    shift.probabilities[5].forEach((p, k) => expect(p).toBeCloseTo(plain.probabilities[0][k], 6))
    expect(shift.predicted[5]).toBe(plain.predicted[0])
    expect(shift.images).toHaveLength(11)
    expect(shift.images[5].pixels[100]).toBeCloseTo(image[100])
    expect(shift.label).toBe(train.labels[5])
    expect(shift.classNames[2]).toBe('Pullover')
  })

  it('round-trips through model.json + weights.bin with identical predictions', async () => {
    const modelDir = join(dir, 'mlp')
    await saveModel(mlp.model, modelDir, mlp.meta)
    expect(existsSync(join(modelDir, 'model.json'))).toBe(true)
    expect(existsSync(join(modelDir, 'weights.bin'))).toBe(true)
    const loaded = await loadModel(modelDir)
    try {
      expect(loaded.meta.spec).toEqual(mlp.meta.spec)
      expect(loaded.meta.classNames).toEqual(mlp.meta.classNames)
      const a = await predictProbabilities(mlp, test.images.subarray(0, 20 * 784), 20)
      const b = await predictProbabilities(loaded, test.images.subarray(0, 20 * 784), 20)
      expect(b.probabilities).toEqual(a.probabilities)
    } finally {
      loaded.model.dispose()
    }
    const cache = new ModelCache(1)
    const first = await cache.get(modelDir)
    expect(await cache.get(modelDir)).toBe(first)
    cache.clear()
  })

  it('leaks no tensors across repeated train, predict, shift and evaluate', async () => {
    const start = tf.memory().numTensors
    for (let i = 0; i < 2; i++) {
      const { model } = await new Trainer().train({
        runId: `leak${i}`,
        spec: preset('seed-mlp'),
        config: config({ optimizer: 'adam', learningRate: 1e-3, batchSize: 64, epochs: 1, validationSplit: 0.1, seed: i }),
        train,
        test
      })
      model.model.dispose()
      await predictImages(mlp, [test.images.slice(0, 784), test.images.slice(784, 1568)])
      await shiftHeatmap(mlp, test.images.slice(0, 784), [1, 28, 28], { from: -2, to: 2, axis: 'y', mode: 'zero' })
      await evaluateModel(mlp, test, 100)
      expect(tf.memory().numTensors).toBe(start)
    }
    expect(start).toBe(before.tensors + mlp.model.getWeights().length)
  })
})
