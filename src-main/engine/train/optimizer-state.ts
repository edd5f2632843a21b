/**
 * An optimizer's state as plain arrays: what a checkpoint saves (checkpoint.ts), and what the
 * engine thread hands its training helper threads when a run resumes, or gathers from them.
 */
import * as tf from '@tensorflow/tfjs'
import type { NamedTensor } from '../kernels'

/** The names of each optimizer's moments, in the order tfjs's getWeights lists them. */
export const SLOTS = { adam: ['m', 'v'], sgd: [] } as const
export type OptimizerKind = keyof typeof SLOTS

/** An optimizer's whole state: steps taken and, per moment, one array per trainable variable. */
export interface OptimizerState {
  kind: OptimizerKind
  iterations: number
  /** slots[s][i]: moment SLOTS[kind][s] of trainable variable i. */
  slots: Float32Array[][]
}

/**
 * The optimizer's state for `vars`, or null when it does not hold a moment of the variables'
 * shapes for every variable (an Adam that has not stepped yet holds none).
 */
export async function captureOptimizerState(optimizer: tf.Optimizer, kind: OptimizerKind, vars: readonly tf.Variable[]): Promise<OptimizerState | null> {
  const [iter, ...moments] = await optimizer.getWeights()
  const iterations = (await iter.tensor.data())[0]
  // The step count is a new tensor each call; the moments are the optimizer's own.
  iter.tensor.dispose()
  const slotCount = SLOTS[kind].length
  if (moments.length !== slotCount * vars.length) return null
  const slots: Float32Array[][] = []
  for (let s = 0; s < slotCount; s++) {
    const arrays: Float32Array[] = []
    for (let i = 0; i < vars.length; i++) {
      const t = moments[s * vars.length + i].tensor
      if (!tf.util.arraysEqual(t.shape, vars[i].shape)) return null
      arrays.push((await t.data()) as Float32Array)
    }
    slots.push(arrays)
  }
  return { kind, iterations, slots }
}

/** Gives a fresh optimizer the saved state, so its next step is the step an unbroken run takes. */
export async function restoreOptimizerState(optimizer: tf.Optimizer, vars: readonly tf.Variable[], state: OptimizerState): Promise<void> {
  const names = SLOTS[state.kind]
  const named: NamedTensor[] = [{ name: 'iter', tensor: tf.scalar(state.iterations, 'int32') }]
  state.slots.forEach((arrays, s) => arrays.forEach((values, i) => named.push({ name: `${vars[i].name}/${names[s]}`, tensor: tf.tensor(values, vars[i].shape, 'float32') })))
  try {
    await optimizer.setWeights(named)
  } finally {
    tf.dispose(named.map((n) => n.tensor))
  }
}
