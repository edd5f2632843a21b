/**
 * The verification oracle: the forward pass computed by hand, plain loops over plain arrays, no
 * tfjs, as the tutorial checks its CNN (section 3). It takes the trained weights in PyTorch's
 * layouts (what the engine's 'model/weights' returns) and gives every layer's output, so a
 * student (and the `verify` command) can set each intermediate value beside the framework's.
 *
 * Everything is channels first ([C, H, W]) and computed in float64; the engine computes in
 * float32, so agreement is to about 1e-6 relative, not bit for bit.
 */
import { DEFAULT_LEAKY_ALPHA, binomialTaps, blurPads, type ActivationName, type LayerSpec, type ModelSpec } from './layers'
import { inferShapes } from './shapes'
import { windowOf } from './windows'

/** A tensor in row-major channels-first order; `shape` excludes the batch axis. */
export interface HandTensor {
  shape: number[]
  values: Float64Array
}

export type WeightName = 'weight' | 'bias' | 'running_mean' | 'running_var'

/** One layer's trained tensors, structurally the engine's `LayerWeights`. */
export interface HandLayerWeights {
  index: number
  tensors: { name: WeightName; shape: number[]; values: ArrayLike<number> }[]
}

export interface HandLayerOutput {
  /** 0-based position in `spec.layers`. */
  index: number
  type: LayerSpec['type']
  /** torchsummary's label, e.g. `Conv2d-1`. */
  name: string
  output: HandTensor
  /** For Conv2d/Linear with an activation of their own: the values before it. */
  preActivation?: HandTensor
}

// ---------------------------------------------------------------------------------------------
// Element-wise functions.

function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x))
}

export type ElementwiseName = Exclude<ActivationName, 'softmax' | 'linear'> | 'linear'

export function activate(name: ElementwiseName, x: number, alpha = DEFAULT_LEAKY_ALPHA): number {
  switch (name) {
    case 'linear':
      return x
    case 'relu':
      return x > 0 ? x : 0
    case 'leakyrelu':
      return x > 0 ? x : alpha * x
    case 'sigmoid':
      return sigmoid(x)
    case 'tanh':
      return Math.tanh(x)
  }
}

/** Softmax over channels of a [C, H, W] map (PyTorch's default dim for 4-D input), or over a vector. */
function softmax(t: HandTensor): HandTensor {
  const channels = t.shape[0]
  const plane = t.values.length / channels
  const out = new Float64Array(t.values.length)
  for (let p = 0; p < plane; p++) {
    let max = -Infinity
    for (let c = 0; c < channels; c++) max = Math.max(max, t.values[c * plane + p])
    let sum = 0
    for (let c = 0; c < channels; c++) {
      const e = Math.exp(t.values[c * plane + p] - max)
      out[c * plane + p] = e
      sum += e
    }
    for (let c = 0; c < channels; c++) out[c * plane + p] /= sum
  }
  return { shape: t.shape, values: out }
}

function applyActivation(t: HandTensor, name: ActivationName, alpha = DEFAULT_LEAKY_ALPHA): HandTensor {
  if (name === 'softmax') return softmax(t)
  return { shape: t.shape, values: t.values.map((x) => activate(name, x, alpha)) }
}

// ---------------------------------------------------------------------------------------------
// Layers.

interface Tensors {
  weight?: ArrayLike<number>
  bias?: ArrayLike<number>
  running_mean?: ArrayLike<number>
  running_var?: ArrayLike<number>
}

function conv2d(x: HandTensor, layer: Extract<LayerSpec, { type: 'conv2d' }>, w: Tensors): HandTensor {
  const [c, h, wd] = x.shape
  const { kernel: [kh, kw], stride: [sh, sw], pads, out: [oh, ow] } = windowOf(layer, h, wd)
  const f = layer.filters
  const weight = need(w.weight, 'weight', f * c * kh * kw)
  const bias = layer.useBias ? need(w.bias, 'bias', f) : undefined
  const out = new Float64Array(f * oh * ow)
  const xv = x.values
  for (let o = 0; o < f; o++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        let sum = 0
        for (let ci = 0; ci < c; ci++) {
          for (let ky = 0; ky < kh; ky++) {
            const iy = oy * sh + ky - pads.top
            if (iy < 0 || iy >= h) continue
            for (let kx = 0; kx < kw; kx++) {
              const ix = ox * sw + kx - pads.left
              if (ix < 0 || ix >= wd) continue
              sum += xv[(ci * h + iy) * wd + ix] * weight[((o * c + ci) * kh + ky) * kw + kx]
            }
          }
        }
        // Bias last, as the tutorial writes it: sum(window * filter) + bias.
        out[(o * oh + oy) * ow + ox] = bias ? sum + bias[o] : sum
      }
    }
  }
  return { shape: [f, oh, ow], values: out }
}

/**
 * Max or average pooling. Explicit padding is PyTorch's: max pads with -inf (a padded cell
 * never wins), average counts the padded zeros (count_include_pad=True). 'same' is tfjs's: the
 * padded cells are left out of both the max and the average.
 */
function pool2d(x: HandTensor, layer: Extract<LayerSpec, { type: 'maxpool2d' | 'avgpool2d' }>): HandTensor {
  const [c, h, w] = x.shape
  const { kernel: [kh, kw], stride: [sh, sw], pads, out: [oh, ow] } = windowOf(layer, h, w)
  const isMax = layer.type === 'maxpool2d'
  const countPadding = layer.padding !== 'same'
  const out = new Float64Array(c * oh * ow)
  for (let ci = 0; ci < c; ci++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        let acc = isMax ? -Infinity : 0
        let count = 0
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy * sh + ky - pads.top
          for (let kx = 0; kx < kw; kx++) {
            const ix = ox * sw + kx - pads.left
            const inside = iy >= 0 && iy < h && ix >= 0 && ix < w
            if (!inside) {
              if (!isMax && countPadding) count++
              continue
            }
            const v = x.values[(ci * h + iy) * w + ix]
            if (isMax) acc = Math.max(acc, v)
            else acc += v
            count++
          }
        }
        out[(ci * oh + oy) * ow + ox] = isMax ? acc : acc / count
      }
    }
  }
  return { shape: [c, oh, ow], values: out }
}

/** Index `i` of a padded axis of length `n`, reflected back inside (edge not repeated). */
function reflect(i: number, n: number): number {
  if (i < 0) return -i
  if (i >= n) return 2 * (n - 1) - i
  return i
}

/** Max pooling at stride 1, then the binomial blur (reflection padded), kept every `stride` pixels. */
function blurpool(x: HandTensor, layer: Extract<LayerSpec, { type: 'blurpool' }>): HandTensor {
  const maxed = pool2d(x, { type: 'maxpool2d', pool: layer.pool, stride: 1, padding: 'valid' })
  const [c, h, w] = maxed.shape
  const taps = binomialTaps(layer.blur)
  const [before] = blurPads(layer.blur)
  const s = layer.stride
  const [oh, ow] = [Math.ceil(h / s), Math.ceil(w / s)]
  const out = new Float64Array(c * oh * ow)
  for (let ci = 0; ci < c; ci++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        let sum = 0
        for (let ky = 0; ky < taps.length; ky++) {
          const iy = reflect(oy * s + ky - before, h)
          for (let kx = 0; kx < taps.length; kx++) {
            const ix = reflect(ox * s + kx - before, w)
            sum += taps[ky] * taps[kx] * maxed.values[(ci * h + iy) * w + ix]
          }
        }
        out[(ci * oh + oy) * ow + ox] = sum
      }
    }
  }
  return { shape: [c, oh, ow], values: out }
}

function dense(x: HandTensor, layer: Extract<LayerSpec, { type: 'dense' }>, w: Tensors): HandTensor {
  const n = x.values.length
  const u = layer.units
  const weight = need(w.weight, 'weight', u * n)
  const bias = layer.useBias ? need(w.bias, 'bias', u) : undefined
  const out = new Float64Array(u)
  for (let o = 0; o < u; o++) {
    let sum = 0
    const row = o * n
    for (let i = 0; i < n; i++) sum += weight[row + i] * x.values[i]
    out[o] = bias ? sum + bias[o] : sum
  }
  return { shape: [u], values: out }
}

/** Inference: each channel (or feature) normalised with the running statistics. */
function batchnorm(x: HandTensor, layer: Extract<LayerSpec, { type: 'batchnorm' }>, w: Tensors): HandTensor {
  const c = x.shape[0]
  const gamma = need(w.weight, 'weight', c)
  const beta = need(w.bias, 'bias', c)
  const mean = need(w.running_mean, 'running_mean', c)
  const variance = need(w.running_var, 'running_var', c)
  const plane = x.values.length / c
  const out = new Float64Array(x.values.length)
  for (let ci = 0; ci < c; ci++) {
    const scale = gamma[ci] / Math.sqrt(variance[ci] + layer.epsilon)
    for (let p = 0; p < plane; p++) out[ci * plane + p] = (x.values[ci * plane + p] - mean[ci]) * scale + beta[ci]
  }
  return { shape: x.shape, values: out }
}

function need(values: ArrayLike<number> | undefined, name: string, length: number): ArrayLike<number> {
  if (!values) throw new Error(`missing ${name}`)
  if (values.length !== length) throw new Error(`${name} has ${values.length} values, expected ${length}`)
  return values
}

function tensorsOf(weights: readonly HandLayerWeights[], index: number): Tensors {
  const layer = weights.find((l) => l.index === index)
  const out: Tensors = {}
  for (const t of layer?.tensors ?? []) out[t.name] = t.values
  return out
}

/**
 * Runs one sample through the stack.
 * @param input channels-first values of one sample, `spec.inputShape` of them
 * @returns one entry per spec layer, in order
 */
export function forwardPass(spec: ModelSpec, weights: readonly HandLayerWeights[], input: ArrayLike<number>): HandLayerOutput[] {
  const report = inferShapes(spec)
  if (report.error) throw new Error(report.error.message)
  const size = spec.inputShape.reduce((a, b) => a * b, 1)
  if (input.length !== size) throw new Error(`The input has ${input.length} values; the model expects ${size} (${spec.inputShape.join('x')}).`)
  let x: HandTensor = { shape: [...spec.inputShape], values: Float64Array.from(input) }
  const outputs: HandLayerOutput[] = []
  for (const [index, layer] of spec.layers.entries()) {
    const name = report.rows[index].name
    const w = tensorsOf(weights, index)
    let pre: HandTensor | undefined
    try {
      switch (layer.type) {
        case 'conv2d':
        case 'dense': {
          const raw = layer.type === 'conv2d' ? conv2d(x, layer, w) : dense(x, layer, w)
          if (layer.activation === 'linear') x = raw
          else {
            pre = raw
            x = applyActivation(raw, layer.activation)
          }
          break
        }
        case 'maxpool2d':
        case 'avgpool2d':
          x = pool2d(x, layer)
          break
        case 'blurpool':
          x = blurpool(x, layer)
          break
        case 'relu':
        case 'sigmoid':
        case 'tanh':
        case 'softmax':
          x = applyActivation(x, layer.type)
          break
        case 'leakyrelu':
          x = applyActivation(x, 'leakyrelu', layer.alpha)
          break
        case 'flatten':
          // Channels-first values are already in PyTorch's flatten order.
          x = { shape: [x.values.length], values: x.values }
          break
        case 'dropout':
          break
        case 'batchnorm':
          x = batchnorm(x, layer, w)
          break
      }
    } catch (err) {
      throw new Error(`${name}: ${err instanceof Error ? err.message : String(err)}`, { cause: err })
    }
    outputs.push({ index, type: layer.type, name, output: x, ...(pre ? { preActivation: pre } : {}) })
  }
  return outputs
}

// ---------------------------------------------------------------------------------------------
// Comparing the hand-computed pass with the engine's.

/**
 * How close the engine's values must come to the hand pass's for `lab verify` and the Learn view
 * to call them the same: float32 arithmetic against float64, a few ulps per layer.
 */
export const VERIFY_TOLERANCE = 1e-4

export interface LayerComparison {
  index: number
  name: string
  shape: number[]
  /** Largest |engine - hand| over the layer's values. */
  maxDiff: number
  /** Where it happens, as a flat channels-first offset. */
  at: number
}

/** The largest |engine - hand| and its offset; NaN counts as Infinity so it never passes as agreement. */
export function largestDifference(hand: ArrayLike<number>, engine: ArrayLike<number>): { maxDiff: number; at: number } {
  let maxDiff = 0
  let at = 0
  for (let i = 0; i < hand.length; i++) {
    const d = Math.abs(engine[i] - hand[i])
    if (!(d <= maxDiff)) {
      maxDiff = Number.isNaN(d) ? Infinity : d
      at = i
    }
  }
  return { maxDiff, at }
}

export function compareLayer(hand: HandLayerOutput, engine: ArrayLike<number>): LayerComparison {
  const h = hand.output.values
  if (engine.length !== h.length) {
    throw new Error(`${hand.name}: the engine gives ${engine.length} values, the hand pass ${h.length}`)
  }
  return { index: hand.index, name: hand.name, shape: hand.output.shape, ...largestDifference(h, engine) }
}
