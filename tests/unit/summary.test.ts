import { describe, expect, test } from 'vitest'
import { ModelSpec, type LayerSpecInput, type ModelSpecInput } from '../../src-main/shared/layers'
import { getPreset } from '../../src-main/shared/presets'
import { inferShapes } from '../../src-main/shared/shapes'
import { formatFixed2, formatSummary, formatThousands, summarize } from '../../src-main/shared/summary'

function model(inputShape: ModelSpecInput['inputShape'], layers: LayerSpecInput[]): ModelSpec {
  return ModelSpec.parse({ name: 'test', inputShape, layers })
}

function preset(name: string): ModelSpec {
  const spec = getPreset(name)
  if (!spec) throw new Error(`no preset ${name}`)
  return spec
}

const MB = 1024 * 1024

/** The tutorial's printed summary of its 1x4x4 CNN (section 3), as the book shows it; its
 * column padding was lost in typesetting, so it is compared token by token. */
const TUTORIAL_TOY_SUMMARY = `----------------------------------------------------------------
Layer (type)               Output Shape         Param #
================================================================
Conv2d-1              [-1, 1, 2, 2]              10
MaxPool2d-2              [-1, 1, 1, 1]               0
ReLU-3              [-1, 1, 1, 1]               0
Flatten-4                    [-1, 1]               0
Linear-5                    [-1, 1]               2
Sigmoid-6                    [-1, 1]               0
================================================================
Total params: 12
Trainable params: 12
Non-trainable params: 0
----------------------------------------------------------------
Input size (MB): 0.00
Forward/backward pass size (MB): 0.00
Params size (MB): 0.00
Estimated Total Size (MB): 0.00
----------------------------------------------------------------`

/** What torchsummary prints for the same model: "{:>20}  {:>25} {:>15}" rows. */
const TORCHSUMMARY_TOY = `----------------------------------------------------------------
        Layer (type)               Output Shape         Param #
================================================================
            Conv2d-1              [-1, 1, 2, 2]              10
         MaxPool2d-2              [-1, 1, 1, 1]               0
              ReLU-3              [-1, 1, 1, 1]               0
           Flatten-4                    [-1, 1]               0
            Linear-5                    [-1, 1]               2
           Sigmoid-6                    [-1, 1]               0
================================================================
Total params: 12
Trainable params: 12
Non-trainable params: 0
----------------------------------------------------------------
Input size (MB): 0.00
Forward/backward pass size (MB): 0.00
Params size (MB): 0.00
Estimated Total Size (MB): 0.00
----------------------------------------------------------------
`

const tokens = (line: string): string => line.replace(/\s+/g, ' ').trim()

describe('seed-toy against the tutorial', () => {
  test('character-exact torchsummary text', () => {
    expect(formatSummary(preset('seed-toy'))).toBe(TORCHSUMMARY_TOY)
  })

  test('line by line, the same as the tutorial printed', () => {
    const ours = formatSummary(preset('seed-toy')).trimEnd().split('\n')
    const book = TUTORIAL_TOY_SUMMARY.split('\n')
    expect(ours).toHaveLength(book.length)
    book.forEach((line, i) => expect(tokens(ours[i])).toBe(tokens(line)))
  })

  test('every line is as wide as torchsummary makes it', () => {
    const lines = formatSummary(preset('seed-toy')).split('\n')
    expect(lines[0]).toBe('-'.repeat(64))
    expect(lines[2]).toBe('='.repeat(64))
    // 20 + 2 + 25 + 1 + 15 = 63 characters per table row.
    for (const line of lines.slice(1, 9).filter((l) => !l.startsWith('='))) expect(line).toHaveLength(63)
  })

  test('structured numbers', () => {
    const s = summarize(preset('seed-toy'))
    expect(s.rows).toEqual([
      { name: 'Conv2d-1', outputShape: [-1, 1, 2, 2], params: 10 },
      { name: 'MaxPool2d-2', outputShape: [-1, 1, 1, 1], params: 0 },
      { name: 'ReLU-3', outputShape: [-1, 1, 1, 1], params: 0 },
      { name: 'Flatten-4', outputShape: [-1, 1], params: 0 },
      { name: 'Linear-5', outputShape: [-1, 1], params: 2 },
      { name: 'Sigmoid-6', outputShape: [-1, 1], params: 0 }
    ])
    // Input 16 values; outputs 4+1+1+1+1+1 = 9 values, twice; 12 params; 4 bytes each.
    expect(s.totals).toEqual({
      totalParams: 12,
      trainableParams: 12,
      nonTrainableParams: 0,
      inputSizeMB: (16 * 4) / MB,
      forwardBackwardSizeMB: (2 * 9 * 4) / MB,
      paramsSizeMB: (12 * 4) / MB,
      totalSizeMB: (12 * 4) / MB + (2 * 9 * 4) / MB + (16 * 4) / MB
    })
    expect(s.error).toBeUndefined()
  })
})

describe('seed-cnn', () => {
  test('thousands separators and MB lines', () => {
    // Input: 1*28*28 = 784 values * 4 B = 3,136 B = 0.00299 MB -> 0.00.
    // Outputs: 43,264 + 10,816 + 10,816 + 15,488 + 3,200 + 3,200 + 3,200 + 256 + 256 + 10
    //   = 90,506 values; * 2 (forward + backward) * 4 B = 724,048 B = 0.69051 MB -> 0.69.
    // Params: 896,522 * 4 B = 3,586,088 B = 3.41996 MB -> 3.42.
    // Total: 3.41996 + 0.69051 + 0.00299 = 4.11346 MB -> 4.11.
    expect(formatSummary(preset('seed-cnn'))).toBe(
      [
        '----------------------------------------------------------------',
        '        Layer (type)               Output Shape         Param #',
        '================================================================',
        '            Conv2d-1           [-1, 64, 26, 26]             640',
        '         MaxPool2d-2           [-1, 64, 13, 13]               0',
        '              ReLU-3           [-1, 64, 13, 13]               0',
        '            Conv2d-4          [-1, 128, 11, 11]          73,856',
        '         MaxPool2d-5            [-1, 128, 5, 5]               0',
        '              ReLU-6            [-1, 128, 5, 5]               0',
        '           Flatten-7                 [-1, 3200]               0',
        '            Linear-8                  [-1, 256]         819,456',
        '              ReLU-9                  [-1, 256]               0',
        '           Linear-10                   [-1, 10]           2,570',
        '================================================================',
        'Total params: 896,522',
        'Trainable params: 896,522',
        'Non-trainable params: 0',
        '----------------------------------------------------------------',
        'Input size (MB): 0.00',
        'Forward/backward pass size (MB): 0.69',
        'Params size (MB): 3.42',
        'Estimated Total Size (MB): 4.11',
        '----------------------------------------------------------------',
        ''
      ].join('\n')
    )
  })

  test('structured MB values', () => {
    const t = summarize(preset('seed-cnn')).totals
    expect(t?.inputSizeMB).toBe(3136 / MB)
    expect(t?.forwardBackwardSizeMB).toBe(724_048 / MB)
    expect(t?.paramsSizeMB).toBe(3_586_088 / MB)
    expect(t?.totalSizeMB).toBeCloseTo(4.113457, 6)
  })
})

describe('seed-mlp', () => {
  test('rows and totals', () => {
    // Outputs 784 + 1000 + 1000 + 10 = 2,794 values * 2 * 4 B = 22,352 B = 0.02132 MB -> 0.02.
    // Params 795,010 * 4 B = 3,180,040 B = 3.03272 MB -> 3.03; total 3.05703 -> 3.06.
    const lines = formatSummary(preset('seed-mlp')).split('\n')
    expect(lines.slice(3, 7)).toEqual([
      '           Flatten-1                  [-1, 784]               0',
      '            Linear-2                 [-1, 1000]         785,000',
      '              ReLU-3                 [-1, 1000]               0',
      '            Linear-4                   [-1, 10]          10,010'
    ])
    expect(lines.slice(8, 11)).toEqual(['Total params: 795,010', 'Trainable params: 795,010', 'Non-trainable params: 0'])
    expect(lines.slice(12, 16)).toEqual([
      'Input size (MB): 0.00',
      'Forward/backward pass size (MB): 0.02',
      'Params size (MB): 3.03',
      'Estimated Total Size (MB): 3.06'
    ])
  })
})

describe('other stacks', () => {
  test('BlurPool2d has a row of its own and no parameters', () => {
    const lines = formatSummary(model([1, 28, 28], [{ type: 'conv2d', filters: 8, kernel: 3 }, { type: 'blurpool' }, { type: 'flatten' }, { type: 'dense', units: 10 }])).split('\n')
    expect(lines[4]).toBe('        BlurPool2d-2            [-1, 8, 13, 13]               0')
    expect(lines).toContain('Total params: 13,610')
  })

  test('an empty stack: no rows, only the input counts', () => {
    // 3*256*256 = 196,608 values * 4 B = 0.75 MB exactly.
    expect(formatSummary(model([3, 256, 256], []))).toBe(
      [
        '----------------------------------------------------------------',
        '        Layer (type)               Output Shape         Param #',
        '================================================================',
        '================================================================',
        'Total params: 0',
        'Trainable params: 0',
        'Non-trainable params: 0',
        '----------------------------------------------------------------',
        'Input size (MB): 0.75',
        'Forward/backward pass size (MB): 0.00',
        'Params size (MB): 0.00',
        'Estimated Total Size (MB): 0.75',
        '----------------------------------------------------------------',
        ''
      ].join('\n')
    )
  })

  test('halfway MB values round to even, as Python does', () => {
    // 32,767 inputs + 1 bias = 32,768 params = 131,072 B = 0.125 MB exactly: Python prints 0.12.
    // Input 32,767 * 4 B = 0.12499 MB -> 0.12; total 0.24999... -> 0.25.
    const lines = formatSummary(model([32767], [{ type: 'dense', units: 1 }])).split('\n')
    expect(lines).toContain('Params size (MB): 0.12')
    expect(lines).toContain('Input size (MB): 0.12')
    expect(lines).toContain('Estimated Total Size (MB): 0.25')
  })

  test('a fused activation stays one row; BatchNorm rows are named by dimension', () => {
    const spec = model([3, 8, 8], [
      { type: 'conv2d', filters: 4, kernel: 3, activation: 'relu' },
      { type: 'batchnorm' },
      { type: 'flatten' },
      { type: 'batchnorm' },
      { type: 'dense', units: 2, activation: 'softmax' }
    ])
    const lines = formatSummary(spec).split('\n')
    expect(lines.slice(3, 8)).toEqual([
      '            Conv2d-1              [-1, 4, 6, 6]             112',
      '       BatchNorm2d-2              [-1, 4, 6, 6]               8',
      '           Flatten-3                  [-1, 144]               0',
      '       BatchNorm1d-4                  [-1, 144]             288',
      '            Linear-5                    [-1, 2]             290'
    ])
    expect(lines[9]).toBe('Total params: 698')
  })

  test('an impossible stack: rows before the error, then the error instead of the totals', () => {
    const spec = model([1, 28, 28], [
      { type: 'conv2d', filters: 8, kernel: 3 },
      { type: 'relu' },
      { type: 'dense', units: 10 }
    ])
    expect(formatSummary(spec)).toBe(
      [
        '----------------------------------------------------------------',
        '        Layer (type)               Output Shape         Param #',
        '================================================================',
        '            Conv2d-1            [-1, 8, 26, 26]              80',
        '              ReLU-2            [-1, 8, 26, 26]               0',
        '================================================================',
        'Error: Layer 3 (Linear): Dense needs a flat input: add Flatten before layer 3 (its input is 8x26x26).',
        '----------------------------------------------------------------',
        ''
      ].join('\n')
    )
    const s = summarize(spec)
    expect(s.totals).toBeUndefined()
    expect(s.error?.layerIndex).toBe(2)
    expect(s.rows.map((r) => r.name)).toEqual(['Conv2d-1', 'ReLU-2'])
  })

  test('a precomputed report is used as given', () => {
    const spec = preset('seed-toy')
    const report = inferShapes(spec)
    expect(formatSummary(spec, report)).toBe(formatSummary(spec))
    expect(summarize(spec, report)).toEqual(summarize(spec))
  })
})

describe('number formatting', () => {
  test.each([
    [0, '0'],
    [7, '7'],
    [999, '999'],
    [1000, '1,000'],
    [73856, '73,856'],
    [896522, '896,522'],
    [1234567890, '1,234,567,890'],
    [-1234, '-1,234']
  ])('formatThousands(%d) = %s', (n, s) => expect(formatThousands(n)).toBe(s))

  test.each([
    [0, '0.00'],
    [0.00299072265625, '0.00'],
    [0.005, '0.01'], // the double is slightly above 0.005
    [1.005, '1.00'], // ... and this one slightly below 1.005
    [0.125, '0.12'],
    [0.375, '0.38'],
    [0.625, '0.62'],
    [0.875, '0.88'],
    [2.125, '2.12'],
    [1234.875, '1234.88'],
    [0.75, '0.75'],
    [Math.fround(3.41996), '3.42'],
    [2.5, '2.50'],
    [-0.125, '-0.12']
  ])('formatFixed2(%d) = %s (Python "%%0.2f")', (x, s) => expect(formatFixed2(x)).toBe(s))
})
