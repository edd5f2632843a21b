/**
 * `export --format onnx`: the trained network as one ONNX file (opset 17, IR version 8) for
 * inference. Pure: a spec and its weights in PyTorch's layouts (what the engine's 'model/weights'
 * returns) in, the file's bytes out, encoded by protobufjs with ONNX's own schema.
 *
 * Every layer is the standard operator that computes what ConvLab computes: padding goes into the
 * operator's own `pads` (ONNX takes them per side, so tfjs's uneven 'same' needs no pad node),
 * max pooling never picks a padded cell, average pooling counts padded zeros for explicit padding
 * (PyTorch's rule) and leaves them out for 'same' (tfjs's), dropout is left out as at inference.
 */
import type { LayerWeights } from '../engine/process/protocol'
import { windowOf, type Pads } from '../shared/windows'
import { binomialTaps, blurPads, type ActivationName, type ModelSpec } from '../shared/layers'
import { inferShapes } from '../shared/shapes'
import { ModelProto } from './onnx-proto'
import { ExportError } from './torch-modules'

export const ONNX_OPSET = 17
/** The IR version ONNX 1.12 wrote for opset 17; the oldest that runtimes reading opset 17 accept. */
const IR_VERSION = 8
export const ONNX_INPUT = 'input'

export interface OnnxSource {
  spec: ModelSpec
  classNames: string[]
  weights: readonly LayerWeights[]
  /** Where the model came from, kept in the file's doc string. */
  origin: string
  convlabVersion: string
}

// The messages of onnx.proto this file writes, as protobufjs's fromObject takes them (field names
// as in onnx.proto, since the schema is parsed with keepCase).
const FLOAT = 1
const INT64 = 7
const ATTRIBUTE_FLOAT = 1
const ATTRIBUTE_INT = 2
const ATTRIBUTE_STRING = 3
const ATTRIBUTE_INTS = 7

interface AttributeMessage {
  name: string
  type: number
  f?: number
  i?: number
  s?: Uint8Array
  ints?: number[]
}

interface NodeMessage {
  name: string
  op_type: string
  input: string[]
  output: string[]
  attribute: AttributeMessage[]
}

interface TensorMessage {
  name: string
  dims: number[]
  data_type: number
  raw_data: Uint8Array
}

interface ValueInfoMessage {
  name: string
  type: { tensor_type: { elem_type: number; shape: { dim: ({ dim_param: string } | { dim_value: number })[] } } }
}

export type ModelMessage = {
  ir_version: number
  opset_import: { domain: string; version: number }[]
  producer_name: string
  producer_version: string
  doc_string: string
  graph: { name: string; node: NodeMessage[]; initializer: TensorMessage[]; input: ValueInfoMessage[]; output: ValueInfoMessage[] }
  metadata_props: { key: string; value: string }[]
}

const float = (name: string, f: number): AttributeMessage => ({ name, type: ATTRIBUTE_FLOAT, f })
const int = (name: string, i: number): AttributeMessage => ({ name, type: ATTRIBUTE_INT, i })
const string = (name: string, text: string): AttributeMessage => ({ name, type: ATTRIBUTE_STRING, s: new TextEncoder().encode(text) })
const ints = (name: string, values: number[]): AttributeMessage => ({ name, type: ATTRIBUTE_INTS, ints: values })

/** ONNX's pads order for 2-D: all the starts, then all the ends. */
const onnxPads = (p: Pads): number[] => [p.top, p.left, p.bottom, p.right]

function bytesOf(values: Float32Array | BigInt64Array): Uint8Array {
  // raw_data is little-endian; so are typed arrays on every platform Electron runs on.
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength)
}

/** Whether the network's output is class probabilities (its last computing layer is a softmax). */
export function endsInSoftmax(spec: ModelSpec): boolean {
  const last = spec.layers.filter((l) => l.type !== 'dropout').at(-1)
  if (!last) return false
  if (last.type === 'softmax') return true
  return (last.type === 'conv2d' || last.type === 'dense') && last.activation === 'softmax'
}

/** The graph as it is built: nodes and initializers in order, each tensor named once. */
class GraphBuilder {
  readonly nodes: NodeMessage[] = []
  readonly initializers: TensorMessage[] = []

  node(name: string, opType: string, input: string[], attribute: AttributeMessage[] = []): string {
    this.nodes.push({ name, op_type: opType, input, output: [name], attribute })
    return name
  }

  initializer(name: string, dims: number[], values: Float32Array | BigInt64Array): string {
    this.initializers.push({ name, dims, data_type: values instanceof Float32Array ? FLOAT : INT64, raw_data: bytesOf(values) })
    return name
  }

  activation(name: ActivationName, x: string, prefix: string, alpha?: number): string {
    switch (name) {
      case 'linear':
        return x
      case 'relu':
        return this.node(`${prefix}/Relu`, 'Relu', [x])
      case 'leakyrelu':
        // ConvLab's fused leakyrelu has no slope of its own: PyTorch's default, as the engine uses.
        return this.node(`${prefix}/LeakyRelu`, 'LeakyRelu', [x], [float('alpha', alpha ?? 0.01)])
      case 'sigmoid':
        return this.node(`${prefix}/Sigmoid`, 'Sigmoid', [x])
      case 'tanh':
        return this.node(`${prefix}/Tanh`, 'Tanh', [x])
      case 'softmax':
        // Over channels for [N, C, H, W] and over features for [N, F], as ConvLab (opset 13 on
        // normalises along this one axis only).
        return this.node(`${prefix}/Softmax`, 'Softmax', [x], [int('axis', 1)])
    }
  }
}

/** One spec layer's trained tensors by name, each checked against the shape the layer needs. */
function layerTensors(weights: readonly LayerWeights[], index: number, label: string, expected: Record<string, number[]>): Record<string, Float32Array> {
  const layer = weights.find((w) => w.index === index)
  if (!layer) throw new ExportError(`Layer ${index + 1} (${label}) has no trained weights in this run.`)
  const out: Record<string, Float32Array> = {}
  for (const [name, shape] of Object.entries(expected)) {
    const tensor = layer.tensors.find((t) => t.name === name)
    if (!tensor) throw new ExportError(`Layer ${index + 1} (${label}) has no ${name} in this run.`)
    const count = shape.reduce((a, b) => a * b, 1)
    if (tensor.shape.join(',') !== shape.join(',') || tensor.values.length !== count) {
      throw new ExportError(`Layer ${index + 1} (${label}): ${name} is [${tensor.shape.join(', ')}], the layer needs [${shape.join(', ')}].`)
    }
    out[name] = tensor.values
  }
  return out
}

/** The blur's fixed b x b kernel for each of `channels` channels, weights as the engine computes them. */
function blurKernel(blur: 2 | 3 | 5, channels: number): Float32Array {
  const taps = binomialTaps(blur)
  const plane = taps.flatMap((a) => taps.map((b) => a * b))
  const out = new Float32Array(channels * plane.length)
  for (let c = 0; c < channels; c++) out.set(plane, c * plane.length)
  return out
}

/** The ONNX graph of the stack; throws ExportError naming the layer when something is missing. */
export function onnxModel(source: OnnxSource): ModelMessage {
  const { spec, weights } = source
  const report = inferShapes(spec)
  if (report.error) throw new ExportError(`The stack cannot be built: ${report.error.message}`)
  const g = new GraphBuilder()
  let x = ONNX_INPUT

  for (const [index, layer] of spec.layers.entries()) {
    const row = report.rows[index]
    const label = row.name
    const input = row.inputShape
    switch (layer.type) {
      case 'conv2d': {
        const [c, h, w] = input
        const { kernel, stride, pads } = windowOf(layer, h, w)
        const t = layerTensors(weights, index, label, { weight: [layer.filters, c, ...kernel], ...(layer.useBias ? { bias: [layer.filters] } : {}) })
        const inputs = [x, g.initializer(`${label}.weight`, [layer.filters, c, ...kernel], t.weight)]
        if (layer.useBias) inputs.push(g.initializer(`${label}.bias`, [layer.filters], t.bias))
        x = g.node(label, 'Conv', inputs, [
          ints('kernel_shape', kernel),
          ints('strides', stride),
          ints('pads', onnxPads(pads))
        ])
        x = g.activation(layer.activation, x, label)
        break
      }
      case 'maxpool2d':
      case 'avgpool2d': {
        const [, h, w] = input
        const { kernel, stride, pads } = windowOf(layer, h, w)
        const attributes = [ints('kernel_shape', kernel), ints('strides', stride), ints('pads', onnxPads(pads))]
        // MaxPool never takes a padded cell, which is both PyTorch's -inf padding and tfjs's
        // 'same'. An average counts the zeros of explicit padding (PyTorch's count_include_pad)
        // and leaves 'same' padding out (tfjs).
        if (layer.type === 'avgpool2d') attributes.push(int('count_include_pad', layer.padding === 'same' ? 0 : 1))
        x = g.node(label, layer.type === 'maxpool2d' ? 'MaxPool' : 'AveragePool', [x], attributes)
        break
      }
      case 'blurpool': {
        const channels = input[0]
        const [before, after] = blurPads(layer.blur)
        x = g.node(`${label}/MaxPool`, 'MaxPool', [x], [ints('kernel_shape', [layer.pool, layer.pool]), ints('strides', [1, 1])])
        const pads = g.initializer(`${label}.pads`, [8], BigInt64Array.from([0, 0, before, before, 0, 0, after, after], BigInt))
        // ONNX's reflect mode is Zhang's (and ConvLab's): the edge is not repeated.
        x = g.node(`${label}/Pad`, 'Pad', [x, pads], [string('mode', 'reflect')])
        const kernel = g.initializer(`${label}.kernel`, [channels, 1, layer.blur, layer.blur], blurKernel(layer.blur, channels))
        x = g.node(label, 'Conv', [x, kernel], [
          ints('kernel_shape', [layer.blur, layer.blur]),
          ints('strides', [layer.stride, layer.stride]),
          int('group', channels)
        ])
        break
      }
      case 'relu':
      case 'sigmoid':
      case 'tanh':
      case 'softmax':
        x = g.activation(layer.type, x, label)
        break
      case 'leakyrelu':
        x = g.activation('leakyrelu', x, label, layer.alpha)
        break
      case 'flatten':
        // Channels first, as ConvLab flattens.
        x = g.node(label, 'Flatten', [x], [int('axis', 1)])
        break
      case 'dense': {
        const features = input[0]
        const t = layerTensors(weights, index, label, { weight: [layer.units, features], ...(layer.useBias ? { bias: [layer.units] } : {}) })
        const inputs = [x, g.initializer(`${label}.weight`, [layer.units, features], t.weight)]
        if (layer.useBias) inputs.push(g.initializer(`${label}.bias`, [layer.units], t.bias))
        // The weight is PyTorch's [out, in]: Gemm takes it transposed.
        x = g.node(label, 'Gemm', inputs, [int('transB', 1)])
        x = g.activation(layer.activation, x, label)
        break
      }
      case 'dropout':
        // Identity at inference, which is all this file is for.
        break
      case 'batchnorm': {
        const channels = input[0]
        const t = layerTensors(weights, index, label, { weight: [channels], bias: [channels], running_mean: [channels], running_var: [channels] })
        const names = (['weight', 'bias', 'running_mean', 'running_var'] as const).map((n) => g.initializer(`${label}.${n}`, [channels], t[n]))
        // ONNX's BatchNormalization takes [N, C] as well as [N, C, H, W], as ConvLab's does.
        x = g.node(label, 'BatchNormalization', [x, ...names], [float('epsilon', layer.epsilon)])
        break
      }
    }
  }
  // A stack that computes nothing at inference (empty, or dropout only) still needs a node.
  if (x === ONNX_INPUT) g.node('Identity', 'Identity', [x])
  // The last node's output is the graph's, named for what it holds rather than for its layer.
  const output = endsInSoftmax(spec) ? 'probabilities' : 'logits'
  g.nodes.at(-1)!.output = [output]

  const valueInfo = (name: string, shape: readonly number[]): ValueInfoMessage => ({
    name,
    type: { tensor_type: { elem_type: FLOAT, shape: { dim: [{ dim_param: 'batch' }, ...shape.map((d) => ({ dim_value: d }))] } } }
  })
  return {
    ir_version: IR_VERSION,
    opset_import: [{ domain: '', version: ONNX_OPSET }],
    producer_name: 'ConvLab',
    producer_version: source.convlabVersion,
    doc_string: `${spec.name}, exported from ConvLab ${source.convlabVersion} (${source.origin}).`,
    graph: {
      name: spec.name,
      node: g.nodes,
      initializer: g.initializers,
      input: [valueInfo(ONNX_INPUT, spec.inputShape)],
      output: [valueInfo(output, report.outputShape)]
    },
    metadata_props: [{ key: 'class_names', value: JSON.stringify(source.classNames) }]
  }
}

export function onnxExport(source: OnnxSource): Uint8Array {
  const model = onnxModel(source)
  const problem = ModelProto.verify(model)
  if (problem) throw new Error(`ONNX model does not fit onnx.proto: ${problem}`)
  return ModelProto.encode(ModelProto.fromObject(model)).finish()
}
