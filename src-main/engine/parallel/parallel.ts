/**
 * Training on several cores: which split a model gets, over how many threads, and the helper
 * threads' entry. A network with one hidden Dense layer splits its hidden units over as many
 * threads as its math pays for (unit-parallel.ts), exchanging only its outputs; any other model whose math per parameter
 * outweighs the exchange of every gradient splits the batch over as many threads as that math
 * pays for, up to the limit (data-parallel.ts); the rest train on one thread.
 */
import * as tf from '@tensorflow/tfjs'
import { availableParallelism } from 'node:os'
import { batchSplitThreads, DataParallel, runBatchPeer, type BatchPeerInit } from './data-parallel'
import type { StepResult, StepShifts, TrainingSetup } from './parallel-channel'
import { planUnitSplit, runUnitPeer, UnitParallel, unitSplitThreads, type UnitPeerInit } from './unit-parallel'

export { PEER_ROLE } from './parallel-channel'
export type { StepShifts, TrainingSetup } from './parallel-channel'

export interface ParallelTraining {
  /** How the work is split: by batch rows or by hidden units. */
  readonly split: 'batch' | 'units'
  /** Threads training on it, the engine's own included. */
  readonly threads: number
  trainStep(ids: Int32Array, shifts?: StepShifts): Promise<StepResult>
  /** Brings the engine's model up to date: before it is validated, evaluated or saved. */
  syncModel(): Promise<void>
  dispose(): Promise<void>
}

/**
 * Threads training may use: `asked` when given (the bench's --threads), else CONVLAB_TRAIN_THREADS
 * when set (taken as it is, so tests can run more threads than cores), else the machine's cores.
 */
export function trainThreadLimit(asked: number | undefined, setting: string | undefined, cores: number): number {
  if (asked !== undefined) return asked
  const value = setting?.trim() ?? ''
  if (value === '') return cores
  const cap = Number(value)
  if (!Number.isInteger(cap) || cap < 1) throw new Error(`CONVLAB_TRAIN_THREADS must be a whole number of threads, 1 or more, not "${value}"`)
  return cap
}

/**
 * Starts the helper threads for `setup`, or returns null when they would not help: one core, a
 * backend other than wasm, a model no split suits, or no entry file to start a thread from
 * (in-process tests). CONVLAB_TRAIN_THREADS=1 keeps training on one thread; `threads` overrides it.
 */
export async function startParallelTraining(entry: string | undefined, setup: TrainingSetup, threads?: number): Promise<ParallelTraining | null> {
  const limit = trainThreadLimit(threads, process.env.CONVLAB_TRAIN_THREADS, availableParallelism())
  if (!entry || limit < 2 || tf.getBackend() !== 'wasm') return null
  const unitThreads = unitSplitThreads(setup.spec, setup.batchSize, limit)
  const plan = unitThreads >= 2 && planUnitSplit(setup.spec, unitThreads)
  if (plan) return UnitParallel.start(entry, setup, plan)
  const batchThreads = batchSplitThreads(setup.spec, setup.batchSize, limit)
  if (batchThreads >= 2) return DataParallel.start(entry, setup, batchThreads)
  return null
}

/** The helper thread's side, for either split. */
export function runTrainPeer(init: BatchPeerInit | UnitPeerInit): Promise<void> {
  return init.split === 'units' ? runUnitPeer(init) : runBatchPeer(init)
}
