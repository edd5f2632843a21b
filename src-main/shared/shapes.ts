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

/**
 * Why a stack cannot work, as a code and its values: `stackProblemText` words it in English (the
 * CLI, main's errors), the renderer in the interface's language. The first six are a layer that
 * cannot follow the one before it; the rest, a stack that cannot end as a classifier.
 */
export const STACK_PROBLEMS = [
  'flatInput',
  'windowTooLarge',
  'poolPadding',
  'blurPoolTooLarge',
  'blurTooWide',
  'denseNeedsFlat',
  'noLayers',
  'outputImage',
  'softmaxOneUnit',
  'sigmoidUnits',
  'badLastLayer'
] as const
export type StackProblemCode = (typeof STACK_PROBLEMS)[number]
export type StackProblemParams = Record<string, string | number>

export interface StackProblem {
  code: StackProblemCode
  params: StackProblemParams
}

export interface ShapeError extends StackProblem {
  /** 0-based position in `spec.layers`. */
  layerIndex: number
  /** PyTorch's name of the layer's type, e.g. Conv2d. */
  torchType: string
  /** The English sentence, "Layer 3 (MaxPool2d): …". */
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
class LayerProblem extends Error {
  constructor(
    readonly code: StackProblemCode,
    readonly params: StackProblemParams
  ) {
    super(problemSentence(code, params))
  }
}

/** The English sentence of a problem, without the layer it is at. */
function problemSentence(code: StackProblemCode, p: StackProblemParams): string {
  switch (code) {
    case 'flatInput':
      return `needs a [C, H, W] image input but gets a flat vector of ${p.values} values; spatial layers must come before Flatten.`
    case 'windowTooLarge':
      return `${p.what} ${p.window} is larger than its ${p.input} input (with padding ${p.padding}).`
    case 'poolPadding':
      return `padding ${p.padding} is more than half of its ${p.pool} pool (PyTorch allows at most ${p.max}).`
    case 'blurPoolTooLarge':
      return `pool ${p.pool} is larger than its ${p.input} input.`
    case 'blurTooWide':
      return `blur ${p.blur} reflects ${p.pad} pixels, more than its ${p.map} max-pooled map allows.`
    case 'denseNeedsFlat':
      return `Dense needs a flat input: add Flatten before layer ${p.layer} (its input is ${p.input}).`
    case 'noLayers':
      return 'The model has no layers, so it cannot classify.'
    case 'outputImage':
      return `The output of ${p.name} is a ${p.shape} image, not a vector of class scores: add Flatten and a Linear layer at the end.`
    case 'softmaxOneUnit':
      return `Softmax over ${p.name}'s single output is always 1: use 2 or more units, or Sigmoid.`
    case 'sigmoidUnits':
      return `A Sigmoid output must have 1 unit for two classes, but ${p.name} has ${p.units}: use Softmax for more classes.`
    case 'badLastLayer':
      return `The last layer is ${p.name}${p.activation ? ` with ${p.activation}` : ''}: a classifier must end in Linear, Softmax or Sigmoid.`
  }
}

/**
 * A problem as one flat record of plain values, to travel in an error's or a check's `params`:
 * `problem` is the code, `atLayer` and `torchType` the layer when it is a layer's.
 */
export function flatStackProblem(problem: StackProblem | ShapeError): StackProblemParams {
  return {
    ...problem.params,
    problem: problem.code,
    ...('layerIndex' in problem ? { atLayer: problem.layerIndex + 1, torchType: problem.torchType } : {})
  }
}

/** A stack's problem in English, with the layer it is at when it is a layer's: what the CLI prints. */
export function stackProblemText(problem: StackProblem | ShapeError): string {
  const sentence = problemSentence(problem.code, problem.params)
  return 'layerIndex' in problem ? `Layer ${problem.layerIndex + 1} (${problem.torchType}): ${sentence}` : sentence
}

function torchTypeOf(layer: LayerSpec, input: number[]): string {
  if (layer.type === 'batchnorm') return input.length === 1 ? 'BatchNorm1d' : 'BatchNorm2d'
  return TORCH_LAYER_NAMES[layer.type]
}

function hw(a: number, b: number): string {
  return `${a}x${b}`
}

function asImage(input: number[]): Image {
  if (input.length !== 3) {
    throw new LayerProblem('flatInput', { values: input[0] })
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
    throw new LayerProblem('windowTooLarge', { what, window: hw(kernel[0], kernel[1]), input: hw(h, w), padding: pad })
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
          throw new LayerProblem('poolPadding', { padding: pad, pool: hw(pool[0], pool[1]), max })
        }
      }
      const [oh, ow] = windowedSizes(image, pool, stride, layer.padding, 'pool')
      return { output: [image[0], oh, ow], params: 0, macs: 0, receptiveField: grow(rf, pool, stride) }
    }
    case 'blurpool': {
      const [c, h, w] = asImage(input)
      if (layer.pool > h || layer.pool > w) {
        throw new LayerProblem('blurPoolTooLarge', { pool: hw(layer.pool, layer.pool), input: hw(h, w) })
      }
      const [mh, mw] = [h - layer.pool + 1, w - layer.pool + 1]
      const pad = Math.max(...blurPads(layer.blur))
      // Reflection cannot reach further than the map is wide.
      if (pad >= Math.min(mh, mw)) {
        throw new LayerProblem('blurTooWide', { blur: layer.blur, pad, map: hw(mh, mw) })
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
        throw new LayerProblem('denseNeedsFlat', { layer: position, input: input.join('x') })
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
      const problem = { code: e.code, params: e.params, layerIndex: index, torchType }
      const error: ShapeError = { ...problem, message: stackProblemText(problem) }
      return { inputShape: spec.inputShape, rows, outputShape: shape, totals, error }
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
  | { ok: false; error: string; problem: StackProblem | ShapeError }

/** A head that cannot classify, its English sentence made from the problem. */
function cannot(problem: StackProblem | ShapeError): Extract<Head, { ok: false }> {
  return { ok: false, error: stackProblemText(problem), problem }
}

function lastActivation(layer: LayerSpec): ActivationName | LayerType {
  return layer.type === 'dense' || layer.type === 'conv2d' ? layer.activation : layer.type
}

/** How the engine trains and reads a classifier, or why this stack cannot classify. */
export function describeHead(spec: ModelSpec): Head {
  const report = inferShapes(spec)
  if (report.error) return cannot(report.error)
  const last = spec.layers.at(-1)
  if (!last) return cannot({ code: 'noLayers', params: {} })
  const row = report.rows[report.rows.length - 1]
  const out = report.outputShape
  if (out.length !== 1) {
    return cannot({ code: 'outputImage', params: { name: row.name, shape: out.join('x') } })
  }
  const n = out[0]
  const act = lastActivation(last)
  const isLinearDense = last.type === 'dense' && act === 'linear'
  if (act === 'softmax') {
    if (n < 2) {
      return cannot({ code: 'softmaxOneUnit', params: { name: row.name } })
    }
    return { ok: true, loss: 'categorical-crossentropy', kind: 'probabilities', classes: n }
  }
  if (act === 'sigmoid') {
    if (n !== 1) {
      return cannot({ code: 'sigmoidUnits', params: { name: row.name, units: n } })
    }
    return { ok: true, loss: 'binary-crossentropy', kind: 'sigmoid', classes: 2 }
  }
  if (isLinearDense) {
    return n === 1
      ? { ok: true, loss: 'binary-crossentropy-logits', kind: 'sigmoid-logits', classes: 2 }
      : { ok: true, loss: 'softmax-crossentropy', kind: 'logits', classes: n }
  }
  return cannot({ code: 'badLastLayer', params: { name: row.name, activation: row.activation ?? '' } })
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
