/**
 * Whether a model can train on a data source, decided from shapes and class names alone, so a
 * mismatch is refused before a run folder exists (and the engine checks the loaded data the same way).
 */
import type { ModelSpec } from './layers'
import { describeHead } from './shapes'

export interface DataFacts {
  /** How the user knows the data, e.g. "Fashion-MNIST" or the folder's path. */
  name: string
  /** [C, H, W] of one sample as it loads for this model. */
  sampleShape: [number, number, number]
  /** Image folders are scaled to the model's height and width; other sources have one size. */
  resizable: boolean
  classNames: string[]
  /** The toy set's edited labels need not use every output, so its class count is not checked. */
  checkClassCount: boolean
}

const dims = (shape: readonly number[]): string => shape.join('×')

function inputProblem(model: ModelSpec, data: DataFacts): string | undefined {
  const [c, h, w] = data.sampleShape
  const input = model.inputShape
  if (input.length === 1) {
    const values = c * h * w
    if (input[0] === values) return undefined
    return `The model takes ${input[0]} values per image but ${data.name} has ${dims(data.sampleShape)} = ${values}: set the input to ${values}, or to ${dims(data.sampleShape)} with a Flatten layer first.`
  }
  if (input[0] !== c) {
    return `The model's input has ${input[0]} channel${input[0] === 1 ? '' : 's'} but ${data.name} has ${c}: set the input to ${c} channel${c === 1 ? '' : 's'}.`
  }
  if (!data.resizable && (input[1] !== h || input[2] !== w)) {
    return `The model's input is ${dims(input)} but ${data.name}'s images are ${dims(data.sampleShape)}: set the input to ${dims(data.sampleShape)}.`
  }
  return undefined
}

function classProblem(model: ModelSpec, data: DataFacts): string | undefined {
  const head = describeHead(model)
  if (!head.ok) return head.error
  const names = data.classNames
  if (!data.checkClassCount || head.classes === names.length) return undefined
  const list = names.length <= 12 ? ` (${names.join(', ')})` : ''
  const fix = names.length === 2 ? '2 (or 1 with Sigmoid)' : String(names.length)
  return `The model outputs ${head.classes} classes but ${data.name} has ${names.length}${list}: make the last layer output ${fix}.`
}

/** What to change so the model can train on the data, or undefined when it can. */
export function dataModelMismatch(model: ModelSpec, data: DataFacts): string | undefined {
  return inputProblem(model, data) ?? classProblem(model, data)
}
