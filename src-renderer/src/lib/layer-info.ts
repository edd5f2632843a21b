/**
 * What the Build view says about each layer type: palette groups, the defaults a new layer
 * starts with, the fields its form shows and their valid ranges (read from the zod schemas in
 * layers.ts, so a range changes in one place).
 */
import { z } from 'zod'
import {
  BatchNormSpec,
  BlurPoolSpec,
  Conv2DSpec,
  DenseSpec,
  DropoutSpec,
  LayerSpec,
  LeakyReLUSpec,
  TORCH_LAYER_NAMES,
  pair,
  type LayerSpecInput,
  type LayerType,
  type Pair,
  type Padding
} from '@shared/layers'

/** Drag-and-drop payloads: a type from the palette, or a layer id moved within the stack. */
export const PALETTE_MIME = 'application/x-convlab-layer-type'
export const LAYER_MIME = 'application/x-convlab-layer-id'

export const PALETTE: { group: string; types: { type: LayerType; hint: string }[] }[] = [
  {
    group: 'Feature extraction',
    types: [
      { type: 'conv2d', hint: 'Learned filters' },
      { type: 'maxpool2d', hint: 'Max of each window' },
      { type: 'avgpool2d', hint: 'Mean of each window' },
      { type: 'blurpool', hint: 'Anti-aliased max pool' }
    ]
  },
  {
    group: 'Activation',
    types: [
      { type: 'relu', hint: 'max(0, x)' },
      { type: 'leakyrelu', hint: 'Small slope below 0' },
      { type: 'sigmoid', hint: 'Squashes to 0..1' },
      { type: 'tanh', hint: 'Squashes to -1..1' },
      { type: 'softmax', hint: 'Scores to probabilities' }
    ]
  },
  {
    group: 'Classifier',
    types: [
      { type: 'flatten', hint: 'Image to a flat vector' },
      { type: 'dense', hint: 'Dense, fully connected' }
    ]
  },
  {
    group: 'Regularisation',
    types: [
      { type: 'dropout', hint: 'Zeroes some values' },
      { type: 'batchnorm', hint: 'Normalises channels' }
    ]
  }
]

/** The label the editor uses, PyTorch's name as in the summary table. */
export function layerLabel(type: LayerType): string {
  return type === 'batchnorm' ? 'BatchNorm' : TORCH_LAYER_NAMES[type]
}

const STARTERS: Record<LayerType, LayerSpecInput> = {
  conv2d: { type: 'conv2d', filters: 32, kernel: 3 },
  maxpool2d: { type: 'maxpool2d', pool: 2 },
  avgpool2d: { type: 'avgpool2d', pool: 2 },
  blurpool: { type: 'blurpool' },
  relu: { type: 'relu' },
  leakyrelu: { type: 'leakyrelu' },
  sigmoid: { type: 'sigmoid' },
  tanh: { type: 'tanh' },
  softmax: { type: 'softmax' },
  flatten: { type: 'flatten' },
  dense: { type: 'dense', units: 128 },
  dropout: { type: 'dropout', rate: 0.25 },
  batchnorm: { type: 'batchnorm' }
}

/** A new layer as the palette adds it, every default filled in. */
export function starterLayer(type: LayerType): LayerSpec {
  return LayerSpec.parse(STARTERS[type])
}

const fmtPair = (p: Pair): string => {
  const [h, w] = pair(p)
  return `${h}×${w}`
}

const fmtPadding = (p: Padding): string => (typeof p === 'string' ? p : `pad ${fmtPair(p)}`)

/** The one-line reminder of a layer's settings shown on its card. */
export function layerDetails(layer: LayerSpec): string {
  switch (layer.type) {
    case 'conv2d': {
      const parts = [`${layer.filters} filters`, fmtPair(layer.kernel)]
      if (pair(layer.stride).some((s) => s !== 1)) parts.push(`stride ${fmtPair(layer.stride)}`)
      if (layer.padding !== 'valid') parts.push(fmtPadding(layer.padding))
      if (layer.activation !== 'linear') parts.push(layer.activation)
      return parts.join(' · ')
    }
    case 'maxpool2d':
    case 'avgpool2d': {
      const parts = [fmtPair(layer.pool)]
      if (layer.stride !== undefined) parts.push(`stride ${fmtPair(layer.stride)}`)
      if (layer.padding !== 'valid') parts.push(fmtPadding(layer.padding))
      return parts.join(' · ')
    }
    case 'blurpool':
      return `max ${layer.pool}×${layer.pool} · blur ${layer.blur} · stride ${layer.stride}`
    case 'dense':
      return [`${layer.units} units`, ...(layer.activation !== 'linear' ? [layer.activation] : [])].join(' · ')
    case 'dropout':
      return `rate ${layer.rate}`
    case 'leakyrelu':
      return `slope ${layer.alpha}`
    case 'batchnorm':
      return `momentum ${layer.momentum}`
    default:
      return ''
  }
}

/** Bounds of a zod number, looking through `.default()`. */
function bounds(schema: z.ZodType): { min?: number; max?: number } {
  const inner = schema instanceof z.ZodDefault ? schema.unwrap() : schema
  if (!(inner instanceof z.ZodNumber)) return {}
  const finite = (v: number | null): v is number => v !== null && Number.isFinite(v)
  return { ...(finite(inner.minValue) ? { min: inner.minValue } : {}), ...(finite(inner.maxValue) ? { max: inner.maxValue } : {}) }
}

export type FieldDef =
  | { key: string; kind: 'int' | 'number'; label: string; min?: number; max?: number; step?: number; help: string }
  | { key: string; kind: 'pair'; label: string; optional?: string; help: string }
  | { key: string; kind: 'padding'; label: string; help: string }
  | { key: string; kind: 'activation'; label: string; help: string }
  | { key: string; kind: 'boolean'; label: string; help: string }

const POOL_FIELDS: FieldDef[] = [
  { key: 'pool', kind: 'pair', label: 'Pool size', help: 'Window height × width' },
  { key: 'stride', kind: 'pair', label: 'Stride', optional: 'same as pool', help: 'Step between windows' },
  { key: 'padding', kind: 'padding', label: 'Padding', help: 'At most half the pool size' }
]

export const FIELDS: Record<LayerType, FieldDef[]> = {
  conv2d: [
    { key: 'filters', kind: 'int', label: 'Filters', ...bounds(Conv2DSpec.shape.filters), help: 'Output channels' },
    { key: 'kernel', kind: 'pair', label: 'Kernel', help: 'Filter height × width' },
    { key: 'stride', kind: 'pair', label: 'Stride', help: 'Step between positions' },
    { key: 'padding', kind: 'padding', label: 'Padding', help: "'same' keeps the size at stride 1" },
    { key: 'activation', kind: 'activation', label: 'Activation', help: 'Applied to every output' },
    { key: 'useBias', kind: 'boolean', label: 'Bias', help: 'One learned offset per filter' }
  ],
  maxpool2d: POOL_FIELDS,
  avgpool2d: POOL_FIELDS,
  blurpool: [
    { key: 'pool', kind: 'int', label: 'Max pool', ...bounds(BlurPoolSpec.shape.pool), help: 'Window of the stride-1 max' },
    { key: 'blur', kind: 'int', label: 'Blur taps', min: 2, max: 5, help: 'Binomial filter: 2, 3 or 5' },
    { key: 'stride', kind: 'int', label: 'Stride', ...bounds(BlurPoolSpec.shape.stride), help: 'Keeps every n-th pixel after the blur' }
  ],
  relu: [],
  leakyrelu: [{ key: 'alpha', kind: 'number', label: 'Negative slope', step: 0.01, ...bounds(LeakyReLUSpec.shape.alpha), help: 'Slope for x < 0' }],
  sigmoid: [],
  tanh: [],
  softmax: [],
  flatten: [],
  dense: [
    { key: 'units', kind: 'int', label: 'Units', ...bounds(DenseSpec.shape.units), help: 'Output values' },
    { key: 'activation', kind: 'activation', label: 'Activation', help: 'Applied to every output' },
    { key: 'useBias', kind: 'boolean', label: 'Bias', help: 'One learned offset per unit' }
  ],
  dropout: [{ key: 'rate', kind: 'number', label: 'Rate', step: 0.05, ...bounds(DropoutSpec.shape.rate), help: 'Share of values zeroed, below 1' }],
  batchnorm: [
    { key: 'momentum', kind: 'number', label: 'Momentum', step: 0.01, ...bounds(BatchNormSpec.shape.momentum), help: 'Between 0 and 1' },
    { key: 'epsilon', kind: 'number', label: 'Epsilon', step: 0.00001, ...bounds(BatchNormSpec.shape.epsilon), help: 'Added to the variance' }
  ]
}
