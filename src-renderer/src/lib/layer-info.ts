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
import { t } from '@renderer/i18n'

/** Drag-and-drop payloads: a type from the palette, or a layer id moved within the stack. */
/** Drag-and-drop payloads: a type from the palette, or a layer id moved within the stack. */
export const PALETTE_MIME = 'application/x-convlab-layer-type'
export const LAYER_MIME = 'application/x-convlab-layer-id'

/** Palette groups and their layer types; names and hints are messages under build.palette. */
export const PALETTE: { group: 'features' | 'activation' | 'classifier' | 'regularisation'; types: LayerType[] }[] = [
  { group: 'features', types: ['conv2d', 'maxpool2d', 'avgpool2d', 'blurpool'] },
  { group: 'activation', types: ['relu', 'leakyrelu', 'sigmoid', 'tanh', 'softmax'] },
  { group: 'classifier', types: ['flatten', 'dense'] },
  { group: 'regularisation', types: ['dropout', 'batchnorm'] }
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

const fmtPadding = (p: Padding): string => (typeof p === 'string' ? p : t('build.details.pad', { size: fmtPair(p) }))

/** The one-line reminder of a layer's settings shown on its card. */
export function layerDetails(layer: LayerSpec): string {
  switch (layer.type) {
    case 'conv2d': {
      const parts = [t('build.details.filters', { n: layer.filters }), fmtPair(layer.kernel)]
      if (pair(layer.stride).some((s) => s !== 1)) parts.push(t('build.details.stride', { size: fmtPair(layer.stride) }))
      if (layer.padding !== 'valid') parts.push(fmtPadding(layer.padding))
      if (layer.activation !== 'linear') parts.push(layer.activation)
      return parts.join(' · ')
    }
    case 'maxpool2d':
    case 'avgpool2d': {
      const parts = [fmtPair(layer.pool)]
      if (layer.stride !== undefined) parts.push(t('build.details.stride', { size: fmtPair(layer.stride) }))
      if (layer.padding !== 'valid') parts.push(fmtPadding(layer.padding))
      return parts.join(' · ')
    }
    case 'blurpool':
      return t('build.details.blurpool', { pool: `${layer.pool}×${layer.pool}`, blur: layer.blur, stride: layer.stride })
    case 'dense':
      return [t('build.details.units', { n: layer.units }), ...(layer.activation !== 'linear' ? [layer.activation] : [])].join(' · ')
    case 'dropout':
      return t('build.details.rate', { rate: layer.rate })
    case 'leakyrelu':
      return t('build.details.slope', { alpha: layer.alpha })
    case 'batchnorm':
      return t('build.details.momentum', { momentum: layer.momentum })
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

/** `label`, `help` and `optional` are message keys under build.fields. */
export type FieldDef =
  | { key: string; kind: 'int' | 'number'; label: string; min?: number; max?: number; step?: number; help: string }
  | { key: string; kind: 'pair'; label: string; optional?: string; help: string }
  | { key: string; kind: 'padding'; label: string; help: string }
  | { key: string; kind: 'activation'; label: string; help: string }
  | { key: string; kind: 'boolean'; label: string; help: string }

const POOL_FIELDS: FieldDef[] = [
  { key: 'pool', kind: 'pair', label: 'poolSize', help: 'poolSizeHelp' },
  { key: 'stride', kind: 'pair', label: 'stride', optional: 'poolStrideOptional', help: 'poolStrideHelp' },
  { key: 'padding', kind: 'padding', label: 'padding', help: 'poolPaddingHelp' }
]

export const FIELDS: Record<LayerType, FieldDef[]> = {
  conv2d: [
    { key: 'filters', kind: 'int', label: 'filters', ...bounds(Conv2DSpec.shape.filters), help: 'filtersHelp' },
    { key: 'kernel', kind: 'pair', label: 'kernel', help: 'kernelHelp' },
    { key: 'stride', kind: 'pair', label: 'stride', help: 'convStrideHelp' },
    { key: 'padding', kind: 'padding', label: 'padding', help: 'convPaddingHelp' },
    { key: 'activation', kind: 'activation', label: 'activation', help: 'activationHelp' },
    { key: 'useBias', kind: 'boolean', label: 'bias', help: 'convBiasHelp' }
  ],
  maxpool2d: POOL_FIELDS,
  avgpool2d: POOL_FIELDS,
  blurpool: [
    { key: 'pool', kind: 'int', label: 'maxPool', ...bounds(BlurPoolSpec.shape.pool), help: 'maxPoolHelp' },
    { key: 'blur', kind: 'int', label: 'blurTaps', min: 2, max: 5, help: 'blurTapsHelp' },
    { key: 'stride', kind: 'int', label: 'stride', ...bounds(BlurPoolSpec.shape.stride), help: 'blurStrideHelp' }
  ],
  relu: [],
  leakyrelu: [{ key: 'alpha', kind: 'number', label: 'slope', step: 0.01, ...bounds(LeakyReLUSpec.shape.alpha), help: 'slopeHelp' }],
  sigmoid: [],
  tanh: [],
  softmax: [],
  flatten: [],
  dense: [
    { key: 'units', kind: 'int', label: 'units', ...bounds(DenseSpec.shape.units), help: 'unitsHelp' },
    { key: 'activation', kind: 'activation', label: 'activation', help: 'activationHelp' },
    { key: 'useBias', kind: 'boolean', label: 'bias', help: 'denseBiasHelp' }
  ],
  dropout: [{ key: 'rate', kind: 'number', label: 'rate', step: 0.05, ...bounds(DropoutSpec.shape.rate), help: 'rateHelp' }],
  batchnorm: [
    { key: 'momentum', kind: 'number', label: 'momentum', step: 0.01, ...bounds(BatchNormSpec.shape.momentum), help: 'momentumHelp' },
    { key: 'epsilon', kind: 'number', label: 'epsilon', step: 0.00001, ...bounds(BatchNormSpec.shape.epsilon), help: 'epsilonHelp' }
  ]
}
