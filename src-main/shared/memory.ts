/**
 * What training a model needs in memory, from its shapes alone, so a model that cannot fit is
 * refused before any tensor exists (one with wide convolutions at batch 64 grew the engine to
 * 6 GB and hung the machine). A lower bound: backends add scratch buffers (im2col and the like),
 * and the dataset comes on top. Pure: the renderer may show it as well.
 */
import type { ModelSpec } from './layers'
import { inferShapes } from './shapes'

const FLOAT_BYTES = 4

export interface MemoryEstimate {
  /** Every parameter, trainable or not (batch norm's running statistics). */
  weights: number
  /** One gradient per trainable parameter. */
  gradients: number
  /** Adam keeps two moments per trainable parameter; plain SGD none. */
  optimizer: number
  /** The input and every layer's output for the whole batch, kept for the backward pass, and
   * the gradient of each, as large again. */
  activations: number
  total: number
}

export function estimateTrainingMemory(spec: ModelSpec, batchSize: number, optimizer: 'adam' | 'sgd'): MemoryEstimate {
  const { rows, totals } = inferShapes(spec)
  const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1)
  const perSample = size(spec.inputShape) + rows.reduce((sum, row) => sum + size(row.outputShape), 0)
  const weights = totals.params * FLOAT_BYTES
  const gradients = totals.trainableParams * FLOAT_BYTES
  const optimizerState = optimizer === 'adam' ? 2 * totals.trainableParams * FLOAT_BYTES : 0
  const activations = 2 * perSample * batchSize * FLOAT_BYTES
  return { weights, gradients, optimizer: optimizerState, activations, total: weights + gradients + optimizerState + activations }
}

/** e.g. "1.2 GB", "310 MB": decimal units, as the system monitors show memory. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(1)} GB`
  if (bytes >= 1e6) return `${Math.round(bytes / 1e6)} MB`
  return `${Math.max(1, Math.round(bytes / 1e3))} kB`
}

/** Why the model cannot be trained in `available` bytes, or undefined when it fits. */
export function memoryProblem(spec: ModelSpec, batchSize: number, optimizer: 'adam' | 'sgd', available: number): string | undefined {
  const e = estimateTrainingMemory(spec, batchSize, optimizer)
  if (e.total <= available) return undefined
  const parts = [
    `weights ${formatBytes(e.weights)}`,
    `activations and their gradients at batch ${batchSize} ${formatBytes(e.activations)}`,
    `weight gradients ${formatBytes(e.gradients)}`,
    ...(e.optimizer ? [`Adam's state ${formatBytes(e.optimizer)}`] : [])
  ]
  return (
    `Training ${spec.name} needs at least ${formatBytes(e.total)} of memory (${parts.join(', ')}), more than this machine's ${formatBytes(available)}. ` +
    'Use a smaller batch, fewer filters or units, or pool earlier.'
  )
}
