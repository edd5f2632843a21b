/**
 * Whether a model can train on a data source, decided from shapes and class names alone, so a
 * mismatch is refused before a run folder exists (and the engine checks the loaded data the same way).
 */
import type { ModelSpec } from './layers'
import { describeHead, flatStackProblem, type StackProblemParams } from './shapes'

export interface DataFacts {
  /** How the user knows the data, e.g. "Fashion-MNIST" or the folder's name. */
  name: string
  /** [C, H, W] of one sample as it loads for this model. */
  sampleShape: [number, number, number]
  /** Image folders are scaled to the model's height and width; other sources have one size. */
  resizable: boolean
  classNames: string[]
  /** The toy set's edited labels need not use every output, so its class count is not checked. */
  checkClassCount: boolean
}

/**
 * What does not fit, as a cause with its values (so an interface can word it in its language)
 * and the English sentence the CLI prints. `stack` is a stack that cannot classify at all.
 */
export type DataMismatch = { message: string } & (
  | { reason: 'inputValues'; params: { values: number; data: string; shape: string; dataValues: number } }
  | { reason: 'inputChannels'; params: { channels: number; data: string; dataChannels: number } }
  | { reason: 'inputSize'; params: { shape: string; data: string; dataShape: string } }
  | { reason: 'classCount'; params: { classes: number; data: string; dataClasses: number; names: string } }
  | { reason: 'stack'; params: StackProblemParams }
)

const dims = (shape: readonly number[]): string => shape.join('×')
const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`

function inputMismatch(model: ModelSpec, data: DataFacts): DataMismatch | undefined {
  const [c, h, w] = data.sampleShape
  const input = model.inputShape
  const shape = dims(data.sampleShape)
  if (input.length === 1) {
    const values = c * h * w
    if (input[0] === values) return undefined
    return {
      reason: 'inputValues',
      params: { values: input[0], data: data.name, shape, dataValues: values },
      message: `The model takes ${input[0]} values per image but ${data.name} has ${shape} = ${values}: set the input to ${values}, or to ${shape} with a Flatten layer first.`
    }
  }
  if (input[0] !== c) {
    return {
      reason: 'inputChannels',
      params: { channels: input[0], data: data.name, dataChannels: c },
      message: `The model's input has ${plural(input[0], 'channel')} but ${data.name} has ${c}: set the input to ${plural(c, 'channel')}.`
    }
  }
  if (!data.resizable && (input[1] !== h || input[2] !== w)) {
    return {
      reason: 'inputSize',
      params: { shape: dims(input), data: data.name, dataShape: shape },
      message: `The model's input is ${dims(input)} but ${data.name}'s images are ${shape}: set the input to ${shape}.`
    }
  }
  return undefined
}

function classMismatch(model: ModelSpec, data: DataFacts): DataMismatch | undefined {
  const head = describeHead(model)
  if (!head.ok) return { reason: 'stack', params: flatStackProblem(head.problem), message: head.error }
  const names = data.classNames
  if (!data.checkClassCount || head.classes === names.length) return undefined
  const list = names.length <= 12 ? names.join(', ') : ''
  const fix = names.length === 2 ? '2 (or 1 with Sigmoid)' : String(names.length)
  return {
    reason: 'classCount',
    params: { classes: head.classes, data: data.name, dataClasses: names.length, names: list },
    message: `The model outputs ${head.classes} classes but ${data.name} has ${names.length}${list ? ` (${list})` : ''}: make the last layer output ${fix}.`
  }
}

export const DATA_MISMATCH_REASONS = ['inputValues', 'inputChannels', 'inputSize', 'classCount', 'stack'] as const

/** What to change so the model can train on the data, or undefined when it can. */
export function dataModelMismatch(model: ModelSpec, data: DataFacts): DataMismatch | undefined {
  return inputMismatch(model, data) ?? classMismatch(model, data)
}
