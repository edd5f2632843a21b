/**
 * Training on several cores: which split a model gets, over how many threads, and the helper
 * threads' entry. A network with one hidden Dense layer splits its hidden units over as many
 * threads as its math pays for (unit-parallel.ts), exchanging only its outputs; any other model whose math per parameter
 * outweighs the exchange of every gradient splits the batch over as many threads as that math
 * pays for, up to the limit (data-parallel.ts); the rest train on one thread.
 */
import * as tf from '@tensorflow/tfjs'
import { availableParallelism } from 'node:os'
import { trainThreadLimit } from '../../shared/threads'
import { batchSplitThreads, DataParallel, runBatchPeer, type BatchPeerInit } from './data-parallel'
import type { StepResult, StepShifts, TrainingSetup } from './parallel-channel'
import type { OptimizerState } from '../train/optimizer-state'
import { planUnitSplit, runUnitPeer, UnitParallel, unitSplitThreads, type UnitPeerInit } from './unit-parallel'

export { PEER_ROLE } from './parallel-channel'
export type { StepShifts, TrainingSetup } from './parallel-channel'

export interface ParallelTraining {
  /** How the work is split: by batch rows or by hidden units. */
  readonly split: 'batch' | 'units'
  /** Threads training on it, the engine's own included. */
  readonly threads: number
  /** Restarts the dropout streams the engine's model does not hold (helpers', the engine's part) at `epoch`. */
  startEpoch(epoch: number): void
  trainStep(ids: Int32Array, shifts?: StepShifts): Promise<StepResult>
  /** Brings the engine's model up to date: before it is validated, evaluated or saved. */
  syncModel(): Promise<void>
  /** The whole model's optimizer state, in the engine model's weight order: what a checkpoint saves. */
  optimizerState(): Promise<OptimizerState | null>
  dispose(): Promise<void>
}

/**
 * Starts the helper threads for `setup`, their optimizers from the state of `setup.optimizer`
 * (a resumed run's restored moments), or returns null when they would not help: one core, a
 * backend other than wasm, a model no split suits, or no entry file to start a thread from
 * (in-process tests). The run's `threads` setting and CONVLAB_TRAIN_THREADS cap the threads; `threads` overrides both.
 */
export async function startParallelTraining(entry: string | undefined, setup: TrainingSetup, threads?: number): Promise<ParallelTraining | null> {
  const limit = trainThreadLimit(threads, process.env.CONVLAB_TRAIN_THREADS, availableParallelism(), setup.recipe.threads)
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
