import { describe, expect, test } from 'vitest'
import { ModelSpec } from '../../src-main/shared/layers'
import { PRESET_NAMES, getPreset, isPresetName } from '../../src-main/shared/presets'
import { describeHead, inferShapes, lossFor, outputKind } from '../../src-main/shared/shapes'
import seedCnnJson from '../../resources/presets/seed-cnn.json'
import seedMlpJson from '../../resources/presets/seed-mlp.json'
import seedToyJson from '../../resources/presets/seed-toy.json'

function preset(name: string): ModelSpec {
  const spec = getPreset(name)
  if (!spec) throw new Error(`no preset ${name}`)
  return spec
}

describe('the preset registry', () => {
  test('names', () => {
    expect(PRESET_NAMES).toEqual(['seed-mlp', 'seed-cnn', 'seed-toy'])
    for (const name of PRESET_NAMES) expect(isPresetName(name)).toBe(true)
    expect(isPresetName('seed-rnn')).toBe(false)
  })

  test('an unknown name gives undefined, so callers can try a file instead', () => {
    expect(getPreset('seed-rnn')).toBeUndefined()
    expect(getPreset('')).toBeUndefined()
    expect(getPreset('toString')).toBeUndefined()
  })

  test('each preset is a fully parsed ModelSpec named after its file, citing the tutorial', () => {
    for (const name of PRESET_NAMES) {
      const spec = preset(name)
      expect(ModelSpec.parse(spec)).toEqual(spec)
      expect(spec.name).toBe(name)
      expect(spec.description).toMatch(/tutorial/)
    }
    // Parsing fills the defaults the JSON leaves out.
    expect(preset('seed-cnn').layers[0]).toEqual({
      type: 'conv2d',
      filters: 64,
      kernel: 3,
      stride: 1,
      padding: 'valid',
      activation: 'linear',
      useBias: true
    })
  })

  test('the JSON files hold only fields the schema knows', () => {
    const raw = { 'seed-mlp': seedMlpJson, 'seed-cnn': seedCnnJson, 'seed-toy': seedToyJson }
    for (const [name, json] of Object.entries(raw)) {
      const parsed = preset(name)
      expect(Object.keys(json).sort()).toEqual(Object.keys(parsed).sort())
      json.layers.forEach((layer, i) => {
        for (const key of Object.keys(layer)) expect(parsed.layers[i]).toHaveProperty(key)
      })
    }
  })

  test('every call returns a fresh copy', () => {
    const a = preset('seed-cnn')
    a.layers.pop()
    a.inputShape[1] = 99
    const b = preset('seed-cnn')
    expect(b.layers).toHaveLength(10)
    expect(b.inputShape).toEqual([1, 28, 28])
  })
})

describe('the presets as the tutorial defines them', () => {
  test('seed-mlp: Flatten, Linear(784, 1000), ReLU, Linear(1000, 10) = 795,010 params', () => {
    const r = inferShapes(preset('seed-mlp'))
    expect(r.error).toBeUndefined()
    expect(r.rows.map((x) => [x.name, x.outputShape, x.params])).toEqual([
      ['Flatten-1', [784], 0],
      ['Linear-2', [1000], 785_000],
      ['ReLU-3', [1000], 0],
      ['Linear-4', [10], 10_010]
    ])
    expect(r.totals.params).toBe(795_010)
    expect(r.totals.macs).toBe(794_000)
  })

  test('seed-cnn: 640 + 73,856 + 819,456 + 2,570 = 896,522 params, 3,200 features into Linear', () => {
    const r = inferShapes(preset('seed-cnn'))
    expect(r.error).toBeUndefined()
    expect(r.rows.filter((x) => x.params > 0).map((x) => [x.name, x.params])).toEqual([
      ['Conv2d-1', 640],
      ['Conv2d-4', 73_856],
      ['Linear-8', 819_456],
      ['Linear-10', 2_570]
    ])
    expect(r.rows[7].inputShape).toEqual([3200])
    expect(r.totals).toMatchObject({ params: 896_522, trainableParams: 896_522, nonTrainableParams: 0 })
  })

  test('seed-toy: Conv2d(1,1,3) MaxPool2d(2) ReLU Flatten Linear(1,1) Sigmoid = 12 params', () => {
    const r = inferShapes(preset('seed-toy'))
    expect(r.error).toBeUndefined()
    expect(r.rows.map((x) => [x.name, x.outputShape, x.params])).toEqual([
      ['Conv2d-1', [1, 2, 2], 10],
      ['MaxPool2d-2', [1, 1, 1], 0],
      ['ReLU-3', [1, 1, 1], 0],
      ['Flatten-4', [1], 0],
      ['Linear-5', [1], 2],
      ['Sigmoid-6', [1], 0]
    ])
    expect(r.totals.params).toBe(12)
    // 9 weights at each of 2x2 positions, then the 1x1 linear weight.
    expect(r.totals.macs).toBe(37)
  })

  test('losses: logits for the Fashion-MNIST nets, binary cross-entropy for the toy', () => {
    for (const name of ['seed-mlp', 'seed-cnn']) {
      expect(lossFor(preset(name))).toBe('softmax-crossentropy')
      expect(outputKind(preset(name))).toBe('logits')
      expect(describeHead(preset(name))).toMatchObject({ classes: 10 })
    }
    expect(lossFor(preset('seed-toy'))).toBe('binary-crossentropy')
    expect(outputKind(preset('seed-toy'))).toBe('sigmoid')
    expect(describeHead(preset('seed-toy'))).toMatchObject({ classes: 2 })
  })
})
