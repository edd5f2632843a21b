/**
 * The hand-computed forward pass against the real engine (tfjs, through the engine's own
 * 'model/weights' and 'model/activations' handlers) on random weights, layer by layer.
 */
import * as tf from '@tensorflow/tfjs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildModel } from '../../src-main/engine/model/build-model'
import { Engine } from '../../src-main/engine/engine'
import { saveModel } from '../../src-main/engine/model/model-io'
import { mulberry32 } from '../../src-main/shared/rng'
import type { EngineResult } from '../../src-main/engine/process/protocol'
import { compareLayer, forwardPass } from '../../src-main/shared/forward'
import { ModelSpec, type ModelSpecInput } from '../../src-main/shared/layers'
import { getPreset } from '../../src-main/shared/presets'
import { variedStack } from '../fixtures/models/varied-stack'

const STACKS: ModelSpecInput[] = [
  getPreset('seed-toy')!,
  getPreset('seed-cnn')!,
  variedStack({ inputShape: [3, 17, 15], first: { filters: 5, stride: [2, 1] }, secondFilters: 4 }),
  {
    name: 'same-strided',
    inputShape: [2, 9, 7],
    layers: [
      { type: 'conv2d', filters: 3, kernel: 4, stride: 3, padding: 'same', activation: 'relu' },
      { type: 'conv2d', filters: 2, kernel: [2, 3], stride: [1, 2], padding: 'same', activation: 'tanh' },
      { type: 'flatten' },
      { type: 'dense', units: 3 }
    ]
  },
  {
    name: 'same-pools',
    inputShape: [2, 7, 9],
    layers: [
      { type: 'maxpool2d', pool: 3, stride: 2, padding: 'same' },
      { type: 'avgpool2d', pool: 2, padding: 'same' },
      { type: 'avgpool2d', pool: [2, 1], stride: 1, padding: 'same' },
      { type: 'softmax' },
      { type: 'sigmoid' },
      { type: 'flatten' },
      { type: 'dense', units: 2, activation: 'tanh' },
      { type: 'dense', units: 2, activation: 'softmax' }
    ]
  },
  {
    name: 'strided-valid',
    inputShape: [4, 12, 11],
    layers: [
      { type: 'conv2d', filters: 6, kernel: 3, stride: 2 },
      { type: 'relu' },
      { type: 'avgpool2d', pool: 2, stride: 1 },
      { type: 'maxpool2d', pool: [2, 3], stride: [1, 2], padding: [1, 1] },
      { type: 'conv2d', filters: 3, kernel: 1, activation: 'sigmoid' },
      { type: 'flatten' },
      { type: 'dense', units: 5, activation: 'leakyrelu' },
      { type: 'dense', units: 1, activation: 'sigmoid' }
    ]
  },
  {
    name: 'blurpools',
    inputShape: [3, 13, 12],
    layers: [
      { type: 'conv2d', filters: 4, kernel: 3, activation: 'relu' },
      { type: 'blurpool', pool: 2, blur: 5, stride: 2 },
      { type: 'blurpool', pool: 3, blur: 2, stride: 1 },
      { type: 'blurpool' },
      { type: 'flatten' },
      { type: 'dense', units: 3 }
    ]
  },
  {
    name: 'vector',
    inputShape: [12],
    layers: [
      { type: 'dense', units: 8, activation: 'relu' },
      { type: 'batchnorm', epsilon: 1e-3 },
      { type: 'dropout', rate: 0.5 },
      { type: 'dense', units: 6, useBias: false },
      { type: 'leakyrelu', alpha: 0.3 },
      { type: 'dense', units: 3 },
      { type: 'softmax' }
    ]
  }
]

let engine: Engine
let root: string

beforeAll(async () => {
  engine = new Engine({ emit: () => undefined, backend: 'cpu' })
  await engine.handle('engine/init', { backend: 'cpu' })
  root = await mkdtemp(join(tmpdir(), 'convlab-forward-'))
})

afterAll(async () => {
  engine.dispose()
  await rm(root, { recursive: true, force: true })
})

/** PyTorch-style random weights, plus non-trivial BatchNorm statistics. */
async function savedModel(spec: ModelSpec, seed: number): Promise<string> {
  const model = buildModel(spec, { seed })
  const random = mulberry32(seed)
  for (const layer of model.layers.filter((l) => l.name.endsWith('_batchnorm'))) {
    const shapes = layer.getWeights().map((w) => w.shape)
    const values = shapes.map((shape, i) => {
      const n = shape.reduce((a, b) => a * b, 1)
      const v = Float32Array.from({ length: n }, () => (i === 3 ? 0.5 + random() : random() * 2 - 1))
      return tf.tensor(v, shape)
    })
    layer.setWeights(values)
    tf.dispose(values)
  }
  const dir = join(root, `${spec.name}-${seed}`)
  await saveModel(model, dir, { spec, classNames: [] })
  model.dispose()
  return dir
}

describe('the hand-computed forward pass agrees with the engine', () => {
  it.each(STACKS.map((s) => [s.name, ModelSpec.parse(s)] as const))('%s, every layer, to 1e-5', async (_, spec) => {
    const dir = await savedModel(spec, 11)
    const weights = (await engine.handle('model/weights', { model: { dir } })) as EngineResult<'model/weights'>
    const random = mulberry32(5)
    const per = spec.inputShape.reduce((a, b) => a * b, 1)
    const images = [0, 1, 2].map(() => Array.from({ length: per }, () => random() * 2 - 1))
    const before = tf.memory().numTensors
    const act = (await engine.handle('model/activations', {
      model: { dir },
      images: { kind: 'pixels', values: images }
    })) as EngineResult<'model/activations'>
    // The probe model is cached after the first call, so a second call must not add tensors.
    await engine.handle('model/activations', { model: { dir }, images: { kind: 'pixels', values: images } })
    expect(tf.memory().numTensors).toBe(before)

    expect(act.layers).toHaveLength(spec.layers.length)
    let worst = 0
    images.forEach((image, n) => {
      const hand = forwardPass(spec, weights.layers, image)
      hand.forEach((layer, i) => {
        const e = act.layers[i]
        expect(e.shape).toEqual(layer.output.shape)
        const size = layer.output.values.length
        const cmp = compareLayer(layer, e.values.subarray(n * size, (n + 1) * size))
        worst = Math.max(worst, cmp.maxDiff)
      })
    })
    expect(worst).toBeLessThan(1e-5)
  })

  it('reads images from a dataset with their labels', async () => {
    const spec = ModelSpec.parse(getPreset('seed-toy')!)
    const dir = await savedModel(spec, 3)
    const act = (await engine.handle('model/activations', {
      model: { dir },
      images: { kind: 'dataset', data: { kind: 'toy' }, split: 'train', indices: [1, 0] }
    })) as EngineResult<'model/activations'>
    expect(act.labels).toEqual([1, 0])
    expect(Array.from(act.inputs.subarray(0, 4))).toEqual([-1 / 8, 2 / 8, 3 / 8, -4 / 8])
    // The Learn view trains on the samples as the student edited them.
    const edited = (await engine.handle('model/activations', {
      model: { dir },
      images: { kind: 'dataset', data: { kind: 'toy', images: [Array.from({ length: 4 }, () => [8, 0, 0, 16])], labels: [1], divisor: 8 }, indices: [0] }
    })) as EngineResult<'model/activations'>
    expect(Array.from(edited.inputs.subarray(0, 4))).toEqual([1, 0, 0, 2])
    expect(edited.labels).toEqual([1])
    await expect(
      engine.handle('model/activations', { model: { dir }, images: { kind: 'dataset', data: { kind: 'toy' }, indices: [5] } })
    ).rejects.toThrow(/out of range/)
    await expect(engine.handle('model/activations', { model: { dir }, images: { kind: 'pixels', values: [[1, 2]] } })).rejects.toThrow(
      /expects 16/
    )
  })
})
