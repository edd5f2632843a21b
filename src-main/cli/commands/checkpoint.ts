/**
 * `lab checkpoint --run DIR [--drop]`: what a run's checkpoint/ holds (the epoch, its size, whether
 * the run goes on from it exactly), and with --drop, removes a completed run's to free the disk,
 * as the Runs view's "Drop checkpoint" does (runs/drop-checkpoint.ts).
 */
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { CheckpointKept, dropCheckpoint } from '../../runs/drop-checkpoint'
import { RUN_FILE, readRun } from '../../runs/run-store'
import type { RunDetail } from '../../shared/contract'
import { formatBytes } from '../../shared/memory'
import { trainOnOf } from '../../shared/train-on'
import { CliError } from '../cli-error'
import type { CommandContext } from '../context'
import { tidyRunFolder } from '../run-arg'

export async function checkpointCommand(argv: string[], ctx: CommandContext): Promise<number> {
  const { values } = parseArgs({ args: argv, strict: true, options: { run: { type: 'string' }, drop: { type: 'boolean' } } })
  if (!values.run) throw new CliError('--run is required (a run folder written by `train --out`).')
  const dir = resolve(values.run)
  await tidyRunFolder(dir, ctx.status)
  const open = (): Promise<RunDetail> =>
    readRun(dir).catch((err: unknown) => {
      throw new CliError(`${dir} cannot be opened as a run: ${err instanceof Error ? err.message : String(err)} (${RUN_FILE} is what makes a folder a run).`)
    })
  let run = await open()
  let freedBytes: number | undefined
  if (values.drop) {
    ;({ freedBytes } = await dropCheckpoint(dir, run.id).catch((err: unknown) => {
      if (err instanceof CheckpointKept) throw new CliError(err.message)
      throw err
    }))
    run = await open()
  }
  const trainOn = trainOnOf(run)
  if (ctx.json) {
    ctx.print(JSON.stringify({ run: dir, status: run.status, checkpoint: run.checkpoint ?? null, trainOn, ...(freedBytes === undefined ? {} : { freedBytes }) }))
    return 0
  }
  if (freedBytes !== undefined) ctx.print(freedBytes ? `Dropped the checkpoint of ${dir}: ${formatBytes(freedBytes)} freed. The trained model stays.` : `${dir} has no checkpoint to drop.`)
  const c = run.checkpoint
  ctx.print(c ? `Checkpoint: after epoch ${c.epoch}, ${formatBytes(c.bytes ?? 0)}${c.optimizer ? ', with optimizer state' : ', without optimizer state'}.` : 'Checkpoint: none.')
  ctx.print(trainOnLine(run, dir))
  return 0
}

function trainOnLine(run: RunDetail, dir: string): string {
  const on = trainOnOf(run)
  if (!on) return run.status === 'running' ? 'The run is training.' : `The run cannot be resumed or continued (it is ${run.status}, with no completed epoch to go on from).`
  if (on.mode === 'resume') {
    return on.exact ? `Resume (train --resume ${dir}) goes on exactly where it stopped.` : `Resume needs a fresh optimizer: train --resume ${dir} --fresh-optimizer.`
  }
  return on.exact
    ? `Continue (train --continue ${dir} --epochs N) gives the same weights as one longer run.`
    : `Continue needs a fresh optimizer, so it does not give the weights of one longer run: train --continue ${dir} --epochs N --fresh-optimizer.`
}
