/**
 * The toy CNN's check by hand as plain functions: the trained parameters read out of the engine's
 * weights, every 3x3 window of the convolution, and each later layer set beside the engine, so
 * the Learn view only renders and the arithmetic has unit tests of its own.
 */
import type { LabOutput } from '@shared/contract'
import { convolutionSteps, type ConvStep, type HandLayerOutput } from '@shared/forward'

type Weights = LabOutput<'runs/weights'>
export type Activations = LabOutput<'runs/activations'>

/** One sample run through the trained toy net, by the engine and by hand. */
export interface CheckedSample {
  label: number
  input: number[]
  engine: Activations
  hand: HandLayerOutput[]
  maxDiff: number
}

/** The toy's 12 trained numbers, as the view lays them out. */
export interface ToyParams {
  /** [kh][kw] */
  filter: number[][]
  convBias: number
  linearWeight: number[]
  linearBias: number
  /** Every trained value, all layers. */
  count: number
}

/** One convolution window, its hand value and the engine's. */
export interface CheckedWindow extends ConvStep {
  hand: number
  engine: number
}

/** One layer after the convolution: how it is computed, both sides' values and their largest gap. */
export interface CheckedLayer {
  layer: HandLayerOutput
  formula: Formula
  hand: number[]
  engine: number[]
  diff: number
}

/** The largest |hand − engine| over every layer; a NaN anywhere makes it infinite. */
export function maxDiff(hand: readonly HandLayerOutput[], engine: Activations): number {
  let worst = 0
  hand.forEach((layer, i) => {
    const e = engine.layers[i].values
    layer.output.values.forEach((v, j) => {
      const d = Math.abs(v - e[j])
      worst = Number.isNaN(d) ? Infinity : Math.max(worst, d)
    })
  })
  return worst
}

/** The conv filter, biases and linear weight of the toy net; null when the weights are not a toy's. */
export function toyParams(weights: Weights | null): ToyParams | null {
  if (!weights) return null
  const conv = weights.layers.find((l) => l.type === 'conv2d')
  const dense = weights.layers.find((l) => l.type === 'dense')
  const tensor = (layer: typeof conv, name: string) => layer?.tensors.find((x) => x.name === name)
  const filter = tensor(conv, 'weight')
  if (!filter || filter.shape.length !== 4) return null
  const [, , kh, kw] = filter.shape
  return {
    filter: rows(filter.values, kh, kw),
    convBias: tensor(conv, 'bias')?.values[0] ?? 0,
    linearWeight: tensor(dense, 'weight')?.values ?? [],
    linearBias: tensor(dense, 'bias')?.values[0] ?? 0,
    count: weights.layers.reduce((n, l) => n + l.tensors.reduce((m, x) => m + x.values.length, 0), 0)
  }
}

/** The first `h` rows of `w` values each, from row-major values. */
function rows(values: readonly number[], h: number, w: number): number[][] {
  return Array.from({ length: h }, (_, y) => values.slice(y * w, (y + 1) * w))
}

/** The sample's input as the model sees it, one channel as [H][W]. */
export function inputGrid(sample: CheckedSample): number[][] {
  const [, h, w] = sample.engine.inputShape
  return rows(sample.input, h, w)
}

/** The tutorial's loop: every window of the input times the filter, plus the bias, beside both results. */
export function convolutionWindows(params: ToyParams, sample: CheckedSample): CheckedWindow[] {
  const r = convolutionSteps([inputGrid(sample)], [[params.filter]], [params.convBias], 1, 'valid')
  const engineConv = sample.engine.layers[0].values
  return r.steps.map((step, i) => ({ ...step, hand: sample.hand[0].output.values[i], engine: engineConv[i] }))
}

/**
 * How one layer's output follows from the layer before, with the numbers it uses; the view
 * writes it out. `matrix` is a dense layer with more than one weight, shown as W · x + b.
 */
export type Formula =
  | { kind: 'max' | 'relu'; inputs: number[] }
  | { kind: 'flatten' | 'matrix' | 'none' }
  | { kind: 'dense'; weight: number; input: number; bias: number }
  | { kind: 'sigmoid'; z: number }

export function layerFormula(layer: HandLayerOutput, prev: HandLayerOutput | undefined, params: ToyParams | null): Formula {
  const inputs = prev ? Array.from(prev.output.values) : []
  switch (layer.type) {
    case 'maxpool2d':
      return { kind: 'max', inputs }
    case 'relu':
      return { kind: 'relu', inputs }
    case 'flatten':
      return { kind: 'flatten' }
    case 'dense':
      return params && params.linearWeight.length === 1 && inputs.length === 1
        ? { kind: 'dense', weight: params.linearWeight[0], input: inputs[0], bias: params.linearBias }
        : { kind: 'matrix' }
    case 'sigmoid':
      return prev ? { kind: 'sigmoid', z: inputs[0] } : { kind: 'none' }
    default:
      return { kind: 'none' }
  }
}

/** Every layer after the convolution, by hand and by the engine. */
export function checkedLayers(sample: CheckedSample, params: ToyParams | null): CheckedLayer[] {
  return sample.hand.slice(1).map((layer, i) => {
    const hand = Array.from(layer.output.values)
    const engine = sample.engine.layers[i + 1].values
    const diff = Math.max(...hand.map((v, j) => Math.abs(v - engine[j])))
    return { layer, formula: layerFormula(layer, sample.hand[i], params), hand, engine, diff }
  })
}

/** The toy's sigmoid output read as a class: 1 from one half up. */
export function predictedClass(output: number): 0 | 1 {
  return output >= 0.5 ? 1 : 0
}
