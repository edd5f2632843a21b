/**
 * LayerSpec[] -> tf.LayersModel, following PyTorch's conventions so the tutorial's numbers
 * reproduce: the model takes channels-first input ([N, C, H, W], as the data and the tutorial
 * have it) and transposes once to the NHWC tfjs computes in; Flatten transposes back first so
 * flattened features are in PyTorch's C-major order (a Linear after Flatten then has exactly
 * PyTorch's weight layout); weights and biases start as PyTorch's default U(-1/sqrt(fan_in),
 * +1/sqrt(fan_in)).
 */
import * as tf from '@tensorflow/tfjs'
import { DEFAULT_LEAKY_ALPHA, ModelSpec, pair, type BlurSize, type ActivationName, type LayerSpec, type ModelSpecInput, type Padding } from '../../shared/layers'
import { inferShapes } from '../../shared/shapes'
import { epochSeed, mulberry32 } from '../../shared/rng'
import { blur } from '../kernels'
import { skipInputGradient } from './input-layer'

/**
 * Pads H and W of an NHWC tensor with a constant. MaxPool2d pads with -inf in PyTorch (a padded
 * cell never wins), which no built-in tfjs layer does; zero padding would change the result
 * whenever a window holds only negative values.
 */
export class ConstantPadding2D extends tf.layers.Layer {
  static readonly className = 'ConvLabConstantPadding2D'
  private readonly pads: [[number, number], [number, number]]
  private readonly fill: 'zero' | 'min'

  constructor(args: { pads: [[number, number], [number, number]]; fill: 'zero' | 'min'; name?: string }) {
    super({ name: args.name })
    this.pads = args.pads
    this.fill = args.fill
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const s = inputShape as tf.Shape
    const [[t, b], [l, r]] = this.pads
    return [s[0], s[1] == null ? null : s[1] + t + b, s[2] == null ? null : s[2] + l + r, s[3]]
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs
    const value = this.fill === 'min' ? -Infinity : 0
    return tf.pad(x, [[0, 0], this.pads[0], this.pads[1], [0, 0]], value)
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), pads: this.pads, fill: this.fill }
  }
}
tf.serialization.registerClass(ConstantPadding2D)

/**
 * BlurPool2d (Zhang 2019) on NHWC: max pooling at stride 1, reflection padding, then the fixed
 * binomial blur applied with the stride (kernels/blur.ts).
 */
export class BlurPool2D extends tf.layers.Layer {
  static readonly className = 'ConvLabBlurPool2D'
  private readonly pool: number
  private readonly blur: BlurSize
  private readonly stride: number

  constructor(args: { pool: number; blur: BlurSize; stride: number; name?: string }) {
    super({ name: args.name })
    this.pool = args.pool
    this.blur = args.blur
    this.stride = args.stride
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const s = inputShape as tf.Shape
    const out = (d: number | null): number | null => (d == null ? null : Math.ceil((d - this.pool + 1) / this.stride))
    return [s[0], out(s[1]), out(s[2]), s[3]]
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D
      return blur(tf.maxPool(x, this.pool, 1, 'valid'), this.blur, this.stride)
    })
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), pool: this.pool, blur: this.blur, stride: this.stride }
  }
}
tf.serialization.registerClass(BlurPool2D)

/**
 * Dropout whose mask changes every training call. tfjs's own Dropout layer hands its seed to
 * every call, so a seeded model drew the same mask at every step: fixed pruning, not dropout.
 * Here the layer's seed starts a stream, and each call takes the next seed from it, so a seeded
 * run still repeats exactly. As in PyTorch, kept values are scaled by 1 / (1 - rate).
 */
export class ReseededDropout extends tf.layers.Layer {
  static readonly className = 'ConvLabDropout'
  private readonly rate: number
  private readonly seed: number | undefined
  private random: () => number

  constructor(args: { rate: number; seed?: number; name?: string }) {
    super({ name: args.name })
    this.rate = args.rate
    this.seed = args.seed
    this.random = args.seed === undefined ? Math.random : mulberry32(args.seed)
  }

  /**
   * Restarts the mask stream from (seed, epoch): a run resumed at epoch k draws the masks that an
   * uninterrupted run draws in epoch k. Epoch 1 draws from the layer's seed itself.
   */
  startEpoch(epoch: number): void {
    if (this.seed !== undefined) this.random = mulberry32(epochSeed(this.seed, epoch))
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs
    if (!kwargs.training || this.rate === 0) return x
    return tf.dropout(x, this.rate, undefined, Math.floor(this.random() * 2 ** 31))
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate, ...(this.seed === undefined ? {} : { seed: this.seed }) }
  }
}
tf.serialization.registerClass(ReseededDropout)

/** Restarts every dropout layer's mask stream of `model` at `epoch` (see ReseededDropout.startEpoch). */
export function startDropoutEpoch(model: tf.LayersModel, epoch: number): void {
  for (const layer of model.layers) if (layer instanceof ReseededDropout) layer.startEpoch(epoch)
}

/** The tfjs layer name of spec layer `index`: how saved weights map back to the spec. */
export function layerName(index: number, type: string): string {
  return `l${index}_${type}`
}

const TFJS_ACTIVATION: Record<Exclude<ActivationName, 'leakyrelu'>, 'linear' | 'relu' | 'sigmoid' | 'tanh' | 'softmax'> = {
  linear: 'linear',
  relu: 'relu',
  sigmoid: 'sigmoid',
  tanh: 'tanh',
  softmax: 'softmax'
}

function explicitPads(padding: Padding): [[number, number], [number, number]] | null {
  if (typeof padding === 'string') return null
  const [ph, pw] = pair(padding)
  return ph === 0 && pw === 0 ? null : [[ph, ph], [pw, pw]]
}

export interface BuildOptions {
  /** Makes the initial weights (and dropout masks) repeat from run to run. */
  seed?: number
}

/**
 * @returns a model whose input is [batch, ...spec.inputShape] (channels first) and whose
 * output is [batch, classes] (or whatever the last layer gives).
 */
export function buildModel(specInput: ModelSpecInput | ModelSpec, options: BuildOptions = {}): tf.LayersModel {
  const spec = ModelSpec.parse(specInput)
  const report = inferShapes(spec)
  if (report.error) throw new Error(report.error.message)

  const random = options.seed === undefined ? null : mulberry32(options.seed)
  const nextSeed = (): number | undefined => (random ? Math.floor(random() * 2 ** 31) : undefined)
  const uniform = (fanIn: number): ReturnType<typeof tf.initializers.randomUniform> => {
    const bound = 1 / Math.sqrt(fanIn)
    return tf.initializers.randomUniform({ minval: -bound, maxval: bound, seed: nextSeed() })
  }

  const input = tf.input({ shape: [...spec.inputShape], name: 'input' })
  let x = input as tf.SymbolicTensor
  let isImage = spec.inputShape.length === 3
  if (isImage) x = tf.layers.permute({ dims: [2, 3, 1], name: 'nchw_to_nhwc' }).apply(x) as tf.SymbolicTensor
  const apply = (layer: tf.layers.Layer): void => {
    x = layer.apply(x) as tf.SymbolicTensor
  }
  const addActivation = (activation: ActivationName, index: number): void => {
    if (activation === 'leakyrelu') {
      apply(tf.layers.leakyReLU({ alpha: DEFAULT_LEAKY_ALPHA, name: layerName(index, 'act_leakyrelu') }))
    }
  }

  // Until a layer with weights, every tensor is derived from data alone.
  let dataOnly = true
  spec.layers.forEach((layer: LayerSpec, index: number) => {
    const name = layerName(index, layer.type)
    const inShape = report.rows[index].inputShape
    switch (layer.type) {
      case 'conv2d': {
        const pads = explicitPads(layer.padding)
        if (pads) apply(tf.layers.zeroPadding2d({ padding: pads, name: `${name}_pad` }))
        const [kh, kw] = pair(layer.kernel)
        const fanIn = inShape[0] * kh * kw
        const strides = pair(layer.stride)
        const padding = layer.padding === 'same' ? 'same' : 'valid'
        const activation = layer.activation === 'leakyrelu' ? 'linear' : TFJS_ACTIVATION[layer.activation]
        const conv = tf.layers.conv2d({
          name,
          filters: layer.filters,
          kernelSize: [kh, kw],
          strides,
          padding,
          dataFormat: 'channelsLast',
          activation,
          useBias: layer.useBias,
          kernelInitializer: uniform(fanIn),
          biasInitializer: uniform(fanIn)
        })
        if (dataOnly) skipInputGradient(conv, { kind: 'conv2d', strides, padding }, activation)
        dataOnly = false
        apply(conv)
        addActivation(layer.activation, index)
        break
      }
      case 'maxpool2d':
      case 'avgpool2d': {
        const pads = explicitPads(layer.padding)
        if (pads) {
          // AvgPool2d's default count_include_pad=True averages the zeros in, as zero padding does.
          apply(new ConstantPadding2D({ pads, fill: layer.type === 'maxpool2d' ? 'min' : 'zero', name: `${name}_pad` }))
        }
        const args = {
          name,
          poolSize: pair(layer.pool),
          strides: pair(layer.stride ?? layer.pool),
          padding: layer.padding === 'same' ? ('same' as const) : ('valid' as const),
          dataFormat: 'channelsLast' as const
        }
        apply(layer.type === 'maxpool2d' ? tf.layers.maxPooling2d(args) : tf.layers.averagePooling2d(args))
        break
      }
      case 'blurpool':
        apply(new BlurPool2D({ pool: layer.pool, blur: layer.blur, stride: layer.stride, name }))
        break
      case 'relu':
        apply(tf.layers.reLU({ name }))
        break
      case 'leakyrelu':
        apply(tf.layers.leakyReLU({ alpha: layer.alpha, name }))
        break
      case 'sigmoid':
      case 'tanh':
      case 'softmax':
        apply(tf.layers.activation({ activation: layer.type, name }))
        break
      case 'flatten':
        if (isImage) apply(tf.layers.permute({ dims: [3, 1, 2], name: `${name}_nhwc_to_nchw` }))
        apply(tf.layers.flatten({ name }))
        isImage = false
        break
      case 'dense': {
        const fanIn = inShape[0]
        const activation = layer.activation === 'leakyrelu' ? 'linear' : TFJS_ACTIVATION[layer.activation]
        const dense = tf.layers.dense({
          name,
          units: layer.units,
          activation,
          useBias: layer.useBias,
          kernelInitializer: uniform(fanIn),
          biasInitializer: uniform(fanIn)
        })
        if (dataOnly) skipInputGradient(dense, { kind: 'dense' }, activation)
        dataOnly = false
        apply(dense)
        addActivation(layer.activation, index)
        break
      }
      case 'dropout':
        apply(new ReseededDropout({ rate: layer.rate, seed: nextSeed(), name }))
        break
      case 'batchnorm':
        // PyTorch's momentum weighs the new batch; Keras's weighs the running average.
        apply(tf.layers.batchNormalization({ axis: -1, momentum: 1 - layer.momentum, epsilon: layer.epsilon, name }))
        dataOnly = false
        break
    }
  })
  return tf.model({ inputs: input, outputs: x, name: spec.name.replace(/[^A-Za-z0-9_.-]/g, '_') || 'model' })
}

/** Trainable parameter count, the number torchsummary (and inferShapes) reports. */
export function trainableParams(model: tf.LayersModel): number {
  return model.trainableWeights.reduce((sum, w) => sum + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0)
}
