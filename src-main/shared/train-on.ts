/**
 * How a finished run can train on, read from its status and checkpoint as the Runs view, the Train
 * view and `lab checkpoint` show it; runs/resume-plan.ts decides the same on the main side, with
 * the refusals. Exact: from the saved optimizer state, so the weights are those of one longer run;
 * otherwise only with a fresh optimizer (a dropped checkpoint, or a run saved before ConvLab kept it).
 */
import type { RunDetail } from './contract'

export interface TrainOn {
  mode: 'resume' | 'continue'
  exact: boolean
}

export function trainOnOf(run: Pick<RunDetail, 'status' | 'config' | 'epochsDone' | 'checkpoint'>): TrainOn | null {
  const c = run.checkpoint
  if (run.status === 'cancelled' || run.status === 'failed') return c && c.epoch < run.config.epochs ? { mode: 'resume', exact: c.optimizer } : null
  if (run.status === 'completed' && run.epochsDone > 0) return { mode: 'continue', exact: c !== undefined && c.epoch === run.epochsDone && c.optimizer }
  return null
}

/** Whether the run's checkpoint can be dropped (runs/drop-checkpoint): a completed run's only. */
export const checkpointDroppable = (run: Pick<RunDetail, 'status' | 'checkpoint'>): boolean => run.status === 'completed' && run.checkpoint !== undefined
