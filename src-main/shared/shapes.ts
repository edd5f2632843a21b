/**
 * Shape inference over a `ModelSpec`, with PyTorch's arithmetic, so the builder can show the
 * torchsummary table and refuse an impossible stack before any tensor exists. Pure and free of
 * tfjs and node: both the main process and the renderer import it.
 */
import {
  TORCH_LAYER_NAMES,
  blurPads,
  pair,
  type ActivationName,
  type InputShape,
  type LayerSpec,
  type LayerType,
  type ModelSpec,
  type Padding
} from './layers'

/** Input pixels seen by one output cell (`size`) and the input distance between neighbouring
 * cells (`jump`), both [h, w]. */
export interface ReceptiveField {
  size: [number, number]
  jump: [number, number]
}

export interface LayerRow {
  /** 0-based position in `spec.layers`. */
  index: number
  type: LayerType
  /** PyTorch's class name, e.g. `Conv2d`, `BatchNorm1d`. */
  torchType: string
  /** torchsummary's row label, e.g. `Conv2d-1` (1-based over all layers). */
  name: string
  /** A non-linear activation fused into a Conv2d/Linear row; PyTorch would print it as a row
   * of its own, the app keeps it in the same layer. */
  activation?: Exclude<ActivationName, 'linear'>
  /** Channels first, without the batch axis: [C, H, W] or [N]. */
  inputShape: number[]
  outputShape: number[]
  params: number
  trainableParams: number
  /** torchsummary counts only weights and biases; BatchNorm's running statistics are buffers. */
  nonTrainableParams: number
  /** Multiply-accumulates of one forward pass of one sample: weight multiplications only. */
  macs: number
  /** Only while the tensor is still an image. */
  receptiveField?: ReceptiveField
}

export interface ShapeError {
  /** 0-based position in `spec.layers`. */
  layerIndex: number
  message: string
}

export interface ShapeTotals {
  params: number
  trainableParams: number
  nonTrainableParams: number
  macs: number
}

export interface ShapeReport {
  inputShape: InputShape
  /** Every layer when the stack is valid, else the layers before `error.layerIndex`. */
  rows: LayerRow[]
  /** Shape after the last row (the input shape for an empty stack). */
  outputShape: number[]
  totals: ShapeTotals
  error?: ShapeError
}

type Image = [number, number, number]

/** Thrown by a layer rule; becomes `ShapeReport.error`. */
class LayerProblem extends Error {}

function torchTypeOf(layer: LayerSpec, input: number[]): string {
  if (layer.type === 'batchnorm') return input.length === 1 ? 'BatchNorm1d' : 'BatchNorm2d'
  return TORCH_LAYER_NAMES[layer.type]
}

function hw(a: number, b: number): string {
  return `${a}x${b}`
}

function asImage(input: number[]): Image {
  if (input.length !== 3) {
    throw new LayerProblem(
      `needs a [C, H, W] image input but gets a flat vector of ${input[0]} values; ` +
        'spatial layers must come before Flatten.'
    )
  }
  return [input[0], input[1], input[2]]
}

/** Output [h, w]: PyTorch's floor formula, or TF's ceil(in / stride) for 'same'. */
function windowedSizes(
  input: Image,
  kernel: [number, number],
  stride: [number, number],
  padding: Padding,
  what: 'kernel' | 'pool'
): [number, number] {
  const [, h, w] = input
  if (padding === 'same') return [Math.ceil(h / stride[0]), Math.ceil(w / stride[1])]
  const [ph, pw] = padding === 'valid' ? [0, 0] : pair(padding)
  const fitsH = kernel[0] <= h + 2 * ph
  const fitsW = kernel[1] <= w + 2 * pw
  // In floor mode a non-positive output size happens exactly when the window overhangs the
  // padded input, so this one test covers both.
  if (!fitsH || !fitsW) {
    const pad = ph === pw ? `${ph}` : hw(ph, pw)
    throw new LayerProblem(
      `${what} ${hw(kernel[0], kernel[1])} is larger than its ${hw(h, w)} input (with padding ${pad}).`
    )
  }
  return [
    Math.floor((h + 2 * ph - kernel[0]) / stride[0]) + 1,
    Math.floor((w + 2 * pw - kernel[1]) / stride[1]) + 1
  ]
}

function grow(rf: ReceptiveField, kernel: [number, number], stride: [number, number]): ReceptiveField {
  return {
    size: [rf.size[0] + (kernel[0] - 1) * rf.jump[0], rf.size[1] + (kernel[1] - 1) * rf.jump[1]],
    jump: [rf.jump[0] * stride[0], rf.jump[1] * stride[1]]
  }
}

interface Step {
  output: number[]
  params: number
  macs: number
  receptiveField: ReceptiveField
}

function fusedActivation(a: ActivationName): Exclude<ActivationName, 'linear'> | undefined {
  return a === 'linear' ? undefined : a
}

function step(layer: LayerSpec, input: number[], rf: ReceptiveField, position: number): Step {
  switch (layer.type) {
    case 'conv2d': {
      const image = asImage(input)
      const kernel = pair(layer.kernel)
      const stride = pair(layer.stride)
      const [oh, ow] = windowedSizes(image, kernel, stride, layer.padding, 'kernel')
      const weights = layer.filters * image[0] * kernel[0] * kernel[1]
      return {
        output: [layer.filters, oh, ow],
        params: weights + (layer.useBias ? layer.filters : 0),
        macs: weights * oh * ow,
        receptiveField: grow(rf, kernel, stride)
      }
    }
    case 'maxpool2d':
    case 'avgpool2d': {
      const image = asImage(input)
      const pool = pair(layer.pool)
      const stride = pair(layer.stride ?? layer.pool)
      if (typeof layer.padding !== 'string') {
        const [ph, pw] = pair(layer.padding)
        const maxH = Math.floor(pool[0] / 2)
        const maxW = Math.floor(pool[1] / 2)
        if (ph > maxH || pw > maxW) {
          const pad = ph === pw ? `${ph}` : hw(ph, pw)
          const max = maxH === maxW ? `${maxH}` : hw(maxH, maxW)
          throw new LayerProblem(
            `padding ${pad} is more than half of its ${hw(pool[0], pool[1])} pool ` +
              `(PyTorch allows at most ${max}).`
          )
        }
      }
      const [oh, ow] = windowedSizes(image, pool, stride, layer.padding, 'pool')
      return { output: [image[0], oh, ow], params: 0, macs: 0, receptiveField: grow(rf, pool, stride) }
    }
    case 'blurpool': {
      const [c, h, w] = asImage(input)
      if (layer.pool > h || layer.pool > w) {
        throw new LayerProblem(`pool ${hw(layer.pool, layer.pool)} is larger than its ${hw(h, w)} input.`)
      }
      const [mh, mw] = [h - layer.pool + 1, w - layer.pool + 1]
      const pad = Math.max(...blurPads(layer.blur))
      // Reflection cannot reach further than the map is wide.
      if (pad >= Math.min(mh, mw)) {
        throw new LayerProblem(`blur ${layer.blur} reflects ${pad} pixels, more than its ${hw(mh, mw)} max-pooled map allows.`)
      }
      // The blur keeps the size (padding blur - 1 in all), so only the stride shrinks it.
      return {
        output: [c, Math.ceil(mh / layer.stride), Math.ceil(mw / layer.stride)],
        params: 0,
        macs: 0,
        receptiveField: grow(grow(rf, [layer.pool, layer.pool], [1, 1]), [layer.blur, layer.blur], [layer.stride, layer.stride])
      }
    }
    case 'flatten':
      return { output: [input.reduce((a, b) => a * b, 1)], params: 0, macs: 0, receptiveField: rf }
    case 'dense': {
      if (input.length !== 1) {
        throw new LayerProblem(
          `Dense needs a flat input: add Flatten before layer ${position} ` +
            `(its input is ${input.join('x')}).`
        )
      }
      const weights = input[0] * layer.units
      return {
        output: [layer.units],
        params: weights + (layer.useBias ? layer.units : 0),
        macs: weights,
        receptiveField: rf
      }
    }
    case 'batchnorm':
      return { output: input, params: 2 * input[0], macs: 0, receptiveField: rf }
    case 'relu':
    case 'leakyrelu':
    case 'sigmoid':
    case 'tanh':
    case 'softmax':
    case 'dropout':
      return { output: input, params: 0, macs: 0, receptiveField: rf }
  }
}

export function inferShapes(spec: ModelSpec): ShapeReport {
  const rows: LayerRow[] = []
  const totals: ShapeTotals = { params: 0, trainableParams: 0, nonTrainableParams: 0, macs: 0 }
  let shape: number[] = [...spec.inputShape]
  // Carried through vector layers too, but only reported while the tensor is an image.
  let rf: ReceptiveField = { size: [1, 1], jump: [1, 1] }

  for (const [index, layer] of spec.layers.entries()) {
    const torchType = torchTypeOf(layer, shape)
    let s: Step
    try {
      s = step(layer, shape, rf, index + 1)
    } catch (e) {
      if (!(e instanceof LayerProblem)) throw e
      const message = `Layer ${index + 1} (${torchType}): ${e.message}`
      return { inputShape: spec.inputShape, rows, outputShape: shape, totals, error: { layerIndex: index, message } }
    }
    const activation =
      layer.type === 'conv2d' || layer.type === 'dense' ? fusedActivation(layer.activation) : undefined
    rows.push({
      index,
      type: layer.type,
      torchType,
      name: `${torchType}-${index + 1}`,
      ...(activation ? { activation } : {}),
      inputShape: shape,
      outputShape: s.output,
      params: s.params,
      trainableParams: s.params,
      nonTrainableParams: 0,
      macs: s.macs,
      ...(s.output.length === 3 ? { receptiveField: s.receptiveField } : {})
    })
    totals.params += s.params
    totals.trainableParams += s.params
    totals.macs += s.macs
    shape = s.output
    rf = s.receptiveField
  }
  return { inputShape: spec.inputShape, rows, outputShape: shape, totals }
}

// ---------------------------------------------------------------------------------------------
// The output head: which loss trains the stack and how to read its outputs as probabilities.

export type LossName =
  | 'binary-crossentropy'
  | 'binary-crossentropy-logits'
  | 'categorical-crossentropy'
  | 'softmax-crossentropy'

/**
 * - `probabilities`: the outputs already are class probabilities (softmax last).
 * - `logits`: apply softmax (PyTorch's CrossEntropyLoss convention).
 * - `sigmoid`: one output, P(class 1); P(class 0) = 1 - it.
 * - `sigmoid-logits`: one output; apply the sigmoid to get P(class 1).
 */
export type OutputKind = 'probabilities' | 'logits' | 'sigmoid' | 'sigmoid-logits'

export type Head =
  | { ok: true; loss: LossName; kind: OutputKind; classes: number }
  | { ok: false; error: string }

function lastActivation(layer: LayerSpec): ActivationName | LayerType {
  return layer.type === 'dense' || layer.type === 'conv2d' ? layer.activation : layer.type
}

/** How the engine trains and reads a classifier, or why this stack cannot classify. */
export function describeHead(spec: ModelSpec): Head {
  const report = inferShapes(spec)
  if (report.error) return { ok: false, error: report.error.message }
  const last = spec.layers.at(-1)
  if (!last) return { ok: false, error: 'The model has no layers, so it cannot classify.' }
  const row = report.rows[report.rows.length - 1]
  const out = report.outputShape
  if (out.length !== 1) {
    return {
      ok: false,
      error:
        `The output of ${row.name} is a ${out.join('x')} image, not a vector of class scores: ` +
        'add Flatten and a Linear layer at the end.'
    }
  }
  const n = out[0]
  const act = lastActivation(last)
  const isLinearDense = last.type === 'dense' && act === 'linear'
  if (act === 'softmax') {
    if (n < 2) {
      return { ok: false, error: `Softmax over ${row.name}'s single output is always 1: use 2 or more units, or Sigmoid.` }
    }
    return { ok: true, loss: 'categorical-crossentropy', kind: 'probabilities', classes: n }
  }
  if (act === 'sigmoid') {
    if (n !== 1) {
      return {
        ok: false,
        error: `A Sigmoid output must have 1 unit for two classes, but ${row.name} has ${n}: use Softmax for more classes.`
      }
    }
    return { ok: true, loss: 'binary-crossentropy', kind: 'sigmoid', classes: 2 }
  }
  if (isLinearDense) {
    return n === 1
      ? { ok: true, loss: 'binary-crossentropy-logits', kind: 'sigmoid-logits', classes: 2 }
      : { ok: true, loss: 'softmax-crossentropy', kind: 'logits', classes: n }
  }
  return {
    ok: false,
    error: `The last layer is ${row.name}${row.activation ? ` with ${row.activation}` : ''}: a classifier must end in Linear, Softmax or Sigmoid.`
  }
}

function head(spec: ModelSpec): Extract<Head, { ok: true }> {
  const h = describeHead(spec)
  if (!h.ok) throw new Error(h.error)
  return h
}

/** Throws, with the reason, when the stack cannot classify. */
export function lossFor(spec: ModelSpec): LossName {
  return head(spec).loss
}

/** Throws, with the reason, when the stack cannot classify. */
export function outputKind(spec: ModelSpec): OutputKind {
  return head(spec).kind
}
