/**
 * Whether and how a run trains on: resume (a cancelled or interrupted run, to its planned epochs)
 * or continue (a completed run, N epochs more). Both write into the same run folder, its history
 * going on as one curve, with the point recorded in run.json's `resumes`. Pure: the folder is read
 * by the caller.
 */
import type { RunStatus } from '../shared/contract'
import type { FoundCheckpoint } from './checkpoint-info'

export interface ResumeAsk {
  mode: 'resume' | 'continue'
  /** For continue: how many epochs more. */
  epochs?: number
  /** Start the optimizer afresh when the run has no saved optimizer state. */
  freshOptimizer?: boolean
}

export interface RunState {
  id: string
  dir: string
  status: RunStatus
  /** Epochs the run was asked for (config.epochs). */
  planned: number
  /** Epochs in its history. */
  epochsDone: number
  checkpoint: FoundCheckpoint | undefined
  /** Another process is training it now. */
  live: boolean
}

/** What to do: start after `from.epoch` epochs from the files in `from.dir`, up to `target` epochs. */
export interface ResumePlan {
  from: { dir: string; epoch: number; freshOptimizer: boolean }
  target: number
}

/** Why a run cannot go on, as a code the interface words and a sentence the CLI prints. */
export interface ResumeRefusal {
  problem: 'training' | 'completed' | 'notCompleted' | 'noEpoch' | 'noOptimizer' | 'nothingLeft'
  message: string
}

export function planResume(run: RunState, ask: ResumeAsk, modelDir: string): ResumePlan | ResumeRefusal {
  const refuse = (problem: ResumeRefusal['problem'], message: string): ResumeRefusal => ({ problem, message })
  if (run.live || run.status === 'running') return refuse('training', `Run ${run.id} is still training: wait for it to finish, or cancel it first.`)
  const checkpoint = run.checkpoint
  const noOptimizer = (what: string): ResumeRefusal =>
    refuse(
      'noOptimizer',
      `Run ${run.id} was saved without its optimizer state (${what}), so ${ask.mode === 'resume' ? 'resuming' : 'continuing'} it cannot give the weights of one longer run. Pass --fresh-optimizer to ${ask.mode} it with a fresh optimizer anyway.`
    )
  if (ask.mode === 'resume') {
    if (run.status === 'completed') return refuse('completed', `Run ${run.id} completed all its ${run.planned} epochs: nothing to resume. Continue it instead (train --continue ${run.dir} --epochs N).`)
    if (!checkpoint) return refuse('noEpoch', `Run ${run.id} has no completed epoch saved to resume from (it stopped in its first epoch, or was trained before ConvLab saved checkpoints): train it again.`)
    if (!checkpoint.hasOptimizer && !ask.freshOptimizer) return noOptimizer(checkpoint.info.optimizerMissing ?? 'optimizer.json is missing')
    if (checkpoint.info.epoch >= run.planned) return refuse('nothingLeft', `Run ${run.id} had trained all its ${run.planned} epochs when it stopped: continue it instead (train --continue ${run.dir} --epochs N).`)
    return { from: { dir: checkpoint.dir, epoch: checkpoint.info.epoch, freshOptimizer: !checkpoint.hasOptimizer || Boolean(ask.freshOptimizer) }, target: run.planned }
  }
  const more = ask.epochs ?? 1
  if (run.status !== 'completed') {
    return refuse('notCompleted', `Run ${run.id} is ${run.status}, not completed: ${run.status === 'failed' || run.status === 'cancelled' ? `resume it first (train --resume ${run.dir})` : 'only a completed run can be continued'}.`)
  }
  // The checkpoint of a completed run holds its last epoch; a run from before checkpoints has only its model.
  if (checkpoint && checkpoint.info.epoch === run.epochsDone) {
    if (!checkpoint.hasOptimizer && !ask.freshOptimizer) return noOptimizer(checkpoint.info.optimizerMissing ?? 'optimizer.json is missing')
    return { from: { dir: checkpoint.dir, epoch: checkpoint.info.epoch, freshOptimizer: !checkpoint.hasOptimizer || Boolean(ask.freshOptimizer) }, target: checkpoint.info.epoch + more }
  }
  if (!ask.freshOptimizer) return noOptimizer('it was trained before ConvLab saved optimizer state')
  if (run.epochsDone < 1) return refuse('noEpoch', `Run ${run.id} has no epoch in its history to continue from.`)
  return { from: { dir: modelDir, epoch: run.epochsDone, freshOptimizer: true }, target: run.epochsDone + more }
}
