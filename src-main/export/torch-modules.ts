/**
 * A ConvLab layer stack as PyTorch modules: one `nn.Sequential` line per module, and where each
 * spec layer's weights go in its state_dict. Shapes come from inferShapes, so padding that
 * PyTorch's layers cannot take as an argument (tfjs's 'same' is asymmetric when the stride does
 * not divide evenly) becomes an explicit pad module of the right kind in front of the layer.
 */
import { windowOf, type Pads } from '../shared/windows'
import type { ActivationName, ModelSpec } from '../shared/layers'
import { inferShapes } from '../shared/shapes'

/** A stack a format cannot express: says which layer and why, so nothing exports wrong. */
export class ExportError extends Error {}

export type HelperModule = 'BlurPool2d' | 'AvgPool2dSame'

export interface TorchModule {
  /** The Python expression, e.g. `nn.Conv2d(1, 64, kernel_size=(3, 3))`. */
  code: string
  /** The spec layer whose weights this module holds. */
  weightsOf?: { specIndex: number; kind: 'conv' | 'linear' | 'batchnorm' }
}

export interface TorchPlan {
  modules: TorchModule[]
  helpers: HelperModule[]
}

const ACTIVATION_MODULES: Record<Exclude<ActivationName, 'linear'>, (alpha?: number) => string> = {
  relu: () => 'nn.ReLU()',
  leakyrelu: (alpha) => `nn.LeakyReLU(negative_slope=${py(alpha ?? 0.01)})`,
  sigmoid: () => 'nn.Sigmoid()',
  tanh: () => 'nn.Tanh()',
  // Over channels for [N, C, H, W] and over features for [N, F]: dim 1 both times, as ConvLab.
  softmax: () => 'nn.Softmax(dim=1)'
}

/** A finite number as Python source: JS prints the shortest form that reads back the same
 * double, and Python reads that form to the same double. */
export function py(value: number): string {
  if (!Number.isFinite(value)) throw new ExportError(`${value} has no Python literal`)
  return String(value)
}

function tuple([a, b]: [number, number]): string {
  return `(${a}, ${b})`
}

const symmetric = (p: Pads): boolean => p.top === p.bottom && p.left === p.right
const nothing = (p: Pads): boolean => p.top === 0 && p.bottom === 0 && p.left === 0 && p.right === 0
/** PyTorch's F.pad order: (left, right, top, bottom). */
const padTuple = (p: Pads): string => `(${p.left}, ${p.right}, ${p.top}, ${p.bottom})`

export function planTorchModules(spec: ModelSpec): TorchPlan {
  const report = inferShapes(spec)
  if (report.error) throw new ExportError(`The stack cannot be built: ${report.error.message}`)
  const modules: TorchModule[] = []
  const helpers = new Set<HelperModule>()
  const activation = (name: ActivationName): void => {
    if (name !== 'linear') modules.push({ code: ACTIVATION_MODULES[name]() })
  }

  for (const [index, layer] of spec.layers.entries()) {
    const input = report.rows[index].inputShape
    switch (layer.type) {
      case 'conv2d': {
        const [c, h, w] = input
        const { kernel, stride, pads } = windowOf(layer, h, w)
        const padding = symmetric(pads) && !nothing(pads) ? `, padding=${tuple([pads.top, pads.left])}` : ''
        if (!symmetric(pads)) modules.push({ code: `nn.ZeroPad2d(${padTuple(pads)})` })
        const strideArg = stride[0] === 1 && stride[1] === 1 ? '' : `, stride=${tuple(stride)}`
        modules.push({
          code: `nn.Conv2d(${c}, ${layer.filters}, kernel_size=${tuple(kernel)}${strideArg}${padding}${layer.useBias ? '' : ', bias=False'})`,
          weightsOf: { specIndex: index, kind: 'conv' }
        })
        activation(layer.activation)
        break
      }
      case 'maxpool2d':
      case 'avgpool2d': {
        const [, h, w] = input
        const { kernel, stride, pads } = windowOf(layer, h, w)
        const isMax = layer.type === 'maxpool2d'
        const name = isMax ? 'MaxPool2d' : 'AvgPool2d'
        const args = `kernel_size=${tuple(kernel)}, stride=${tuple(stride)}`
        if (nothing(pads)) {
          modules.push({ code: `nn.${name}(${args})` })
        } else if (!isMax && layer.padding === 'same') {
          // tfjs leaves 'same' padding out of the average; PyTorch's AvgPool2d cannot.
          helpers.add('AvgPool2dSame')
          modules.push({ code: `AvgPool2dSame(${args}, padding=${padTuple(pads)})` })
        } else if (symmetric(pads)) {
          // Explicit padding is PyTorch's own (max pads with -inf, average counts the zeros), and
          // inferShapes has already held it to PyTorch's limit of half the window.
          modules.push({ code: `nn.${name}(${args}, padding=${tuple([pads.top, pads.left])})` })
        } else {
          modules.push({ code: `nn.ConstantPad2d(${padTuple(pads)}, float('-inf'))` })
          modules.push({ code: `nn.MaxPool2d(${args})` })
        }
        break
      }
      case 'blurpool':
        helpers.add('BlurPool2d')
        modules.push({ code: `BlurPool2d(${input[0]}, pool=${layer.pool}, blur=${layer.blur}, stride=${layer.stride})` })
        break
      case 'relu':
      case 'sigmoid':
      case 'tanh':
      case 'softmax':
        activation(layer.type)
        break
      case 'leakyrelu':
        modules.push({ code: ACTIVATION_MODULES.leakyrelu(layer.alpha) })
        break
      case 'flatten':
        // ConvLab flattens channels first, as nn.Flatten does on NCHW.
        modules.push({ code: 'nn.Flatten()' })
        break
      case 'dense':
        modules.push({
          code: `nn.Linear(${input[0]}, ${layer.units}${layer.useBias ? '' : ', bias=False'})`,
          weightsOf: { specIndex: index, kind: 'linear' }
        })
        activation(layer.activation)
        break
      case 'dropout':
        modules.push({ code: `nn.Dropout(p=${py(layer.rate)})` })
        break
      case 'batchnorm':
        modules.push({
          code: `nn.BatchNorm${input.length === 3 ? '2' : '1'}d(${input[0]}, eps=${py(layer.epsilon)}, momentum=${py(layer.momentum)})`,
          weightsOf: { specIndex: index, kind: 'batchnorm' }
        })
        break
    }
  }
  return { modules, helpers: [...helpers].sort() }
}
