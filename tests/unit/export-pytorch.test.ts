import { describe, expect, it } from 'vitest'
import { modelPy, pytorchExport, stateDict } from '../../src-main/export/pytorch'
import { decodeSafetensors, encodeSafetensors } from '../../src-main/export/safetensors'
import { ExportError, planTorchModules } from '../../src-main/export/torch-modules'
import { trainPy } from '../../src-main/export/train-py'
import { exportFolderName } from '../../src-main/export/from-run'
import { ModelSpec, type ModelSpecInput } from '../../src-main/shared/layers'
import { getPreset } from '../../src-main/shared/presets'

const spec = (input: ModelSpecInput): ModelSpec => ModelSpec.parse(input)

describe('safetensors', () => {
  it('writes the header length, an 8-byte aligned JSON header and the raw data, and reads back', () => {
    const weight = new Float32Array([1.5, -2, 3.25, 0])
    const file = encodeSafetensors(
      [
        { name: '0.weight', dtype: 'F32', shape: [2, 2], data: weight },
        { name: '1.num_batches_tracked', dtype: 'I64', shape: [], data: new BigInt64Array([7n]) }
      ],
      { format: 'pt' }
    )
    const length = Number(new DataView(file.buffer).getBigUint64(0, true))
    expect((8 + length) % 8).toBe(0)
    const { metadata, tensors } = decodeSafetensors(file)
    expect(metadata).toEqual({ format: 'pt' })
    expect(tensors['0.weight']).toMatchObject({ dtype: 'F32', shape: [2, 2] })
    expect(new Float32Array(tensors['0.weight'].bytes.slice().buffer)).toEqual(weight)
    expect(new BigInt64Array(tensors['1.num_batches_tracked'].bytes.slice().buffer)).toEqual(new BigInt64Array([7n]))
    expect(file.length).toBe(8 + length + 16 + 8)
  })

  it('refuses a shape that does not hold the data, and a name given twice', () => {
    expect(() => encodeSafetensors([{ name: 'w', dtype: 'F32', shape: [3], data: new Float32Array(2) }])).toThrow(/holds 3 values, not 2/)
    const t = { name: 'w', dtype: 'F32' as const, shape: [1], data: new Float32Array(1) }
    expect(() => encodeSafetensors([t, t])).toThrow(/appears twice/)
  })
})

describe('planTorchModules', () => {
  it("writes the tutorial's CNN as the tutorial's nn.Sequential", () => {
    expect(planTorchModules(getPreset('seed-cnn')!).modules.map((m) => m.code)).toEqual([
      'nn.Conv2d(1, 64, kernel_size=(3, 3))',
      'nn.MaxPool2d(kernel_size=(2, 2), stride=(2, 2))',
      'nn.ReLU()',
      'nn.Conv2d(64, 128, kernel_size=(3, 3))',
      'nn.MaxPool2d(kernel_size=(2, 2), stride=(2, 2))',
      'nn.ReLU()',
      'nn.Flatten()',
      'nn.Linear(3200, 256)',
      'nn.ReLU()',
      'nn.Linear(256, 10)'
    ])
  })

  it("turns tfjs's asymmetric 'same' padding into explicit pads of the right kind", () => {
    const plan = planTorchModules(
      spec({
        name: 'pads',
        inputShape: [1, 7, 7],
        layers: [
          { type: 'conv2d', filters: 2, kernel: 3, stride: 2, padding: 'same', activation: 'relu', useBias: false },
          { type: 'maxpool2d', pool: 2, padding: 'same' },
          { type: 'avgpool2d', pool: 2, stride: 1, padding: 'same' },
          { type: 'avgpool2d', pool: 3, stride: 1, padding: 1 }
        ]
      })
    )
    expect(plan.modules.map((m) => m.code)).toEqual([
      'nn.Conv2d(1, 2, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), bias=False)',
      'nn.ReLU()',
      'nn.MaxPool2d(kernel_size=(2, 2), stride=(2, 2))',
      'AvgPool2dSame(kernel_size=(2, 2), stride=(1, 1), padding=(0, 1, 0, 1))',
      'nn.AvgPool2d(kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))'
    ])
    expect(plan.helpers).toEqual(['AvgPool2dSame'])
  })

  it('pads a max pool with -inf and a strided conv with zeros when the two sides differ', () => {
    const plan = planTorchModules(
      spec({
        name: 'odd',
        inputShape: [1, 14, 14],
        layers: [
          { type: 'conv2d', filters: 1, kernel: 3, stride: 2, padding: 'same' },
          { type: 'maxpool2d', pool: 2, stride: 2, padding: 'same' },
          { type: 'blurpool', pool: 2, blur: 2, stride: 2 }
        ]
      })
    )
    expect(plan.modules.map((m) => m.code)).toEqual([
      'nn.ZeroPad2d((0, 1, 0, 1))',
      'nn.Conv2d(1, 1, kernel_size=(3, 3), stride=(2, 2))',
      "nn.ConstantPad2d((0, 1, 0, 1), float('-inf'))",
      'nn.MaxPool2d(kernel_size=(2, 2), stride=(2, 2))',
      'BlurPool2d(1, pool=2, blur=2, stride=2)'
    ])
    expect(plan.modules[1].weightsOf).toEqual({ specIndex: 0, kind: 'conv' })
  })

  it("refuses a stack that cannot be built, with shape inference's reason naming the layer", () => {
    const refuse = (input: ModelSpecInput): void => void planTorchModules(spec(input))
    expect(() => refuse({ name: 'x', inputShape: [1, 8, 8], layers: [{ type: 'avgpool2d', pool: 2, padding: 2 }] })).toThrow(ExportError)
    expect(() => refuse({ name: 'x', inputShape: [1, 8, 8], layers: [{ type: 'avgpool2d', pool: 2, padding: 2 }] })).toThrow(
      'The stack cannot be built: Layer 1 (AvgPool2d): padding 2 is more than half of its 2x2 pool (PyTorch allows at most 1).'
    )
    expect(() => refuse({ name: 'x', inputShape: [1, 3, 3], layers: [{ type: 'blurpool', pool: 2, blur: 5, stride: 1 }] })).toThrow(/Layer 1 \(BlurPool2d\)/)
    expect(() => refuse({ name: 'x', inputShape: [1, 2, 2], layers: [{ type: 'conv2d', filters: 1, kernel: 3 }] })).toThrow(/The stack cannot be built: Layer 1/)
  })
})

describe('the exported files', () => {
  const mlp = getPreset('seed-mlp')!
  const weights = [
    { index: 1, type: 'dense', tensors: [{ name: 'weight' as const, shape: [1000, 784], values: new Float32Array(784000) }, { name: 'bias' as const, shape: [1000], values: new Float32Array(1000) }] },
    { index: 3, type: 'dense', tensors: [{ name: 'weight' as const, shape: [10, 1000], values: new Float32Array(10000) }, { name: 'bias' as const, shape: [10], values: new Float32Array(10) }] }
  ]

  it('names each tensor by its module in nn.Sequential', () => {
    expect(stateDict(planTorchModules(mlp), weights).map((t) => [t.name, t.shape])).toEqual([
      ['1.weight', [1000, 784]],
      ['1.bias', [1000]],
      ['3.weight', [10, 1000]],
      ['3.bias', [10]]
    ])
  })

  it('adds num_batches_tracked for BatchNorm, and refuses a run that lacks a layer of weights', () => {
    const bn = spec({ name: 'bn', inputShape: [4], layers: [{ type: 'batchnorm' }] })
    const t = (name: 'weight' | 'bias' | 'running_mean' | 'running_var') => ({ name, shape: [4], values: new Float32Array(4) })
    const dict = stateDict(planTorchModules(bn), [{ index: 0, type: 'batchnorm', tensors: [t('weight'), t('bias'), t('running_mean'), t('running_var')] }])
    expect(dict.map((d) => d.name)).toEqual(['0.weight', '0.bias', '0.running_mean', '0.running_var', '0.num_batches_tracked'])
    expect(() => stateDict(planTorchModules(mlp), weights.slice(0, 1))).toThrow('Layer 4 has no trained weights in this run.')
  })

  it('exports code without weights for an untrained stack, whose load() says so', () => {
    const files = pytorchExport({ spec: mlp, classNames: ['a', 'b'], origin: 'a layer stack, untrained', convlabVersion: '0.1.0' })
    expect(Object.keys(files).sort()).toEqual(['README.md', 'model.py'])
    expect(files['model.py']).toContain('raise FileNotFoundError(')
    expect(files['model.py']).toContain('CLASS_NAMES = ["a", "b"]')
    expect(modelPy({ spec: mlp, classNames: [], weights, origin: 'o', convlabVersion: 'v' }, planTorchModules(mlp))).toContain('model.load_state_dict(read_safetensors(path))')
  })
})

describe('predict.py', () => {
  const weights = [{ index: 0, type: 'dense', tensors: [{ name: 'weight' as const, shape: [2, 16], values: new Float32Array(32) }, { name: 'bias' as const, shape: [2], values: new Float32Array(2) }] }]
  const head = (extra: ModelSpecInput['layers']) => spec({ name: 'h', inputShape: [1, 4, 4], layers: [{ type: 'flatten' }, { type: 'dense', units: 2 }, ...extra] })
  const withWeights = (s: ModelSpec) => ({ spec: s, classNames: ['a', 'b'], weights: [{ ...weights[0], index: 1 }], origin: 'o', convlabVersion: 'v' })

  it('comes with a trained grey-image classifier, and turns its output into probabilities as ConvLab does', () => {
    const logits = pytorchExport(withWeights(head([])))
    expect(Object.keys(logits).sort()).toEqual(['README.md', 'model.py', 'predict.py', 'weights.safetensors'])
    expect(logits['README.md']).toContain('`python3 predict.py IMAGE...`')
    expect(logits['predict.py']).toContain('def probabilities(output):\n    return torch.softmax(output, dim=1)\n')
    expect(pytorchExport(withWeights(head([{ type: 'softmax' }])))['predict.py']).toContain('def probabilities(output):\n    return output\n')
  })

  it('is left out without weights, and for inputs that are not one grey image', () => {
    const untrained = pytorchExport({ ...withWeights(head([])), weights: undefined })
    expect(Object.keys(untrained)).not.toContain('predict.py')
    expect(untrained['README.md']).not.toContain('predict.py')
    const rgb = spec({ name: 'rgb', inputShape: [3, 4, 4], layers: [{ type: 'flatten' }, { type: 'dense', units: 2 }] })
    expect(Object.keys(pytorchExport({ ...withWeights(rgb), weights: [{ ...weights[0], index: 1, tensors: [{ name: 'weight' as const, shape: [2, 48], values: new Float32Array(96) }, weights[0].tensors[1]] }] }))).not.toContain('predict.py')
  })
})

describe('train.py', () => {
  it("carries the run's recipe and its loss as PyTorch computes it", () => {
    const script = trainPy({
      config: { optimizer: 'sgd', learningRate: 0.01, batchSize: 32, epochs: 5, seed: 7, limit: 6000, augment: { maxShift: 3, axes: 'x', mode: 'zero' } },
      loss: 'softmax-crossentropy'
    })
    const recipe = JSON.parse(/RECIPE = json\.loads\("""\n([\s\S]*?)\n"""\)/.exec(script)![1]) as unknown
    expect(recipe).toEqual({ optimizer: 'sgd', learning_rate: 0.01, batch_size: 32, epochs: 5, seed: 7, limit: 6000, test_limit: null, augment: { max_shift: 3, axes: 'x', mode: 'zero' } })
    expect(script).toContain('LOSS = nn.CrossEntropyLoss()')
    expect(script).toContain('sampler.set_epoch(epoch)')
    expect(script).toContain('dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")')
    const probabilities = trainPy({ config: { optimizer: 'adam', learningRate: 1e-3, batchSize: 8, epochs: 1 }, loss: 'categorical-crossentropy' })
    expect(probabilities).toContain('LOSS = lambda out, y: F.nll_loss(torch.log(out.clamp(1e-7, 1)), y)')
    expect(probabilities).toContain('"seed": 0')
  })
})

describe('exportFolderName', () => {
  it('keeps the run name as typed, Chinese included, less what file systems forbid, then the id', () => {
    expect(exportFolderName({ id: 'r1', name: '卷积网络 CNN 2k' }, 'pytorch')).toBe('卷积网络 CNN 2k r1-pytorch')
    expect(exportFolderName({ id: 'r2', name: 'a/b\\c:d*e?f"g<h>i|j' }, 'pytorch')).toBe('a-b-c-d-e-f-g-h-i-j r2-pytorch')
    expect(exportFolderName({ id: 'r3', name: '..\u0000hidden\n' }, 'pytorch')).toBe('-hidden- r3-pytorch')
    expect(exportFolderName({ id: 'r4', name: '   ' }, 'pytorch')).toBe('r4-pytorch')
  })
})
