/** Which runs can answer predictions: the ones with a trained model on disk. */
import type { RunSummary } from '@shared/contract'
import { request } from '@renderer/api/client'

export function hasTrainedModel(run: RunSummary): boolean {
  if (run.damage && !run.damage.modelUsable) return false
  return run.status === 'completed' || (run.status === 'cancelled' && run.epochsDone > 0)
}

/** Trained runs, newest first (runs/list already sorts them so). */
export async function loadTrainedRuns(): Promise<RunSummary[]> {
  return (await request('runs/list', {})).filter(hasTrainedModel)
}
