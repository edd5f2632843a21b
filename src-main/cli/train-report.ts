import type { LabEvent, LabEventPayload } from '../shared/contract'
import type { CommandContext } from './context'
import { formatDuration, formatProgress, percent } from './format'

/**
 * The training progress every training command shows: a live batch line on a terminal, one line
 * per epoch (a JSON line with --json). Pass it as startTraining's `emit`.
 */
export function trainingReporter(ctx: CommandContext): <E extends LabEvent>(event: E, payload: LabEventPayload<E>) => void {
  return (event, payload) => report(ctx, event, payload)
}

function report<E extends LabEvent>(ctx: CommandContext, event: E, payload: LabEventPayload<E>): void {
  if (event === 'train/progress') {
    if (ctx.interactive) process.stderr.write(`\r${formatProgress(payload as LabEventPayload<'train/progress'>)}\x1b[K`)
  } else if (event === 'train/epoch') {
    const e = payload as LabEventPayload<'train/epoch'>
    if (ctx.json) {
      ctx.print(JSON.stringify({ event: 'epoch', ...e }))
      return
    }
    const val = e.valAccuracy !== undefined ? ` val_loss ${e.valLoss?.toFixed(4)} val_acc ${percent(e.valAccuracy)}` : ''
    const line = `epoch ${e.epoch}: loss ${e.loss.toFixed(4)} acc ${percent(e.accuracy)}${val} (${formatDuration(e.seconds)})`
    if (ctx.interactive) process.stderr.write(`\r${line}\x1b[K\n`)
    else ctx.status(line)
  }
}
