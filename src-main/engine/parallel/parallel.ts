/**
 * Training on two cores: which split a model gets, and the helper thread's entry. A network with
 * one hidden Dense layer splits its hidden units (unit-parallel.ts), exchanging only its outputs;
 * any other model whose math per parameter outweighs the exchange of every gradient splits the
 * batch (data-parallel.ts); the rest train on one thread.
 */
import * as tf from '@tensorflow/tfjs'
import { availableParallelism } from 'node:os'
import { DataParallel, runBatchPeer, worthSplittingBatch, type BatchPeerInit } from './data-parallel'
import type { StepResult, StepShifts, TrainingSetup } from './parallel-channel'
import { planUnitSplit, runUnitPeer, UnitParallel, worthSplittingUnits, type UnitPeerInit } from './unit-parallel'

export { PEER_ROLE } from './parallel-channel'
export type { StepShifts, TrainingSetup } from './parallel-channel'

export interface TwoThreadTraining {
  /** How the work is split: by batch rows or by hidden units. */
  readonly split: 'batch' | 'units'
  trainStep(ids: Int32Array, shifts?: StepShifts): Promise<StepResult>
  /** Brings the engine's model up to date: before it is validated, evaluated or saved. */
  syncModel(): Promise<void>
  dispose(): Promise<void>
}

/**
 * Starts the helper thread for `setup`, or returns null when it would not help: one core, a
 * backend other than wasm, a model no split suits, or no entry file to start a thread from
 * (in-process tests). CONVLAB_TRAIN_THREADS=1 keeps training on one thread.
 */
export async function startTwoThreadTraining(entry: string | undefined, setup: TrainingSetup): Promise<TwoThreadTraining | null> {
  const threads = Number(process.env.CONVLAB_TRAIN_THREADS ?? availableParallelism())
  if (!entry || threads < 2 || tf.getBackend() !== 'wasm') return null
  const plan = planUnitSplit(setup.spec)
  if (plan && worthSplittingUnits(setup.spec, setup.batchSize)) return UnitParallel.start(entry, setup, plan)
  if (worthSplittingBatch(setup.spec, setup.batchSize)) return DataParallel.start(entry, setup)
  return null
}

/** The helper thread's side, for either split. */
export function runTrainPeer(init: BatchPeerInit | UnitPeerInit): Promise<void> {
  return init.split === 'units' ? runUnitPeer(init) : runBatchPeer(init)
}
