/**
 * The model as data: a network is an input shape plus a stack of `LayerSpec`s, plain JSON.
 * Shapes are written in the tutorial's (PyTorch) convention, channels first: [C, H, W].
 * Everything else (shape inference, the summary table, the tfjs model, the hand-computed
 * forward pass) is derived from these types, so they are the one place a layer is defined.
 */
import { z } from 'zod'

const positiveInt = z.number().int().min(1)
const nonNegativeInt = z.number().int().min(0)

/** A size given once for both axes (3) or per axis ([kh, kw]), as PyTorch accepts it. */
export const Pair = z.union([positiveInt, z.tuple([positiveInt, positiveInt])])
export type Pair = z.infer<typeof Pair>

/** 'valid' (no padding), 'same' (output = ceil(input / stride)) or explicit zero padding per side. */
export const Padding = z.union([
  z.literal('valid'),
  z.literal('same'),
  nonNegativeInt,
  z.tuple([nonNegativeInt, nonNegativeInt])
])
export type Padding = z.infer<typeof Padding>

export const ActivationName = z.enum(['linear', 'relu', 'leakyrelu', 'sigmoid', 'tanh', 'softmax'])
export type ActivationName = z.infer<typeof ActivationName>

/** PyTorch's default negative slope for LeakyReLU. */
export const DEFAULT_LEAKY_ALPHA = 0.01

export const Conv2DSpec = z.object({
  type: z.literal('conv2d'),
  filters: positiveInt.max(4096),
  kernel: Pair,
  stride: Pair.default(1),
  padding: Padding.default('valid'),
  activation: ActivationName.default('linear'),
  useBias: z.boolean().default(true)
})

const poolFields = {
  pool: Pair,
  /** Defaults to the pool size, as in PyTorch. */
  stride: Pair.optional(),
  padding: Padding.default('valid')
}
export const MaxPool2DSpec = z.object({ type: z.literal('maxpool2d'), ...poolFields })
export const AvgPool2DSpec = z.object({ type: z.literal('avgpool2d'), ...poolFields })

/**
 * Zhang 2019's anti-aliased max pooling ("MaxBlurPool"): max over a `pool` window at stride 1,
 * then a fixed binomial blur of `blur` taps per axis, sampled every `stride` pixels. The blur
 * pads by reflection, as Zhang's code does by default, so borders are not darkened.
 */
export const BlurPoolSpec = z.object({
  type: z.literal('blurpool'),
  pool: positiveInt.max(64).default(2),
  blur: z.union([z.literal(2), z.literal(3), z.literal(5)]).default(3),
  stride: positiveInt.max(64).default(2)
})
export type BlurSize = z.infer<typeof BlurPoolSpec>['blur']

/** The normalised 1-D binomial filter; the 2-D blur is its outer product with itself. */
export function binomialTaps(size: BlurSize): number[] {
  const row = size === 2 ? [1, 1] : size === 3 ? [1, 2, 1] : [1, 4, 6, 4, 1]
  const sum = row.reduce((a, b) => a + b, 0)
  return row.map((v) => v / sum)
}

/** Reflection padding before and after along each axis: Zhang's [floor, ceil] of (size - 1) / 2. */
export function blurPads(size: BlurSize): [number, number] {
  return [Math.floor((size - 1) / 2), Math.ceil((size - 1) / 2)]
}

export const ReLUSpec = z.object({ type: z.literal('relu') })
export const LeakyReLUSpec = z.object({
  type: z.literal('leakyrelu'),
  alpha: z.number().min(0).max(1).default(DEFAULT_LEAKY_ALPHA)
})
export const SigmoidSpec = z.object({ type: z.literal('sigmoid') })
export const TanhSpec = z.object({ type: z.literal('tanh') })
export const SoftmaxSpec = z.object({ type: z.literal('softmax') })
export const FlattenSpec = z.object({ type: z.literal('flatten') })
export const DenseSpec = z.object({
  type: z.literal('dense'),
  units: positiveInt.max(65536),
  activation: ActivationName.default('linear'),
  useBias: z.boolean().default(true)
})
export const DropoutSpec = z.object({ type: z.literal('dropout'), rate: z.number().min(0).lt(1) })
export const BatchNormSpec = z.object({
  type: z.literal('batchnorm'),
  momentum: z.number().gt(0).lt(1).default(0.1),
  epsilon: z.number().gt(0).default(1e-5)
})

export const LayerSpec = z.discriminatedUnion('type', [
  Conv2DSpec,
  MaxPool2DSpec,
  AvgPool2DSpec,
  BlurPoolSpec,
  ReLUSpec,
  LeakyReLUSpec,
  SigmoidSpec,
  TanhSpec,
  SoftmaxSpec,
  FlattenSpec,
  DenseSpec,
  DropoutSpec,
  BatchNormSpec
])
/** A layer after parsing: every default filled in. */
export type LayerSpec = z.infer<typeof LayerSpec>
/** A layer as a user or a file may write it: defaults may be left out. */
export type LayerSpecInput = z.input<typeof LayerSpec>
export type LayerType = LayerSpec['type']
export type LayerOf<T extends LayerType> = Extract<LayerSpec, { type: T }>

export const LAYER_TYPES = LayerSpec.options.map((o) => o.shape.type.value) as LayerType[]

/** [C, H, W] for images, [N] for vectors. */
export const InputShape = z.union([
  z.tuple([positiveInt.max(64), positiveInt.max(4096), positiveInt.max(4096)]),
  z.tuple([positiveInt.max(1 << 24)])
])
export type InputShape = z.infer<typeof InputShape>

/**
 * How the model's source trained it (the tutorial: SGD lr 1e-2 for the MLP, Adam lr 1e-2 with one
 * sample per step for the toy net), used as the defaults when nothing else is asked for.
 */
export const TrainingDefaults = z
  .object({
    optimizer: z.enum(['adam', 'sgd']),
    learningRate: z.number().gt(0).max(10),
    batchSize: z.number().int().min(1).max(65536),
    epochs: z.number().int().min(1).max(100000)
  })
  .partial()
export type TrainingDefaults = z.infer<typeof TrainingDefaults>

export const ModelSpec = z.object({
  name: z.string().min(1).max(200),
  description: z.string().max(2000).optional(),
  inputShape: InputShape,
  layers: z.array(LayerSpec).max(200),
  training: TrainingDefaults.optional()
})
export type ModelSpec = z.infer<typeof ModelSpec>
export type ModelSpecInput = z.input<typeof ModelSpec>

/** The names PyTorch (and torchsummary) print for each layer type. */
export const TORCH_LAYER_NAMES: Record<LayerType, string> = {
  conv2d: 'Conv2d',
  maxpool2d: 'MaxPool2d',
  avgpool2d: 'AvgPool2d',
  blurpool: 'BlurPool2d',
  relu: 'ReLU',
  leakyrelu: 'LeakyReLU',
  sigmoid: 'Sigmoid',
  tanh: 'Tanh',
  softmax: 'Softmax',
  flatten: 'Flatten',
  dense: 'Linear',
  dropout: 'Dropout',
  batchnorm: 'BatchNorm2d'
}

export function pair(p: Pair): [number, number] {
  return typeof p === 'number' ? [p, p] : [p[0], p[1]]
}
