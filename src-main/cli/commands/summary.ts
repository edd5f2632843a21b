import { parseArgs } from 'node:util'
import { resolveModel } from '../../services/models'
import { inferShapes } from '../../shared/shapes'
import { formatSummary, summarize } from '../../shared/summary'
import { formatThousands } from '../../shared/summary'
import { required } from '../args'
import type { CommandContext } from '../context'

export async function summaryCommand(argv: string[], ctx: CommandContext): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { model: { type: 'string' } }, strict: true })
  const spec = await resolveModel(required(values.model, 'model', 'a preset such as seed-cnn, or a model JSON file'))
  const report = inferShapes(spec)
  const summary = summarize(spec, report)
  if (ctx.json) {
    ctx.print(
      JSON.stringify({
        model: spec.name,
        rows: report.rows.map((r, i) => ({ ...summary.rows[i], type: r.type, activation: r.activation, macs: r.macs, receptiveField: r.receptiveField })),
        totals: summary.totals,
        macs: report.totals.macs,
        error: report.error
      })
    )
  } else {
    ctx.print(formatSummary(spec, report).trimEnd())
    if (!report.error) ctx.print(`Multiply-adds per image: ${formatThousands(report.totals.macs)}`)
  }
  return report.error ? 1 : 0
}
