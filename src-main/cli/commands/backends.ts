import { parseArgs } from 'node:util'
import { BACKEND_NAMES } from '../args'
import { choiceOption } from '../args'
import type { CommandContext } from '../context'
import { withEngine } from '../engine'

export async function backendsCommand(argv: string[], ctx: CommandContext): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { backend: { type: 'string' } }, strict: true })
  const backend = choiceOption(values.backend, 'backend', BACKEND_NAMES)
  const report = await withEngine(backend, (engine) => engine.request('backends/report', {}))
  if (ctx.json) {
    ctx.print(JSON.stringify(report))
    return 0
  }
  ctx.print(`Using: ${report.chosen}`)
  for (const c of report.candidates) {
    const mark = c.name === report.chosen ? '*' : c.available ? '+' : '-'
    ctx.print(`  ${mark} ${c.name.padEnd(15)}${c.available ? 'available' : 'skipped'}${c.reason ? `: ${c.reason}` : ''}`)
  }
  return 0
}
