import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../src-main/engine/backends'
import { buildModel, layerName, trainableParams } from '../../src-main/engine/model/build-model'
import { ModelSpec, type ModelSpecInput } from '../../src-main/shared/layers'
import { getPreset, PRESET_NAMES } from '../../src-main/shared/presets'
import { inferShapes } from '../../src-main/shared/shapes'
import { variedStack } from '../fixtures/models/varied-stack'

function preset(name: string): ModelSpec {
  const spec = getPreset(name)
  if (!spec) throw new Error(`no preset ${name}`)
  return spec
}

beforeAll(async () => {
  await initBackend({ force: 'cpu' })
})

const EXTRA: ModelSpecInput[] = [
  variedStack({ inputShape: [3, 32, 32], first: { filters: 8, stride: 2 }, secondFilters: 6 }),
  { name: 'vector-input', inputShape: [10], layers: [{ type: 'dense', units: 7, activation: 'tanh' }, { type: 'dense', units: 1 }] },
  { name: 'strided-same', inputShape: [2, 9, 7], layers: [{ type: 'conv2d', filters: 3, kernel: 4, stride: 3, padding: 'same' }, { type: 'flatten' }, { type: 'dense', units: 3 }] }
]

function outputShapes(spec: ModelSpec): number[] {
  return inferShapes(spec).outputShape
}

describe('buildModel', () => {
  const specs = [...PRESET_NAMES.map((n) => preset(n)), ...EXTRA.map((s) => ModelSpec.parse(s))]

  it.each(specs.map((s) => [s.name, s] as const))('%s has the parameter count and output shape inferShapes reports', (_, spec) => {
    const model = buildModel(spec, { seed: 1 })
    try {
      const report = inferShapes(spec)
      expect(report.error).toBeUndefined()
      expect(trainableParams(model)).toBe(report.totals.trainableParams)
      expect(model.outputs[0].shape.slice(1)).toEqual(outputShapes(spec))
      const out = tf.tidy(() => model.predict(tf.zeros([2, ...spec.inputShape])) as tf.Tensor)
      expect(out.shape).toEqual([2, ...outputShapes(spec)])
      out.dispose()
    } finally {
      model.dispose()
    }
  })

  it('matches the tutorial presets: 12, 795,010 and 896,522 parameters', () => {
    for (const [name, params] of [['seed-toy', 12], ['seed-mlp', 795_010], ['seed-cnn', 896_522]] as const) {
      const model = buildModel(preset(name))
      expect(trainableParams(model)).toBe(params)
      model.dispose()
    }
  })

  it('initialises weights and biases like PyTorch: U(-1/sqrt(fan_in), 1/sqrt(fan_in)), seeded', async () => {
    const spec = preset('seed-cnn')
    const a = buildModel(spec, { seed: 7 })
    const b = buildModel(spec, { seed: 7 })
    const c = buildModel(spec, { seed: 8 })
    try {
      const fanIns: Record<string, number> = { l0_conv2d: 9, l3_conv2d: 64 * 9, l7_dense: 3200, l9_dense: 256 }
      for (const [name, fanIn] of Object.entries(fanIns)) {
        const bound = 1 / Math.sqrt(fanIn)
        for (const w of a.getLayer(name).getWeights()) {
          const v = await w.data()
          const max = Array.from(v as Float32Array).reduce((m, x) => Math.max(m, Math.abs(x)), 0)
          expect(max).toBeLessThanOrEqual(bound * (1 + 1e-6))
          if (v.length > 100) expect(max).toBeGreaterThan(bound * 0.9)
        }
      }
      const wa = await a.getLayer('l7_dense').getWeights()[0].data()
      const wb = await b.getLayer('l7_dense').getWeights()[0].data()
      const wc = await c.getLayer('l7_dense').getWeights()[0].data()
      expect(Array.from(wa.subarray(0, 50))).toEqual(Array.from(wb.subarray(0, 50)))
      expect(Array.from(wa.subarray(0, 50))).not.toEqual(Array.from(wc.subarray(0, 50)))
    } finally {
      tf.dispose([a, b, c].map((m) => m.getWeights()).flat())
    }
  })

  it('takes channels-first input and flattens in PyTorch (C-major) order', async () => {
    // Two channels of 2x2: flatten must give channel 0's four values, then channel 1's.
    const spec = ModelSpec.parse({ name: 'f', inputShape: [2, 2, 2], layers: [{ type: 'flatten' }] })
    const model = buildModel(spec)
    const x = tf.tensor([1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 2, 2])
    const y = model.predict(x) as tf.Tensor
    expect(Array.from(await y.data())).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
    tf.dispose([x, y])
    model.dispose()
  })

  it('pads max pooling with -inf (a padded cell never wins) and average pooling with zeros', async () => {
    const neg = tf.fill([1, 1, 2, 2], -1)
    for (const [type, expected] of [['maxpool2d', [-1, -1, -1, -1]], ['avgpool2d', [-0.25, -0.25, -0.25, -0.25]]] as const) {
      const model = buildModel({ name: type, inputShape: [1, 2, 2], layers: [{ type, pool: 2, stride: 1, padding: 1 }] })
      const y = model.predict(neg) as tf.Tensor
      expect(y.shape).toEqual([1, 3, 3, 1])
      const v = Array.from(await y.data())
      expect([v[0], v[2], v[6], v[8]]).toEqual(expected)
      y.dispose()
      model.dispose()
    }
    neg.dispose()
  })

  it('names layers by spec index and converts BatchNorm momentum from PyTorch', () => {
    const spec = ModelSpec.parse(EXTRA[0])
    const model = buildModel(spec)
    expect(layerName(1, 'batchnorm')).toBe('l1_batchnorm')
    const bn = model.getLayer('l1_batchnorm').getConfig() as { momentum: number }
    expect(bn.momentum).toBeCloseTo(0.8)
    model.dispose()
  })

  describe('dropout', () => {
    const spec = ModelSpec.parse({ name: 'drop', inputShape: [64], layers: [{ type: 'dropout', rate: 0.5 }] })
    const masks = (model: tf.LayersModel, calls: number): number[][] =>
      Array.from({ length: calls }, () => tf.tidy(() => Array.from((model.apply(tf.ones([1, 64]), { training: true }) as tf.Tensor).dataSync())))

    it('draws a new mask at every training step, scaling kept values by 1 / (1 - rate)', () => {
      const model = buildModel(spec, { seed: 3 })
      const [a, b] = masks(model, 2)
      expect(a).not.toEqual(b)
      expect(new Set([...a, ...b])).toEqual(new Set([0, 2]))
      model.dispose()
    })

    it('repeats the same masks for the same seed, and is the identity at inference', () => {
      const [first, again] = [buildModel(spec, { seed: 3 }), buildModel(spec, { seed: 3 })]
      expect(masks(again, 3)).toEqual(masks(first, 3))
      const out = tf.tidy(() => Array.from((first.predict(tf.ones([1, 64])) as tf.Tensor).dataSync()))
      expect(out).toEqual(new Array(64).fill(1))
      first.dispose()
      again.dispose()
    })

    it('survives saving and loading', async () => {
      const model = buildModel(spec, { seed: 3 })
      let saved: tf.io.ModelArtifacts | undefined
      await model.save(tf.io.withSaveHandler(async (artifacts) => {
        saved = artifacts
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }
      }))
      const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved as tf.io.ModelArtifacts))
      expect(loaded.getLayer(layerName(0, 'dropout')).getConfig()).toMatchObject({ rate: 0.5, seed: expect.any(Number) })
      expect(masks(loaded, 1)[0]).toContain(0)
      model.dispose()
      loaded.dispose()
    })
  })

  it('refuses an impossible stack with inferShapes\' message', () => {
    expect(() => buildModel({ name: 'bad', inputShape: [1, 2, 2], layers: [{ type: 'conv2d', filters: 1, kernel: 3 }] })).toThrow(/larger than/)
  })
})
