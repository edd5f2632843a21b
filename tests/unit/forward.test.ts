import { describe, expect, it } from 'vitest'
import { activate, compareLayer, forwardPass, largestDifference, VERIFY_TOLERANCE, type HandLayerWeights } from '../../src-main/shared/forward'
import { convolutionSteps, outputSize, parameterComparison, poolSteps } from '../../src-main/shared/learn-steps'
import { getPreset } from '../../src-main/shared/presets'
import { axisPadding } from '../../src-main/shared/windows'
import { ModelSpec, type ModelSpecInput } from '../../src-main/shared/layers'

const spec = (s: ModelSpecInput): ModelSpec => ModelSpec.parse(s)
const flat = (v: ArrayLike<number>): number[] => Array.from(v)

/** The tutorial's first toy image, divided by 8. */
const TOY = [
  [1, 2, 3, 4],
  [2, 3, 4, 5],
  [5, 6, 7, 8],
  [1, 3, 4, 5]
]

describe('outputSize and padding', () => {
  it('applies floor((in + pads - k) / s) + 1', () => {
    expect(outputSize(4, 3, 1, 'valid')).toMatchObject({ output: 2, formula: 'floor((4 + 0 + 0 - 3) / 1) + 1 = 2' })
    expect(outputSize(5, 3, 2, 1).output).toBe(3)
    expect(outputSize(112, 2, 1, 'valid').output).toBe(111)
    expect(outputSize(100, 2, 2, 'valid').output).toBe(50)
    expect(outputSize(2, 3, 1, 'valid').output).toBe(0)
  })

  it("pads 'same' like TensorFlow: ceil(in / s) outputs, the odd extra cell at the end", () => {
    expect(axisPadding(4, 3, 1, 'same')).toEqual([1, 1])
    expect(axisPadding(4, 2, 1, 'same')).toEqual([0, 1])
    expect(axisPadding(5, 4, 2, 'same')).toEqual([1, 2])
    expect(axisPadding(6, 1, 2, 'same')).toEqual([0, 0])
    for (const [n, k, s] of [[4, 3, 1], [7, 4, 3], [9, 2, 2], [5, 5, 2]]) {
      expect(outputSize(n, k, s, 'same').output).toBe(Math.ceil(n / s))
    }
  })
})

describe('convolutionSteps', () => {
  const ones3 = [[[1, 1, 1], [1, 1, 1], [1, 1, 1]]]

  it('walks every 3x3 window of a 4x4 input: four sums of nine products, plus the bias', () => {
    const r = convolutionSteps([TOY], [ones3], [0.5], 1, 'valid')
    expect([r.outH, r.outW]).toEqual([2, 2])
    expect(r.steps).toHaveLength(4)
    const first = r.steps[0]
    expect(first.products).toHaveLength(9)
    expect(first.products.map((p) => p.product)).toEqual([1, 2, 3, 2, 3, 4, 5, 6, 7])
    expect(first.sum).toBe(33)
    expect(first.output).toBe(33.5)
    expect(r.output).toEqual([[[33.5, 42.5], [35.5, 45.5]]])
    expect(r.steps.map((s) => [s.top, s.left])).toEqual([[0, 0], [0, 1], [1, 0], [1, 1]])
  })

  it('skips positions with stride 2', () => {
    const input = [Array.from({ length: 5 }, (_, y) => Array.from({ length: 5 }, (_, x) => y * 5 + x))]
    const r = convolutionSteps(input, [ones3], [0], 2, 'valid')
    expect([r.outH, r.outW]).toEqual([2, 2])
    expect(r.steps.map((s) => [s.top, s.left])).toEqual([[0, 0], [0, 2], [2, 0], [2, 2]])
    expect(r.output[0][0][1]).toBe([2, 3, 4, 7, 8, 9, 12, 13, 14].reduce((a, b) => a + b))
  })

  it('pads with zeros and marks the padded cells', () => {
    const r = convolutionSteps([TOY], [ones3], [0], 1, 1)
    expect([r.outH, r.outW]).toEqual([4, 4])
    const corner = r.steps[0]
    expect(corner.products.filter((p) => p.padded)).toHaveLength(5)
    expect(corner.sum).toBe(1 + 2 + 2 + 3)
    const same = convolutionSteps([TOY], [ones3], [0], 1, 'same')
    expect(same.output).toEqual(r.output)
    expect(same.pads).toEqual({ top: 1, bottom: 1, left: 1, right: 1 })
  })

  it('sums over every input channel: one filter gives one channel, N filters give N', () => {
    const a = [[1, 2], [3, 4]]
    const b = [[10, 20], [30, 40]]
    const f1 = [[[1, 0], [0, 0]], [[0, 0], [0, 1]]]
    const f2 = [[[1, 1], [1, 1]], [[-1, -1], [-1, -1]]]
    const r = convolutionSteps([a, b], [f1, f2, f1], [0, 1, 2], 1, 'valid')
    expect(r.output).toEqual([[[1 + 40]], [[10 - 100 + 1]], [[43]]])
    expect(r.steps[0].products).toHaveLength(8)
    expect(r.steps.map((s) => s.filter)).toEqual([0, 1, 2])
  })

  it('refuses a filter whose channels differ from the input', () => {
    expect(() => convolutionSteps([TOY, TOY], [ones3], [0], 1, 'valid')).toThrow(/2 channels/)
  })
})

describe('poolSteps', () => {
  const m = [
    [1, 5, 2, 0],
    [3, 4, 8, 1],
    [0, 2, 6, 7],
    [9, 1, 3, 5]
  ]

  it('max pooling 2x2 stride 2 keeps the largest of each block and says which', () => {
    const r = poolSteps(m, 'max', 2)
    expect(r.output).toEqual([[5, 8], [9, 7]])
    expect(r.steps.map((s) => s.kept)).toEqual([1, 2, 2, 1])
  })

  it('average pooling keeps the mean', () => {
    expect(poolSteps(m, 'avg', 2).output).toEqual([[13 / 4, 11 / 4], [12 / 4, 21 / 4]])
  })

  it('overlapping windows with stride 1', () => {
    const r = poolSteps(m, 'max', 2, 1)
    expect([r.outH, r.outW]).toEqual([3, 3])
    expect(r.output[1]).toEqual([4, 8, 8])
  })

  it("explicit padding: -inf for max, zeros counted for avg; 'same' leaves padded cells out", () => {
    const neg = [[-1, -2], [-3, -4]]
    expect(poolSteps(neg, 'max', 2, 2, 1).output).toEqual([[-1, -2], [-3, -4]])
    expect(poolSteps(neg, 'avg', 2, 2, 1).output).toEqual([[-0.25, -0.5], [-0.75, -1]])
    expect(poolSteps(m, 'avg', 3, 2, 'same').output[1][1]).toBeCloseTo((6 + 7 + 3 + 5) / 4)
  })
})

describe('activations', () => {
  it.each([
    ['relu', -2, 0],
    ['relu', 3, 3],
    ['leakyrelu', -2, -0.02],
    ['sigmoid', 0, 0.5],
    ['tanh', 0.5, Math.tanh(0.5)],
    ['linear', -7, -7]
  ] as const)('%s(%d) = %d', (name, x, y) => {
    expect(activate(name, x)).toBeCloseTo(y, 12)
  })

  it('sigmoid is finite at the extremes', () => {
    expect(activate('sigmoid', -1000)).toBe(0)
    expect(activate('sigmoid', 1000)).toBe(1)
  })
})

function w(index: number, tensors: Record<string, number[]>): HandLayerWeights {
  return {
    index,
    tensors: Object.entries(tensors).map(([name, values]) => ({
      name: name as HandLayerWeights['tensors'][number]['name'],
      shape: [values.length],
      values
    }))
  }
}

describe('forwardPass', () => {
  it("computes the tutorial's toy net step by step: conv, max pool, ReLU, flatten, linear, sigmoid", () => {
    // Conv2d(1, 1, 3) -> MaxPool2d(2) -> ReLU -> Flatten -> Linear(1, 1) -> Sigmoid.
    const toy = getPreset('seed-toy')!
    const filter = [0.1, -0.2, 0.3, 0, 0.5, -0.1, 0.2, 0.1, -0.3]
    const weights = [w(0, { weight: filter, bias: [0.05] }), w(4, { weight: [2], bias: [-1] })]
    const input = TOY.flat().map((v) => v / 8)
    const out = forwardPass(toy, weights, input)
    expect(out.map((o) => o.name)).toEqual(['Conv2d-1', 'MaxPool2d-2', 'ReLU-3', 'Flatten-4', 'Linear-5', 'Sigmoid-6'])
    const steps = convolutionSteps([TOY.map((r) => r.map((v) => v / 8))], [[[filter.slice(0, 3), filter.slice(3, 6), filter.slice(6)]]], [0.05], 1, 'valid')
    expect(flat(out[0].output.values)).toEqual(steps.output[0].flat())
    expect(out[0].output.shape).toEqual([1, 2, 2])
    const max = Math.max(...steps.output[0].flat())
    expect(out[1].output.values[0]).toBe(max)
    expect(out[2].output.values[0]).toBe(Math.max(max, 0))
    expect(out[3].output.shape).toEqual([1])
    expect(out[4].output.values[0]).toBeCloseTo(2 * Math.max(max, 0) - 1, 12)
    expect(out[5].output.values[0]).toBeCloseTo(1 / (1 + Math.exp(-(2 * Math.max(max, 0) - 1))), 12)
  })

  it('flattens channels first (PyTorch order) and applies Linear as W x + b with W [out, in]', () => {
    const s = spec({ name: 'f', inputShape: [2, 1, 2], layers: [{ type: 'flatten' }, { type: 'dense', units: 2 }] })
    const out = forwardPass(s, [w(1, { weight: [1, 0, 0, 0, 0, 0, 1, 10], bias: [0, 1] })], [1, 2, 3, 4])
    expect(flat(out[0].output.values)).toEqual([1, 2, 3, 4])
    expect(flat(out[1].output.values)).toEqual([1, 3 + 40 + 1])
  })

  it('keeps the pre-activation of a fused activation; LeakyReLU uses its alpha', () => {
    const s = spec({
      name: 'a',
      inputShape: [2],
      layers: [{ type: 'dense', units: 2, activation: 'leakyrelu', useBias: false }, { type: 'leakyrelu', alpha: 0.5 }, { type: 'tanh' }]
    })
    const out = forwardPass(s, [w(0, { weight: [1, 0, 0, -1] })], [3, 4])
    expect(flat(out[0].preActivation!.values)).toEqual([3, -4])
    expect(out[0].output.values[1]).toBeCloseTo(-0.04)
    expect(out[1].output.values[1]).toBeCloseTo(-0.02)
    expect(out[2].output.values[0]).toBeCloseTo(Math.tanh(3))
  })

  it('softmax over a vector sums to 1 and over an image runs across channels', () => {
    const v = forwardPass(spec({ name: 's', inputShape: [3], layers: [{ type: 'softmax' }] }), [], [1, 2, 3])
    const e = [1, 2, 3].map(Math.exp)
    expect(flat(v[0].output.values)).toEqual(e.map((x) => x / (e[0] + e[1] + e[2])).map((x) => expect.closeTo(x, 12)))
    const img = forwardPass(spec({ name: 's', inputShape: [2, 1, 2], layers: [{ type: 'softmax' }] }), [], [0, 5, 0, 5])
    expect(flat(img[0].output.values)).toEqual([0.5, 0.5, 0.5, 0.5])
  })

  it('batchnorm uses running statistics; dropout is identity at inference', () => {
    const s = spec({ name: 'b', inputShape: [2, 1, 1], layers: [{ type: 'batchnorm', epsilon: 1e-12 }, { type: 'dropout', rate: 0.5 }] })
    const out = forwardPass(s, [w(0, { weight: [2, 1], bias: [0, 1], running_mean: [1, 0], running_var: [4, 1] })], [3, 5])
    expect(flat(out[0].output.values)).toEqual([expect.closeTo(2, 9), expect.closeTo(6, 9)])
    expect(out[1].output.values).toBe(out[0].output.values)
  })

  it('conv: stride, explicit padding, several channels and filters, no bias', () => {
    const s = spec({
      name: 'c',
      inputShape: [2, 3, 3],
      layers: [{ type: 'conv2d', filters: 2, kernel: 2, stride: 2, padding: 1, useBias: false }]
    })
    const input = Array.from({ length: 18 }, (_, i) => i + 1)
    const filters = Array.from({ length: 16 }, (_, i) => (i % 3) - 1)
    const out = forwardPass(s, [w(0, { weight: filters })], input)
    const vol = [0, 1].map((c) => [0, 1, 2].map((y) => [0, 1, 2].map((x) => input[c * 9 + y * 3 + x])))
    const f4 = [0, 1].map((o) => [0, 1].map((c) => [0, 1].map((ky) => [0, 1].map((kx) => filters[((o * 2 + c) * 2 + ky) * 2 + kx]))))
    const steps = convolutionSteps(vol, f4, [0, 0], 2, 1)
    expect(out[0].output.shape).toEqual([2, 2, 2])
    expect(flat(out[0].output.values)).toEqual(steps.output.flat(2))
  })

  it('pools agree with poolSteps per channel', () => {
    const s = spec({ name: 'p', inputShape: [2, 4, 4], layers: [{ type: 'avgpool2d', pool: 3, stride: 1, padding: 1 }] })
    const input = Array.from({ length: 32 }, (_, i) => Math.sin(i))
    const out = forwardPass(s, [], input)
    const ch = (c: number) => [0, 1, 2, 3].map((y) => [0, 1, 2, 3].map((x) => input[c * 16 + y * 4 + x]))
    expect(flat(out[0].output.values)).toEqual([...poolSteps(ch(0), 'avg', 3, 1, 1).output.flat(), ...poolSteps(ch(1), 'avg', 3, 1, 1).output.flat()])
  })

  it('blurpool: max at stride 1, then the binomial blur with reflection, subsampled', () => {
    const s = spec({ name: 'b', inputShape: [1, 4, 4], layers: [{ type: 'blurpool', pool: 2, blur: 2, stride: 2 }] })
    // Max 2x2 at stride 1 gives [[3,4,5],[6,7,8],[6,7,8]]; the [1/2, 1/2] blur pads one reflected
    // row and column after (row 3 -> row 1, column 3 -> column 1) and is read every 2 pixels.
    const out = forwardPass(s, [], TOY.flat())
    expect(out[0].name).toBe('BlurPool2d-1')
    expect(out[0].output.shape).toEqual([1, 2, 2])
    expect(flat(out[0].output.values)).toEqual([(3 + 4 + 6 + 7) / 4, (5 + 4 + 8 + 7) / 4, (6 + 7 + 6 + 7) / 4, (8 + 7 + 8 + 7) / 4])
  })

  it('blurpool: a blur of 3 spreads a point as [1,2,1] x [1,2,1] / 16, reflecting at the border', () => {
    const blur = (size: number, b: 3 | 5) => spec({ name: 'b', inputShape: [1, size, size], layers: [{ type: 'blurpool', pool: 1, blur: b, stride: 1 }] })
    const point = forwardPass(blur(5, 3), [], [...new Array<number>(12).fill(0), 16, ...new Array<number>(12).fill(0)])
    expect(flat(point[0].output.values)).toEqual([0, 0, 0, 0, 0, 0, 1, 2, 1, 0, 0, 2, 4, 2, 0, 0, 1, 2, 1, 0, 0, 0, 0, 0, 0])
    // On a 3x3 map every window reflects row/column -1 to 1 and 3 to 1, so every one sees the
    // centre at weight 1/4 (zero padding would give the corners 1/16).
    expect(flat(forwardPass(blur(3, 3), [], [0, 0, 0, 0, 16, 0, 0, 0, 0])[0].output.values)).toEqual(Array(9).fill(4))
    const corner = forwardPass(blur(3, 3), [], [16, 0, 0, 0, 0, 0, 0, 0, 0])
    expect(flat(corner[0].output.values)).toEqual([4, 2, 0, 2, 1, 0, 0, 0, 0])
    const five = forwardPass(blur(5, 5), [], [...new Array<number>(12).fill(0), 256, ...new Array<number>(12).fill(0)])
    // [1,4,6,4,1] / 16 along the middle row; the edge columns also see the point reflected.
    expect(flat(five[0].output.values).slice(10, 15)).toEqual([6 + 6, 24, 36, 24, 6 + 6])
  })

  it('names the layer whose weights are missing or the wrong size', () => {
    const s = spec({ name: 'm', inputShape: [4], layers: [{ type: 'dense', units: 2 }] })
    expect(() => forwardPass(s, [], [1, 2, 3, 4])).toThrow(/Linear-1: missing weight/)
    expect(() => forwardPass(s, [w(0, { weight: [1], bias: [0, 0] })], [1, 2, 3, 4])).toThrow(/Linear-1: weight has 1 values, expected 8/)
    expect(() => forwardPass(s, [], [1, 2])).toThrow(/expects 4/)
  })
})

describe('compareLayer and parameterComparison', () => {
  it('reports the largest difference and treats NaN as disagreement', () => {
    const hand = { index: 0, type: 'relu' as const, name: 'ReLU-1', output: { shape: [3], values: Float64Array.from([1, 2, 3]) } }
    expect(compareLayer(hand, [1, 2.5, 3])).toMatchObject({ maxDiff: 0.5, at: 1 })
    expect(compareLayer(hand, [1, NaN, 3]).maxDiff).toBe(Infinity)
    expect(() => compareLayer(hand, [1])).toThrow(/1 values/)
  })

  it('largestDifference is the one measure: the first worst offset, NaN never within VERIFY_TOLERANCE', () => {
    expect(largestDifference([0, 0, 0, 0], [0, -3, 3, 1])).toEqual({ maxDiff: 3, at: 1 })
    expect(largestDifference([0, 0], [VERIFY_TOLERANCE / 2, 0]).maxDiff).toBeLessThan(VERIFY_TOLERANCE)
    expect(largestDifference([0, 0], [0, VERIFY_TOLERANCE * 2]).maxDiff).not.toBeLessThan(VERIFY_TOLERANCE)
    expect(largestDifference([0, 1], [NaN, 1])).toEqual({ maxDiff: Infinity, at: 0 })
  })

  it("gives the tutorial's ~90 million weights for 300x300 -> 1,000 units", () => {
    const r = parameterComparison([1, 300, 300], 1000, { filters: 1000, kernel: 3 })
    expect(r.dense).toBe(90_001_000)
    expect(r.conv).toBe(10_000)
  })
})
