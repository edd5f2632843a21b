import { parseArgs } from 'node:util'
import { intOption } from '../args'
import type { CommandContext } from '../context'
import { withEngine } from '../engine'
import { formatConfusion, percent } from '../format'
import { openTrainedRun } from '../run-arg'

export async function evaluateCommand(argv: string[], ctx: CommandContext): Promise<number> {
  const { values } = parseArgs({ args: argv, strict: true, options: { run: { type: 'string' }, limit: { type: 'string' } } })
  const { run, model } = await openTrainedRun(values.run)
  const limit = intOption(values.limit, 'limit', 1)
  const metrics = await withEngine(run.config.backend, (engine) =>
    engine.request('model/evaluate', { model, data: run.data, split: 'test', ...(limit ? { limit } : {}) })
  )
  if (ctx.json) {
    ctx.print(JSON.stringify({ run: values.run, classNames: run.classNames, ...metrics }))
  } else {
    ctx.print(`Test accuracy: ${percent(metrics.accuracy)} on ${metrics.count} images, loss ${metrics.loss.toFixed(4)}`)
    ctx.print(formatConfusion(run.classNames, metrics.confusion))
  }
  return 0
}
