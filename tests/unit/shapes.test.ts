import { describe, expect, test } from 'vitest'
import { ModelSpec, type LayerSpecInput, type ModelSpecInput } from '../../src-main/shared/layers'
import { describeHead, inferShapes, lossFor, outputKind, type ShapeReport } from '../../src-main/shared/shapes'

function model(inputShape: ModelSpecInput['inputShape'], layers: LayerSpecInput[]): ModelSpec {
  return ModelSpec.parse({ name: 'test', inputShape, layers })
}

function shapes(inputShape: ModelSpecInput['inputShape'], layers: LayerSpecInput[]): ShapeReport {
  return inferShapes(model(inputShape, layers))
}

function outShape(inputShape: ModelSpecInput['inputShape'], layer: LayerSpecInput): number[] {
  const r = shapes(inputShape, [layer])
  expect(r.error).toBeUndefined()
  return r.rows[0].outputShape
}

function failure(inputShape: ModelSpecInput['inputShape'], layers: LayerSpecInput[]) {
  const r = shapes(inputShape, layers)
  if (!r.error) throw new Error('expected a shape error')
  return { ...r.error, rows: r.rows }
}

const SEED_CNN: LayerSpecInput[] = [
  { type: 'conv2d', filters: 64, kernel: 3 },
  { type: 'maxpool2d', pool: 2 },
  { type: 'relu' },
  { type: 'conv2d', filters: 128, kernel: 3 },
  { type: 'maxpool2d', pool: 2 },
  { type: 'relu' },
  { type: 'flatten' },
  { type: 'dense', units: 256 },
  { type: 'relu' },
  { type: 'dense', units: 10 }
]

describe('empty stack', () => {
  test('an image passes through unchanged', () => {
    const r = shapes([3, 8, 8], [])
    expect(r.error).toBeUndefined()
    expect(r.rows).toEqual([])
    expect(r.outputShape).toEqual([3, 8, 8])
    expect(r.totals).toEqual({ params: 0, trainableParams: 0, nonTrainableParams: 0, macs: 0 })
  })

  test('a vector passes through unchanged', () => {
    expect(shapes([5], []).outputShape).toEqual([5])
  })
})

describe('conv2d', () => {
  test('valid padding: out = in - k + 1, params = out*(in_c*k*k) + bias, MACs per output cell', () => {
    const r = shapes([3, 32, 32], [{ type: 'conv2d', filters: 16, kernel: 3 }])
    expect(r.rows[0]).toMatchObject({
      index: 0,
      type: 'conv2d',
      torchType: 'Conv2d',
      name: 'Conv2d-1',
      inputShape: [3, 32, 32],
      outputShape: [16, 30, 30],
      params: 16 * 27 + 16,
      trainableParams: 448,
      nonTrainableParams: 0,
      macs: 16 * 27 * 30 * 30
    })
  })

  test('without bias', () => {
    const r = shapes([3, 32, 32], [{ type: 'conv2d', filters: 16, kernel: 3, useBias: false }])
    expect(r.rows[0].params).toBe(432)
  })

  test('kernel given per axis', () => {
    expect(outShape([2, 10, 12], { type: 'conv2d', filters: 4, kernel: [3, 5] })).toEqual([4, 8, 8])
    expect(shapes([2, 10, 12], [{ type: 'conv2d', filters: 4, kernel: [3, 5] }]).rows[0].params).toBe(4 * 2 * 15 + 4)
  })

  test('valid padding with stride 2 floors', () => {
    // floor((28 - 3) / 2) + 1 = 13
    expect(outShape([1, 28, 28], { type: 'conv2d', filters: 1, kernel: 3, stride: 2 })).toEqual([1, 13, 13])
    // floor((27 - 3) / 2) + 1 = 13
    expect(outShape([1, 27, 27], { type: 'conv2d', filters: 1, kernel: 3, stride: 2 })).toEqual([1, 13, 13])
  })

  test('stride per axis', () => {
    expect(outShape([1, 9, 9], { type: 'conv2d', filters: 1, kernel: 3, stride: [1, 2] })).toEqual([1, 7, 4])
  })

  test("'same' with stride 1 keeps the size, for odd and even kernels", () => {
    expect(outShape([1, 28, 28], { type: 'conv2d', filters: 8, kernel: 3, padding: 'same' })).toEqual([8, 28, 28])
    expect(outShape([1, 28, 28], { type: 'conv2d', filters: 8, kernel: 4, padding: 'same' })).toEqual([8, 28, 28])
  })

  test("'same' with stride 2 is ceil(in / 2) (TF's rule)", () => {
    expect(outShape([1, 28, 28], { type: 'conv2d', filters: 1, kernel: 3, stride: 2, padding: 'same' })).toEqual([1, 14, 14])
    expect(outShape([1, 27, 27], { type: 'conv2d', filters: 1, kernel: 3, stride: 2, padding: 'same' })).toEqual([1, 14, 14])
    expect(outShape([1, 27, 27], { type: 'conv2d', filters: 1, kernel: 3, stride: [2, 1], padding: 'same' })).toEqual([1, 14, 27])
  })

  test("'same' accepts a kernel larger than the input (the padding covers it)", () => {
    expect(outShape([1, 2, 2], { type: 'conv2d', filters: 1, kernel: 5, padding: 'same' })).toEqual([1, 2, 2])
  })

  test('explicit padding', () => {
    expect(outShape([1, 28, 28], { type: 'conv2d', filters: 1, kernel: 3, padding: 1 })).toEqual([1, 28, 28])
    // floor((28 + 4 - 5) / 2) + 1 = 14
    expect(outShape([1, 28, 28], { type: 'conv2d', filters: 1, kernel: 5, stride: 2, padding: 2 })).toEqual([1, 14, 14])
    expect(outShape([1, 4, 4], { type: 'conv2d', filters: 1, kernel: 3, padding: 0 })).toEqual([1, 2, 2])
  })

  test('asymmetric padding pairs', () => {
    expect(outShape([1, 10, 10], { type: 'conv2d', filters: 1, kernel: 3, padding: [1, 0] })).toEqual([1, 10, 8])
    expect(outShape([1, 10, 10], { type: 'conv2d', filters: 1, kernel: [1, 5], padding: [0, 2] })).toEqual([1, 10, 10])
  })

  test('a non-linear activation stays in the same row, named in its own field', () => {
    const r = shapes([1, 8, 8], [{ type: 'conv2d', filters: 2, kernel: 3, activation: 'relu' }])
    expect(r.rows).toHaveLength(1)
    expect(r.rows[0].name).toBe('Conv2d-1')
    expect(r.rows[0].activation).toBe('relu')
  })

  test('a linear activation is not reported', () => {
    const r = shapes([1, 8, 8], [{ type: 'conv2d', filters: 2, kernel: 3 }])
    expect(r.rows[0]).not.toHaveProperty('activation')
  })
})

describe('pooling', () => {
  test.each(['maxpool2d', 'avgpool2d'] as const)('%s: stride defaults to the pool size, floor mode', (type) => {
    expect(outShape([64, 26, 26], { type, pool: 2 })).toEqual([64, 13, 13])
    expect(outShape([1, 5, 5], { type, pool: 2 })).toEqual([1, 2, 2])
    expect(outShape([1, 6, 9], { type, pool: [2, 3] })).toEqual([1, 3, 3])
  })

  test.each(['maxpool2d', 'avgpool2d'] as const)('%s: explicit stride, no params, no MACs', (type) => {
    const r = shapes([3, 7, 7], [{ type, pool: 3, stride: 2 }])
    expect(r.rows[0]).toMatchObject({ outputShape: [3, 3, 3], params: 0, macs: 0 })
    expect(outShape([1, 7, 8], { type, pool: 2, stride: [1, 2] })).toEqual([1, 6, 4])
  })

  test('torch names', () => {
    expect(shapes([1, 4, 4], [{ type: 'maxpool2d', pool: 2 }]).rows[0].name).toBe('MaxPool2d-1')
    expect(shapes([1, 4, 4], [{ type: 'avgpool2d', pool: 2 }]).rows[0].name).toBe('AvgPool2d-1')
  })

  test('padding up to half the pool is allowed', () => {
    expect(outShape([1, 5, 5], { type: 'maxpool2d', pool: 3, stride: 1, padding: 1 })).toEqual([1, 5, 5])
    // floor((5 + 2 - 2) / 2) + 1 = 3
    expect(outShape([1, 5, 5], { type: 'avgpool2d', pool: 2, padding: 1 })).toEqual([1, 3, 3])
    expect(outShape([1, 8, 8], { type: 'maxpool2d', pool: [2, 4], padding: [1, 2] })).toEqual([1, 5, 3])
  })

  test("'same' pooling is ceil(in / stride)", () => {
    expect(outShape([1, 5, 5], { type: 'maxpool2d', pool: 2, padding: 'same' })).toEqual([1, 3, 3])
    expect(outShape([1, 5, 5], { type: 'avgpool2d', pool: 3, stride: 1, padding: 'same' })).toEqual([1, 5, 5])
  })
})

describe('blurpool', () => {
  test('max pool at stride 1 (in - pool + 1), then ceil(/ stride): 28 -> 14 like MaxPool2d(2)', () => {
    expect(outShape([1, 28, 28], { type: 'blurpool' })).toEqual([1, 14, 14])
    expect(outShape([64, 26, 26], { type: 'blurpool', pool: 2, blur: 5, stride: 2 })).toEqual([64, 13, 13])
    expect(outShape([2, 9, 7], { type: 'blurpool', pool: 3, blur: 2, stride: 3 })).toEqual([2, 3, 2])
    const r = shapes([8, 12, 12], [{ type: 'blurpool' }])
    expect(r.rows[0]).toMatchObject({ name: 'BlurPool2d-1', params: 0, trainableParams: 0, macs: 0 })
    // Max 2 at stride 1, then blur 3 at stride 2: 2 + (3 - 1) = 4 pixels, 2 apart.
    expect(r.rows[0].receptiveField).toEqual({ size: [4, 4], jump: [2, 2] })
  })

  test('refuses a map too small to pool or to reflect the blur in', () => {
    expect(failure([1, 1, 1], [{ type: 'blurpool' }]).message).toMatch(/BlurPool2d\): pool 2x2 is larger than its 1x1 input/)
    expect(failure([1, 3, 3], [{ type: 'blurpool', blur: 5 }]).message).toMatch(/blur 5 reflects 2 pixels/)
    expect(failure([4], [{ type: 'blurpool' }]).message).toMatch(/needs a \[C, H, W\] image/)
  })
})

describe('shape-preserving layers', () => {
  const elementwise: [LayerSpecInput, string][] = [
    [{ type: 'relu' }, 'ReLU'],
    [{ type: 'leakyrelu' }, 'LeakyReLU'],
    [{ type: 'leakyrelu', alpha: 0.2 }, 'LeakyReLU'],
    [{ type: 'sigmoid' }, 'Sigmoid'],
    [{ type: 'tanh' }, 'Tanh'],
    [{ type: 'softmax' }, 'Softmax'],
    [{ type: 'dropout', rate: 0.5 }, 'Dropout']
  ]
  test.each(elementwise)('%o keeps image and vector shapes, no params', (layer, torchType) => {
    for (const input of [[3, 5, 7], [11]] as ModelSpecInput['inputShape'][]) {
      const r = shapes(input, [layer])
      expect(r.rows[0]).toMatchObject({ torchType, name: `${torchType}-1`, outputShape: [...input], params: 0, macs: 0 })
    }
  })

  test('BatchNorm over an image is BatchNorm2d with 2*C params (weight and bias)', () => {
    const r = shapes([16, 8, 8], [{ type: 'batchnorm' }])
    expect(r.rows[0]).toMatchObject({
      torchType: 'BatchNorm2d',
      name: 'BatchNorm2d-1',
      outputShape: [16, 8, 8],
      params: 32,
      trainableParams: 32,
      nonTrainableParams: 0
    })
  })

  test('BatchNorm over a vector is BatchNorm1d with 2*N params', () => {
    const r = shapes([1, 10, 10], [{ type: 'flatten' }, { type: 'batchnorm' }])
    expect(r.rows[1]).toMatchObject({ torchType: 'BatchNorm1d', name: 'BatchNorm1d-2', outputShape: [100], params: 200 })
  })
})

describe('flatten and dense', () => {
  test('flatten multiplies C*H*W', () => {
    expect(outShape([64, 5, 10], { type: 'flatten' })).toEqual([3200])
  })

  test('flatten on an already flat input is a no-op', () => {
    const r = shapes([10], [{ type: 'flatten' }, { type: 'flatten' }])
    expect(r.error).toBeUndefined()
    expect(r.rows.map((x) => x.outputShape)).toEqual([[10], [10]])
  })

  test('dense: in*units + units params, in*units MACs', () => {
    const r = shapes([784], [{ type: 'dense', units: 1000 }])
    expect(r.rows[0]).toMatchObject({ torchType: 'Linear', name: 'Linear-1', outputShape: [1000], params: 785_000, macs: 784_000 })
  })

  test('dense without bias', () => {
    expect(shapes([784], [{ type: 'dense', units: 10, useBias: false }]).rows[0].params).toBe(7840)
  })

  test('dense with a fused activation is one Linear row with the activation beside it', () => {
    const r = shapes([4], [{ type: 'dense', units: 3, activation: 'softmax' }])
    expect(r.rows).toHaveLength(1)
    expect(r.rows[0]).toMatchObject({ name: 'Linear-1', activation: 'softmax' })
  })
})

describe('a whole stack', () => {
  test('seed-cnn: shapes, names numbered over all layers, params, MACs and rows chained', () => {
    const r = shapes([1, 28, 28], SEED_CNN)
    expect(r.error).toBeUndefined()
    expect(r.rows.map((x) => x.name)).toEqual([
      'Conv2d-1',
      'MaxPool2d-2',
      'ReLU-3',
      'Conv2d-4',
      'MaxPool2d-5',
      'ReLU-6',
      'Flatten-7',
      'Linear-8',
      'ReLU-9',
      'Linear-10'
    ])
    expect(r.rows.map((x) => x.outputShape)).toEqual([
      [64, 26, 26],
      [64, 13, 13],
      [64, 13, 13],
      [128, 11, 11],
      [128, 5, 5],
      [128, 5, 5],
      [3200],
      [256],
      [256],
      [10]
    ])
    expect(r.rows.map((x) => x.params)).toEqual([640, 0, 0, 73_856, 0, 0, 0, 819_456, 0, 2_570])
    expect(r.rows.map((x) => x.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    for (let i = 1; i < r.rows.length; i++) expect(r.rows[i].inputShape).toEqual(r.rows[i - 1].outputShape)
    // MACs: conv1 64*9*26*26 = 389,376; conv2 128*(64*9)*11*11 = 8,921,088;
    // fc1 3200*256 = 819,200; fc2 256*10 = 2,560; total 10,132,224.
    expect(r.rows.map((x) => x.macs)).toEqual([389_376, 0, 0, 8_921_088, 0, 0, 0, 819_200, 0, 2_560])
    expect(r.totals).toEqual({ params: 896_522, trainableParams: 896_522, nonTrainableParams: 0, macs: 10_132_224 })
    expect(r.outputShape).toEqual([10])
  })

  test('softmax in the middle of a stack is allowed', () => {
    const r = shapes([3, 8, 8], [{ type: 'softmax' }, { type: 'conv2d', filters: 2, kernel: 3 }, { type: 'flatten' }, { type: 'dense', units: 2 }])
    expect(r.error).toBeUndefined()
    expect(r.outputShape).toEqual([2])
  })
})

describe('receptive field', () => {
  test("the tutorial's two conv3 + pool2 stages: 100x100 -> 25x25, each cell 4 input pixels apart, seeing 10x10", () => {
    const r = shapes(
      [1, 100, 100],
      [
        { type: 'conv2d', filters: 8, kernel: 3, padding: 'same' },
        { type: 'maxpool2d', pool: 2 },
        { type: 'conv2d', filters: 8, kernel: 3, padding: 'same' },
        { type: 'maxpool2d', pool: 2 }
      ]
    )
    expect(r.outputShape).toEqual([8, 25, 25])
    // r: 1 -> 3 (conv, j=1) -> 4 (pool, j 1->2) -> 4+2*2 = 8 (conv) -> 8+1*2 = 10 (pool, j 2->4)
    expect(r.rows.map((x) => x.receptiveField)).toEqual([
      { size: [3, 3], jump: [1, 1] },
      { size: [4, 4], jump: [2, 2] },
      { size: [8, 8], jump: [2, 2] },
      { size: [10, 10], jump: [4, 4] }
    ])
  })

  test('padding does not change it; element-wise layers carry it; it ends at Flatten', () => {
    const r = shapes([1, 28, 28], SEED_CNN)
    expect(r.rows.map((x) => x.receptiveField)).toEqual([
      { size: [3, 3], jump: [1, 1] },
      { size: [4, 4], jump: [2, 2] },
      { size: [4, 4], jump: [2, 2] },
      { size: [8, 8], jump: [2, 2] },
      { size: [10, 10], jump: [4, 4] },
      { size: [10, 10], jump: [4, 4] },
      undefined,
      undefined,
      undefined,
      undefined
    ])
  })

  test('strided and rectangular kernels', () => {
    const r = shapes(
      [1, 32, 32],
      [
        { type: 'conv2d', filters: 1, kernel: 3, stride: 2 },
        { type: 'batchnorm' },
        { type: 'conv2d', filters: 1, kernel: [3, 5], stride: [1, 2] },
        { type: 'avgpool2d', pool: [2, 1] }
      ]
    )
    expect(r.rows.map((x) => x.receptiveField)).toEqual([
      { size: [3, 3], jump: [2, 2] },
      { size: [3, 3], jump: [2, 2] },
      { size: [7, 11], jump: [2, 4] },
      { size: [9, 11], jump: [4, 4] }
    ])
  })

  test('vector inputs have none', () => {
    const r = shapes([10], [{ type: 'dense', units: 4 }, { type: 'relu' }])
    expect(r.rows.map((x) => x.receptiveField)).toEqual([undefined, undefined])
  })
})

describe('errors: the first impossible layer, the rows before it', () => {
  test('kernel larger than its input', () => {
    const e = failure([1, 4, 4], [
      { type: 'conv2d', filters: 1, kernel: 3 },
      { type: 'relu' },
      { type: 'dropout', rate: 0.1 },
      { type: 'conv2d', filters: 1, kernel: 3 }
    ])
    expect(e.layerIndex).toBe(3)
    expect(e.message).toBe('Layer 4 (Conv2d): kernel 3x3 is larger than its 2x2 input (with padding 0).')
    expect(e.rows.map((r) => r.name)).toEqual(['Conv2d-1', 'ReLU-2', 'Dropout-3'])
  })

  test('an output of exactly zero (in = k - 1) is the same error', () => {
    const e = failure([1, 2, 2], [{ type: 'conv2d', filters: 1, kernel: 3 }])
    expect(e.layerIndex).toBe(0)
    expect(e.message).toBe('Layer 1 (Conv2d): kernel 3x3 is larger than its 2x2 input (with padding 0).')
    expect(e.rows).toEqual([])
  })

  test('a negative output size (k much larger than in)', () => {
    const e = failure([1, 1, 9], [{ type: 'conv2d', filters: 1, kernel: 5, stride: 2 }])
    expect(e.message).toBe('Layer 1 (Conv2d): kernel 5x5 is larger than its 1x9 input (with padding 0).')
  })

  test('padding counts, and is shown per axis when asymmetric', () => {
    expect(shapes([1, 3, 3], [{ type: 'conv2d', filters: 1, kernel: 5, padding: 1 }]).error).toBeUndefined()
    expect(failure([1, 2, 2], [{ type: 'conv2d', filters: 1, kernel: 5, padding: 1 }]).message).toBe(
      'Layer 1 (Conv2d): kernel 5x5 is larger than its 2x2 input (with padding 1).'
    )
    expect(failure([1, 2, 2], [{ type: 'conv2d', filters: 1, kernel: 3, padding: [1, 0] }]).message).toBe(
      'Layer 1 (Conv2d): kernel 3x3 is larger than its 2x2 input (with padding 1x0).'
    )
  })

  test('only one axis too small', () => {
    const e = failure([1, 10, 2], [{ type: 'conv2d', filters: 1, kernel: [3, 3] }])
    expect(e.message).toBe('Layer 1 (Conv2d): kernel 3x3 is larger than its 10x2 input (with padding 0).')
  })

  test.each([
    ['maxpool2d', 'MaxPool2d'],
    ['avgpool2d', 'AvgPool2d']
  ] as const)('%s larger than its input', (type, torchType) => {
    const e = failure([1, 4, 4], [
      { type: 'conv2d', filters: 1, kernel: 3 },
      { type: 'maxpool2d', pool: 2 },
      { type, pool: 2 }
    ])
    expect(e.layerIndex).toBe(2)
    expect(e.message).toBe(`Layer 3 (${torchType}): pool 2x2 is larger than its 1x1 input (with padding 0).`)
    expect(e.rows).toHaveLength(2)
  })

  test.each([
    [{ type: 'conv2d', filters: 1, kernel: 3 }, 'Conv2d'],
    [{ type: 'maxpool2d', pool: 2 }, 'MaxPool2d'],
    [{ type: 'avgpool2d', pool: 2 }, 'AvgPool2d']
  ] as [LayerSpecInput, string][])('%o on a vector input', (layer, torchType) => {
    const e = failure([10], [layer])
    expect(e.layerIndex).toBe(0)
    expect(e.message).toBe(
      `Layer 1 (${torchType}): needs a [C, H, W] image input but gets a flat vector of 10 values; ` +
        'spatial layers must come before Flatten.'
    )
  })

  test('a convolution after Flatten', () => {
    const e = failure([1, 28, 28], [{ type: 'flatten' }, { type: 'conv2d', filters: 1, kernel: 3 }])
    expect(e.layerIndex).toBe(1)
    expect(e.message).toMatch(/^Layer 2 \(Conv2d\): .*flat vector of 784 values/)
    expect(e.rows.map((r) => r.name)).toEqual(['Flatten-1'])
  })

  test('Dense on an image without Flatten', () => {
    const layers = SEED_CNN.filter((l) => l.type !== 'flatten')
    const e = failure([1, 28, 28], layers)
    expect(e.layerIndex).toBe(6)
    expect(e.message).toBe('Layer 7 (Linear): Dense needs a flat input: add Flatten before layer 7 (its input is 128x5x5).')
    expect(e.rows).toHaveLength(6)
  })

  test('Dense straight on an image input', () => {
    const e = failure([1, 28, 28], [{ type: 'dense', units: 10 }])
    expect(e.layerIndex).toBe(0)
    expect(e.message).toContain('Dense needs a flat input: add Flatten before layer 1')
  })

  test('pool padding more than half the pool (PyTorch: pad <= kernel / 2)', () => {
    expect(failure([1, 8, 8], [{ type: 'maxpool2d', pool: 2, padding: 2 }]).message).toBe(
      'Layer 1 (MaxPool2d): padding 2 is more than half of its 2x2 pool (PyTorch allows at most 1).'
    )
    expect(failure([1, 8, 8], [{ type: 'relu' }, { type: 'avgpool2d', pool: 3, padding: 2 }])).toMatchObject({
      layerIndex: 1,
      message: 'Layer 2 (AvgPool2d): padding 2 is more than half of its 3x3 pool (PyTorch allows at most 1).'
    })
    expect(failure([1, 8, 8], [{ type: 'maxpool2d', pool: [2, 4], padding: [2, 2] }]).message).toBe(
      'Layer 1 (MaxPool2d): padding 2 is more than half of its 2x4 pool (PyTorch allows at most 1x2).'
    )
    expect(failure([1, 8, 8], [{ type: 'maxpool2d', pool: 3, padding: [1, 2] }]).message).toBe(
      'Layer 1 (MaxPool2d): padding 1x2 is more than half of its 3x3 pool (PyTorch allows at most 1).'
    )
  })

  test('only the first of several problems is reported, and totals cover the rows before it', () => {
    const r = shapes([1, 6, 6], [
      { type: 'conv2d', filters: 2, kernel: 3 },
      { type: 'dense', units: 4 },
      { type: 'conv2d', filters: 2, kernel: 9 }
    ])
    expect(r.error?.layerIndex).toBe(1)
    expect(r.error?.message).toMatch(/^Layer 2 \(Linear\): Dense needs a flat input/)
    expect(r.rows).toHaveLength(1)
    expect(r.totals.params).toBe(20)
    expect(r.outputShape).toEqual([2, 4, 4])
  })
})

describe('the output head: lossFor, outputKind, describeHead', () => {
  const head = (input: ModelSpecInput['inputShape'], layers: LayerSpecInput[]) => describeHead(model(input, layers))

  test('Sigmoid layer after one unit: binary cross-entropy on probabilities', () => {
    const spec = model([4], [{ type: 'dense', units: 1 }, { type: 'sigmoid' }])
    expect(lossFor(spec)).toBe('binary-crossentropy')
    expect(outputKind(spec)).toBe('sigmoid')
    expect(describeHead(spec)).toEqual({ ok: true, loss: 'binary-crossentropy', kind: 'sigmoid', classes: 2 })
  })

  test('Dense with a sigmoid activation and one unit: the same', () => {
    const spec = model([4], [{ type: 'dense', units: 1, activation: 'sigmoid' }])
    expect(lossFor(spec)).toBe('binary-crossentropy')
    expect(outputKind(spec)).toBe('sigmoid')
  })

  test('Softmax layer last: categorical cross-entropy on probabilities', () => {
    const spec = model([4], [{ type: 'dense', units: 3 }, { type: 'softmax' }])
    expect(lossFor(spec)).toBe('categorical-crossentropy')
    expect(outputKind(spec)).toBe('probabilities')
    expect(describeHead(spec)).toMatchObject({ classes: 3 })
  })

  test('Dense with a softmax activation last: the same', () => {
    const spec = model([4], [{ type: 'dense', units: 3, activation: 'softmax' }])
    expect(lossFor(spec)).toBe('categorical-crossentropy')
    expect(outputKind(spec)).toBe('probabilities')
  })

  test('linear Dense with several units last: logits, softmax cross-entropy (PyTorch CrossEntropyLoss)', () => {
    const spec = model([1, 28, 28], SEED_CNN)
    expect(lossFor(spec)).toBe('softmax-crossentropy')
    expect(outputKind(spec)).toBe('logits')
    expect(describeHead(spec)).toMatchObject({ classes: 10 })
  })

  test('linear Dense with one unit last: binary cross-entropy on logits', () => {
    const spec = model([4], [{ type: 'dense', units: 1 }])
    expect(lossFor(spec)).toBe('binary-crossentropy-logits')
    expect(outputKind(spec)).toBe('sigmoid-logits')
    expect(describeHead(spec)).toMatchObject({ classes: 2 })
  })

  test('an image output cannot classify', () => {
    const h = head([1, 8, 8], [{ type: 'conv2d', filters: 2, kernel: 3 }, { type: 'softmax' }])
    expect(h).toEqual({
      ok: false,
      error: 'The output of Softmax-2 is a 2x6x6 image, not a vector of class scores: add Flatten and a Linear layer at the end.',
      problem: { code: 'outputImage', params: { name: 'Softmax-2', shape: '2x6x6' } }
    })
    expect(() => lossFor(model([1, 8, 8], [{ type: 'conv2d', filters: 2, kernel: 3 }]))).toThrow(/is a 2x6x6 image/)
    expect(() => outputKind(model([1, 8, 8], [{ type: 'conv2d', filters: 2, kernel: 3 }]))).toThrow(/is a 2x6x6 image/)
  })

  test('softmax over a single output', () => {
    const h = head([4], [{ type: 'dense', units: 1 }, { type: 'softmax' }])
    expect(h).toEqual({
      ok: false,
      error: "Softmax over Softmax-2's single output is always 1: use 2 or more units, or Sigmoid.",
      problem: { code: 'softmaxOneUnit', params: { name: 'Softmax-2' } }
    })
  })

  test('a sigmoid over several outputs', () => {
    const h = head([4], [{ type: 'dense', units: 3, activation: 'sigmoid' }])
    expect(h).toEqual({
      ok: false,
      error: 'A Sigmoid output must have 1 unit for two classes, but Linear-1 has 3: use Softmax for more classes.',
      problem: { code: 'sigmoidUnits', params: { name: 'Linear-1', units: 3 } }
    })
  })

  test('a stack ending in another activation', () => {
    expect(head([4], [{ type: 'dense', units: 3 }, { type: 'relu' }])).toEqual({
      ok: false,
      error: 'The last layer is ReLU-2: a classifier must end in Linear, Softmax or Sigmoid.',
      problem: { code: 'badLastLayer', params: { name: 'ReLU-2', activation: '' } }
    })
    expect(head([4], [{ type: 'dense', units: 3, activation: 'tanh' }])).toEqual({
      ok: false,
      error: 'The last layer is Linear-1 with tanh: a classifier must end in Linear, Softmax or Sigmoid.',
      problem: { code: 'badLastLayer', params: { name: 'Linear-1', activation: 'tanh' } }
    })
    expect(head([1, 4, 4], [{ type: 'flatten' }])).toMatchObject({ ok: false, error: expect.stringMatching(/^The last layer is Flatten-1/) })
  })

  test('an empty stack', () => {
    expect(head([4], [])).toEqual({ ok: false, error: 'The model has no layers, so it cannot classify.', problem: { code: 'noLayers', params: {} } })
  })

  test('an impossible stack reports its shape error', () => {
    const spec = model([1, 28, 28], [{ type: 'dense', units: 10 }])
    expect(describeHead(spec)).toMatchObject({
      ok: false,
      error: expect.stringContaining('add Flatten before layer 1'),
      problem: { code: 'denseNeedsFlat', layerIndex: 0, torchType: 'Linear', params: { layer: 1, input: '1x28x28' } }
    })
    expect(() => lossFor(spec)).toThrow('Layer 1 (Linear): Dense needs a flat input')
  })
})
