/**
 * Robustness over a dataset on tiny models whose answers are known: one invariant to wrap-around
 * shifts by construction (pointwise conv, then a global average), one that reads a position.
 */
import * as tf from '@tensorflow/tfjs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildModel } from '../../src-main/engine/model/build-model'
import { Engine } from '../../src-main/engine/engine'
import { saveModel, type LoadedModel } from '../../src-main/engine/model/model-io'
import type { EngineEvent, EngineResult } from '../../src-main/engine/process/protocol'
import { shiftRobustness } from '../../src-main/engine/robustness'
import type { Dataset } from '../../src-main/shared/dataset'
import { ModelSpec } from '../../src-main/shared/layers'
import { mulberry32 } from '../../src-main/shared/rng'
import { accuracyOf, consistencyOf, robustnessCurves, shiftOffsets } from '../../src-main/shared/robustness'

describe('the metrics by hand', () => {
  it('accuracy and consistency are shares of agreeing predictions', () => {
    expect(accuracyOf([0, 1, 2, 2], [0, 1, 1, 2])).toBe(0.75)
    // Consistency counts agreement with the unshifted answer, right or wrong.
    expect(consistencyOf([1, 1, 2, 0], [1, 0, 2, 0])).toBe(0.75)
    expect(() => accuracyOf([1], [1, 2])).toThrow(/1 predictions for 2 labels/)
  })

  it('shiftOffsets: (0, 0) first, then the cross, or the whole grid', () => {
    expect(shiftOffsets(0, true)).toEqual([{ dx: 0, dy: 0 }])
    expect(shiftOffsets(2, false)).toHaveLength(1 + 8)
    expect(shiftOffsets(2, true)).toHaveLength(25)
    expect(shiftOffsets(2, true)[0]).toEqual({ dx: 0, dy: 0 })
  })

  it('robustnessCurves: curves, grid and the summary', () => {
    const offsets = shiftOffsets(1, true)
    const labels = [0, 1]
    // Right unshifted; shifting by x flips image 1; shifting by y breaks both.
    const predictions = offsets.map(({ dx, dy }) => (dy !== 0 ? [1, 0] : dx !== 0 ? [0, 0] : [0, 1]))
    const c = robustnessCurves(offsets, predictions, labels, 1, true)
    expect(c.x.map((p) => [p.dx, p.accuracy, p.consistency])).toEqual([[-1, 0.5, 0.5], [0, 1, 1], [1, 0.5, 0.5]])
    expect(c.y.map((p) => [p.dy, p.accuracy, p.consistency])).toEqual([[-1, 0, 0], [0, 1, 1], [1, 0, 0]])
    expect(c.grid).toHaveLength(9)
    expect(c.grid![4]).toMatchObject({ dx: 0, dy: 0, accuracy: 1 })
    expect(c.summary).toEqual({ accuracyAt0: 1, worstAccuracy: 0, meanConsistency: 0.25 })
    expect(robustnessCurves(shiftOffsets(1, false), predictions.slice(0, 5), labels, 1, false).grid).toBeUndefined()
  })
})

/** Pointwise conv + global average: a wrap-around shift permutes pixels the average ignores. */
const INVARIANT = ModelSpec.parse({
  name: 'gap',
  inputShape: [1, 6, 6],
  layers: [
    { type: 'conv2d', filters: 3, kernel: 1, activation: 'relu' },
    { type: 'avgpool2d', pool: 6 },
    { type: 'flatten' },
    { type: 'dense', units: 3 }
  ]
})

/** Reads which of 4 pixels is lit: identity weights, no bias. */
const POSITION = ModelSpec.parse({ name: 'where', inputShape: [1, 1, 4], layers: [{ type: 'flatten' }, { type: 'dense', units: 4, useBias: false }] })

function positionModel(): LoadedModel {
  const model = buildModel(POSITION)
  const eye = tf.eye(4)
  model.layers.find((l) => l.name.endsWith('_dense'))!.setWeights([eye])
  eye.dispose()
  return { model, meta: { spec: POSITION, classNames: ['a', 'b', 'c', 'd'] } }
}

const POSITION_DATA: Dataset = {
  name: 'lit pixel',
  shape: [1, 1, 4],
  images: Float32Array.from({ length: 16 }, (_, i) => (i % 5 === 0 ? 1 : 0)),
  labels: Int32Array.from([0, 1, 2, 3]),
  classNames: ['a', 'b', 'c', 'd']
}

describe('shiftRobustness', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu')
  })

  it('a model invariant to wrap-around shifts by construction has consistency 1 everywhere', async () => {
    const model = buildModel(INVARIANT)
    // Features: mean of relu(x), mean of relu(-x), and a constant 0.3; the class is the largest.
    const weights = [tf.tensor4d([1, -1, 0], [1, 1, 1, 3]), tf.tensor1d([0, 0, 0.3]), tf.eye(3), tf.zeros([3])]
    model.getLayer('l0_conv2d').setWeights(weights.slice(0, 2))
    model.getLayer('l3_dense').setWeights(weights.slice(2))
    tf.dispose(weights)
    const random = mulberry32(9)
    const n = 40
    // Each image has a brightness of its own, so the answers differ from image to image.
    const images = new Float32Array(n * 36)
    for (let i = 0; i < n; i++) {
      const brightness = 4 * random() - 2
      for (let j = 0; j < 36; j++) images[i * 36 + j] = brightness * random()
    }
    // Labels are the model's own unshifted answers, so its accuracy is 1 too.
    const own = tf.tidy(() => tf.argMax(model.predict(tf.tensor(images, [n, 1, 6, 6])) as tf.Tensor, -1))
    const labels = Int32Array.from(await own.data())
    own.dispose()
    expect(new Set(labels).size).toBe(3)
    const loaded: LoadedModel = { model, meta: { spec: INVARIANT, classNames: ['a', 'b', 'c'] } }
    const data: Dataset = { name: 'random', shape: [1, 6, 6], images, labels, classNames: ['a', 'b', 'c'] }
    const before = tf.memory().numTensors
    const progress: number[] = []
    const r = await shiftRobustness(loaded, data, { max: 3, mode: 'roll', grid: true }, { onProgress: (done) => progress.push(done) })
    expect(tf.memory().numTensors).toBe(before)
    if (r.status !== 'completed') throw new Error('cancelled')
    expect(r.count).toBe(n)
    expect(progress).toEqual(Array.from({ length: 49 }, (_, i) => i + 1))
    for (const p of [...r.x, ...r.y, ...r.grid!]) expect([p.accuracy, p.consistency]).toEqual([1, 1])
    expect(r.summary).toEqual({ accuracyAt0: 1, worstAccuracy: 1, meanConsistency: 1 })
    model.dispose()
  })

  it('a model that reads a position is right only unshifted along x, and blind to y on a 1-row image', async () => {
    const loaded = positionModel()
    const r = await shiftRobustness(loaded, POSITION_DATA, { max: 2, mode: 'roll', grid: false })
    if (r.status !== 'completed') throw new Error('cancelled')
    expect(r.x.map((p) => p.accuracy)).toEqual([0, 0, 1, 0, 0])
    expect(r.x.map((p) => p.consistency)).toEqual([0, 0, 1, 0, 0])
    expect(r.y.map((p) => p.consistency)).toEqual([1, 1, 1, 1, 1])
    expect(r.summary).toEqual({ accuracyAt0: 1, worstAccuracy: 0, meanConsistency: 0.5 })
    // Zero fill empties the lit pixel of the images pushed off the edge: all-zero scores, class 0.
    const z = await shiftRobustness(loaded, POSITION_DATA, { max: 1, mode: 'zero', grid: false, limit: 2 })
    if (z.status !== 'completed') throw new Error('cancelled')
    expect(z.count).toBe(2)
    expect(z.x.map((p) => p.accuracy)).toEqual([0.5, 1, 0])
    loaded.model.dispose()
  })

  it('stops when cancelled and leaks nothing', async () => {
    const loaded = positionModel()
    const before = tf.memory().numTensors
    let calls = 0
    const r = await shiftRobustness(loaded, POSITION_DATA, { max: 2, mode: 'roll', grid: true }, { cancelled: () => ++calls > 3 })
    expect(r.status).toBe('cancelled')
    expect(tf.memory().numTensors).toBe(before)
    loaded.model.dispose()
  })
})

describe("the engine's model/robustness", () => {
  let engine: Engine
  let root: string
  const events: EngineEvent[] = []

  beforeAll(async () => {
    engine = new Engine({ emit: (e) => events.push(e), backend: 'cpu' })
    await engine.handle('engine/init', { backend: 'cpu' })
    root = await mkdtemp(join(tmpdir(), 'convlab-robust-'))
  })
  afterAll(async () => {
    engine.dispose()
    await rm(root, { recursive: true, force: true })
  })

  it('runs over a data source with progress events, and cancels', async () => {
    const loaded = positionModel()
    const dir = join(root, 'where')
    await saveModel(loaded.model, dir, loaded.meta)
    loaded.model.dispose()
    const toy = { kind: 'toy' as const, images: [0, 1, 2, 3].map((p) => [[0, 1, 2, 3].map((i) => (i === p ? 1 : 0))]), labels: [0, 1, 2, 3], divisor: 1 }
    const r = (await engine.handle('model/robustness', { model: { dir }, data: toy, split: 'train', max: 1, jobId: 'j1' })) as EngineResult<'model/robustness'>
    expect(r.status).toBe('completed')
    if (r.status === 'completed') expect(r.x.map((p) => p.accuracy)).toEqual([0, 1, 0])
    const progress = events.filter((e) => e.event === 'robustness/progress')
    expect(progress.map((e) => e.payload)).toEqual([1, 2, 3, 4, 5].map((done) => ({ jobId: 'j1', done, total: 5 })))
    expect(await engine.handle('robustness/cancel', { jobId: 'j1' })).toEqual({ cancelled: false })
    const running = engine.handle('model/robustness', { model: { dir }, data: toy, split: 'train', max: 8, grid: true, jobId: 'j2' })
    while (!events.some((e) => e.event === 'robustness/progress' && e.payload.jobId === 'j2')) await new Promise((resolve) => setImmediate(resolve))
    expect(await engine.handle('robustness/cancel', { jobId: 'j2' })).toEqual({ cancelled: true })
    expect(((await running) as EngineResult<'model/robustness'>).status).toBe('cancelled')
  })
})
