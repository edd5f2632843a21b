/**
 * The ONNX export, run in onnxruntime (its wasm build under Node) against ConvLab's forward pass
 * computed by hand (shared/forward.ts, itself checked against the engine): stacks with random
 * weights that cover every layer type and every padding rule, including tfjs's uneven 'same'.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as ort from 'onnxruntime-web'
import { afterAll, describe, expect, it } from 'vitest'
import type { LayerWeights } from '../../src-main/engine/process/protocol'
import { ONNX_PROTO, ModelProto } from '../../src-main/export/onnx-proto'
import { endsInSoftmax, onnxExport, onnxModel } from '../../src-main/export/onnx'
import { ExportError } from '../../src-main/export/torch-modules'
import { forwardPass } from '../../src-main/shared/forward'
import { ModelSpec, type ModelSpecInput } from '../../src-main/shared/layers'
import { getPreset } from '../../src-main/shared/presets'
import { inferShapes } from '../../src-main/shared/shapes'

const spec = (input: ModelSpecInput): ModelSpec => ModelSpec.parse(input)

/** A small deterministic generator, so a failure reproduces. */
function random(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return s / 2 ** 32
  }
}

/**
 * Random weights for every layer that has some, in PyTorch's layouts (as 'model/weights' gives
 * them), within PyTorch's default bound of 1/sqrt(fan in) so outputs stay near 1 and 1e-5 is a
 * float32 tolerance, not a relative one.
 */
function randomWeights(model: ModelSpec, seed: number): LayerWeights[] {
  const next = random(seed)
  const values = (n: number, low: number, high: number): Float32Array => Float32Array.from({ length: n }, () => low + (high - low) * next())
  const tensor = (name: LayerWeights['tensors'][number]['name'], shape: number[], bound = 1, low = -bound, high = bound) => ({
    name,
    shape,
    values: values(shape.reduce((a, b) => a * b, 1), low, high)
  })
  const rows = inferShapes(model).rows
  const out: LayerWeights[] = []
  model.layers.forEach((layer, index) => {
    const input = rows[index].inputShape
    if (layer.type === 'conv2d') {
      const k = Array.isArray(layer.kernel) ? layer.kernel : [layer.kernel, layer.kernel]
      const bound = 1 / Math.sqrt(input[0] * k[0] * k[1])
      const tensors = [tensor('weight', [layer.filters, input[0], ...k], bound)]
      if (layer.useBias) tensors.push(tensor('bias', [layer.filters], bound))
      out.push({ index, type: layer.type, tensors })
    } else if (layer.type === 'dense') {
      const bound = 1 / Math.sqrt(input[0])
      const tensors = [tensor('weight', [layer.units, input[0]], bound)]
      if (layer.useBias) tensors.push(tensor('bias', [layer.units], bound))
      out.push({ index, type: layer.type, tensors })
    } else if (layer.type === 'batchnorm') {
      const c = input[0]
      out.push({ index, type: layer.type, tensors: [tensor('weight', [c]), tensor('bias', [c]), tensor('running_mean', [c]), tensor('running_var', [c], 1, 0.5, 2)] })
    }
  })
  return out
}

async function runOnnx(file: Uint8Array, input: Float32Array, shape: number[]): Promise<{ name: string; values: Float32Array; dims: readonly number[] }> {
  const session = await ort.InferenceSession.create(file)
  try {
    const result = await session.run({ input: new ort.Tensor('float32', input, shape) })
    const name = session.outputNames[0]
    return { name, values: result[name].data as Float32Array, dims: result[name].dims }
  } finally {
    await session.release()
  }
}

/** The largest difference between onnxruntime and the hand pass over a batch of random inputs. */
async function maxDiffAgainstHand(model: ModelSpec, batch = 3, seed = 1): Promise<{ diff: number; name: string; dims: readonly number[]; range: number }> {
  const weights = randomWeights(model, seed)
  const file = onnxExport({ spec: model, classNames: [], weights, origin: 'a test', convlabVersion: 'test' })
  const size = model.inputShape.reduce((a, b) => a * b, 1)
  const next = random(seed + 100)
  const inputs = Float32Array.from({ length: batch * size }, () => next())
  const { name, values, dims } = await runOnnx(file, inputs, [batch, ...model.inputShape])
  let diff = 0
  let low = Infinity
  let high = -Infinity
  for (let b = 0; b < batch; b++) {
    const hand = forwardPass(model, weights, inputs.subarray(b * size, (b + 1) * size)).at(-1)!.output.values
    const out = values.subarray(b * hand.length, (b + 1) * hand.length)
    expect(out.length).toBe(hand.length)
    for (let i = 0; i < hand.length; i++) {
      diff = Math.max(diff, Math.abs(out[i] - hand[i]))
      low = Math.min(low, hand[i])
      high = Math.max(high, hand[i])
    }
  }
  expect(diff).not.toBeNaN()
  return { diff, name, dims, range: high - low }
}

const every = spec(JSON.parse(readFileSync(join(import.meta.dirname, '../fixtures/models/every-layer.json'), 'utf8')) as ModelSpecInput)

describe('onnxExport, run in onnxruntime', () => {
  it('computes what ConvLab computes for the stack with every layer type', async () => {
    const { diff, name, dims, range } = await maxDiffAgainstHand(every)
    expect(name).toBe('probabilities')
    expect(dims).toEqual([3, 10])
    expect(range).toBeGreaterThan(0.01)
    expect(diff).toBeLessThanOrEqual(1e-5)
  })

  it.each([
    ['seed-cnn', getPreset('seed-cnn')!],
    ['seed-mlp', getPreset('seed-mlp')!],
    ['seed-toy', getPreset('seed-toy')!]
  ])('computes what ConvLab computes for %s, whose output is logits', async (_, model) => {
    const { diff, name } = await maxDiffAgainstHand(model, 2)
    expect(name).toBe('logits')
    expect(diff).toBeLessThanOrEqual(1e-5)
  })

  it("keeps every padding rule: uneven 'same', explicit per axis, average with and without padded cells", async () => {
    const pads = spec({
      name: 'pads',
      inputShape: [2, 17, 15],
      layers: [
        { type: 'conv2d', filters: 3, kernel: [3, 2], stride: 2, padding: 'same', activation: 'leakyrelu' },
        { type: 'avgpool2d', pool: 2, stride: 1, padding: 'same' },
        { type: 'maxpool2d', pool: 3, stride: 2, padding: 'same' },
        { type: 'conv2d', filters: 2, kernel: [3, 1], padding: [1, 0], useBias: false, activation: 'sigmoid' },
        { type: 'avgpool2d', pool: 3, stride: 1, padding: 1 },
        { type: 'maxpool2d', pool: 2, stride: 1, padding: [1, 0] },
        { type: 'batchnorm' },
        { type: 'blurpool', pool: 1, blur: 5, stride: 2 },
        { type: 'conv2d', filters: 4, kernel: 1, activation: 'softmax' }
      ]
    })
    const { diff, name, range } = await maxDiffAgainstHand(pads)
    expect(name).toBe('probabilities')
    expect(range).toBeGreaterThan(0.01)
    expect(diff).toBeLessThanOrEqual(1e-5)
  })

  it('takes vector inputs, BatchNorm over features and a dense layer without bias', async () => {
    const vector = spec({
      name: 'vector',
      inputShape: [6],
      layers: [{ type: 'batchnorm', epsilon: 0.01 }, { type: 'dense', units: 5, useBias: false, activation: 'tanh' }, { type: 'dropout', rate: 0.5 }]
    })
    const { diff, dims } = await maxDiffAgainstHand(vector, 4)
    expect(dims).toEqual([4, 5])
    expect(diff).toBeLessThanOrEqual(1e-5)
  })

  it('passes the input through for a stack that computes nothing at inference', async () => {
    const model = spec({ name: 'dropout only', inputShape: [3], layers: [{ type: 'dropout', rate: 0.5 }] })
    const file = onnxExport({ spec: model, classNames: [], weights: [], origin: 'a test', convlabVersion: 'test' })
    const { values } = await runOnnx(file, Float32Array.from([1, -2, 3]), [1, 3])
    expect(Array.from(values)).toEqual([1, -2, 3])
  })

  it('has a dynamic batch: the same file runs one image or many', async () => {
    const model = getPreset('seed-toy')!
    const file = onnxExport({ spec: model, classNames: ['a', 'b'], weights: randomWeights(model, 3), origin: 'a test', convlabVersion: 'test' })
    for (const batch of [1, 5]) {
      const { dims } = await runOnnx(file, new Float32Array(batch * 16), [batch, 1, 4, 4])
      expect(dims).toEqual([batch, 1])
    }
  })
})

describe('the ONNX file', () => {
  const mlp = getPreset('seed-mlp')!
  const decoded = (file: Uint8Array) => ModelProto.toObject(ModelProto.decode(file), { longs: Number, bytes: Array, defaults: false }) as {
    ir_version: number
    opset_import: { domain?: string; version: number }[]
    metadata_props: { key: string; value: string }[]
    graph: { node: { op_type: string; name: string; output: string[] }[]; input: { name: string; type: { tensor_type: { shape: { dim: { dim_param?: string; dim_value?: number }[] } } } }[]; output: { name: string }[] }
  }

  it('is opset 17, IR version 8, with a dynamic batch on an NCHW float input and the class names kept', () => {
    const model = decoded(onnxExport({ spec: mlp, classNames: ['T-shirt', 'Boot'], weights: randomWeights(mlp, 1), origin: 'run x', convlabVersion: '0.1.0' }))
    expect(model.ir_version).toBe(8)
    expect(model.opset_import).toEqual([{ domain: '', version: 17 }])
    expect(model.graph.input[0].name).toBe('input')
    expect(model.graph.input[0].type.tensor_type.shape.dim).toEqual([{ dim_param: 'batch' }, { dim_value: 1 }, { dim_value: 28 }, { dim_value: 28 }])
    expect(model.graph.node.map((n) => n.op_type)).toEqual(['Flatten', 'Gemm', 'Relu', 'Gemm'])
    expect(model.graph.output.map((o) => o.name)).toEqual(['logits'])
    expect(model.metadata_props).toEqual([{ key: 'class_names', value: '["T-shirt","Boot"]' }])
  })

  it('leaves dropout out and builds BlurPool from MaxPool, a reflecting Pad and a depthwise Conv', () => {
    const nodes = onnxModel({ spec: every, classNames: [], weights: randomWeights(every, 1), origin: 'o', convlabVersion: 'v' }).graph.node
    expect(nodes.map((n) => n.op_type)).not.toContain('Dropout')
    const blur = nodes.filter((n) => n.name.startsWith('BlurPool2d-10'))
    expect(blur.map((n) => n.op_type)).toEqual(['MaxPool', 'Pad', 'Conv'])
    expect(blur[1].attribute).toEqual([{ name: 'mode', type: 3, s: new TextEncoder().encode('reflect') }])
    expect(blur[2].attribute).toContainEqual({ name: 'group', type: 2, i: 8 })
  })

  it('names the output probabilities where the stack ends in softmax, even before a dropout', () => {
    expect(endsInSoftmax(every)).toBe(true)
    expect(endsInSoftmax(spec({ name: 'x', inputShape: [4], layers: [{ type: 'dense', units: 2, activation: 'softmax' }, { type: 'dropout', rate: 0.1 }] }))).toBe(true)
    expect(endsInSoftmax(mlp)).toBe(false)
  })

  it('refuses a run without a layer of weights, or with weights of the wrong shape, naming the layer', () => {
    const weights = randomWeights(mlp, 1)
    const source = { spec: mlp, classNames: [], origin: 'o', convlabVersion: 'v' }
    expect(() => onnxExport({ ...source, weights: weights.slice(0, 1) })).toThrow(new ExportError('Layer 4 (Linear-4) has no trained weights in this run.'))
    const transposed = weights.map((w) => (w.index === 1 ? { ...w, tensors: w.tensors.map((t) => (t.name === 'weight' ? { ...t, shape: [784, 1000] } : t)) } : w))
    expect(() => onnxExport({ ...source, weights: transposed })).toThrow('Layer 2 (Linear-2): weight is [784, 1000], the layer needs [1000, 784].')
    expect(() => onnxExport({ ...source, spec: spec({ name: 'x', inputShape: [1, 2, 2], layers: [{ type: 'conv2d', filters: 1, kernel: 3 }] }), weights: [] })).toThrow(
      /The stack cannot be built: Layer 1/
    )
  })
})

const PYTHON = '/usr/bin/python3'
const hasOnnx = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import onnx'], { stdio: 'ignore' }).status === 0
if (!hasOnnx) console.warn("Skipping ONNX's own checker: Debian's python3-onnx is missing (apt-get install python3-onnx).")

describe.skipIf(!hasOnnx)("ONNX's checker (Debian's python3-onnx)", () => {
  const dir = mkdtempSync(join(tmpdir(), 'convlab-onnx-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('accepts the export of every layer type with full_check (shape inference included)', () => {
    const path = join(dir, 'every-layer.onnx')
    writeFileSync(path, onnxExport({ spec: every, classNames: [], weights: randomWeights(every, 1), origin: 'o', convlabVersion: 'v' }))
    const checked = spawnSync(PYTHON, ['-c', 'import sys, onnx; onnx.checker.check_model(sys.argv[1], full_check=True); print(onnx.load(sys.argv[1]).graph.output[0])', path], { encoding: 'utf8' })
    expect(checked.status, checked.stderr).toBe(0)
    expect(checked.stdout).toContain('name: "probabilities"')
  })

  it('ships onnx.proto as python3-onnx has it, comments aside', () => {
    const proto = spawnSync(PYTHON, ['-c', 'import os, onnx; print(open(os.path.join(os.path.dirname(onnx.__file__), "onnx.proto")).read())'], { encoding: 'utf8' }).stdout
    const strip = (text: string): string =>
      text
        .split('\n')
        .map((line) => line.replace(/\/\/.*$/, '').trimEnd())
        .filter((line) => line.trim())
        .join('\n')
    expect(strip(ONNX_PROTO)).toBe(strip(proto))
  })
})
