import { join, resolve } from 'node:path'
import { INTERRUPTED_ERROR, isReadOnlyError, recoverRun } from '../runs/recover'
import { MODEL_DIR, RUN_FILE, readRun } from '../runs/run-store'
import type { RunDetail } from '../shared/contract'
import { describeDivergence } from '../shared/divergence'
import { CliError } from './cli-error'

const stderrLine = (line: string): void => {
  process.stderr.write(line + '\n')
}

/**
 * What the app does for every run when it starts, done for one run folder the CLI is about to use
 * or replace: a run left "running" by a killed process is marked interrupted and the temporary
 * files of its cut-short writes go. Returns true when another live process is training it.
 */
export async function tidyRunFolder(dir: string, warn: (line: string) => void = stderrLine): Promise<{ live: boolean }> {
  try {
    const r = await recoverRun(dir)
    if (r.interrupted) warn(`note: ${dir} was left "running" by a process that is gone; marked failed (${INTERRUPTED_ERROR})`)
    return { live: r.live }
  } catch (err) {
    // A read-only run can still be read; only tidying it is impossible.
    if (isReadOnlyError(err)) warn(`note: ${dir} is read-only (${err.code}), so it is used as it is.`)
    else if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    return { live: false }
  }
}

/** The run folder named by --run, checked to hold a trained model; its damage and divergence are said on stderr. */
export async function openTrainedRun(
  dir: string | undefined,
  warn: (line: string) => void = stderrLine
): Promise<{ run: RunDetail; model: { dir: string } }> {
  if (!dir) throw new CliError('--run is required (a run folder written by `train --out`).')
  const abs = resolve(dir)
  const { live } = await tidyRunFolder(abs, warn)
  const run = await readRun(abs).catch((err: unknown) => {
    throw new CliError(`${abs} cannot be opened as a run: ${err instanceof Error ? err.message : String(err)} (${RUN_FILE} is what makes a folder a run).`)
  })
  if (run.status === 'running' && live) throw new CliError(`${abs} is still being trained by another process; wait for it to finish.`)
  if (run.status === 'failed' || run.status === 'running') {
    throw new CliError(`${abs} has no trained model (the run is ${run.status}${run.error ? `: ${run.error}` : ''}).`)
  }
  if (run.damage) warn(`warning: ${abs} is damaged: ${run.damage.problems.join('; ')}. ${run.damage.usable}`)
  if (run.diverged) warn(`warning: ${abs} diverged: ${describeDivergence(run.diverged)}.`)
  return { run, model: { dir: join(abs, MODEL_DIR) } }
}
