import { join, resolve } from 'node:path'
import { MODEL_DIR, readRun } from '../runs/run-store'
import type { RunDetail } from '../shared/contract'
import { CliError } from './cli-error'

/** The run folder named by --run, checked to hold a trained model. */
export async function openTrainedRun(dir: string | undefined): Promise<{ run: RunDetail; model: { dir: string } }> {
  if (!dir) throw new CliError('--run is required (a run folder written by `train --out`).')
  const abs = resolve(dir)
  const run = await readRun(abs)
  if (run.status === 'failed' || run.status === 'running') {
    throw new CliError(`${abs} has no trained model (the run is ${run.status}${run.error ? `: ${run.error}` : ''}).`)
  }
  return { run, model: { dir: join(abs, MODEL_DIR) } }
}
