import { parseArgs } from 'node:util'
import type { RobustnessResult } from '../../engine/robustness'
import { choiceOption, intOption, required } from '../args'
import { CliError } from '../cli-error'
import type { CommandContext } from '../context'
import { withEngine } from '../engine'
import { formatTable, percent } from '../format'
import { openTrainedRun } from '../run-arg'

type Completed = Extract<RobustnessResult, { status: 'completed' }>

/**
 * Accuracy and consistency of several runs' models under shifts of their test images (Zhang
 * 2019's protocol): one engine, one study per run in turn; Ctrl-C cancels the study in progress.
 */
export async function shiftStudyCommand(argv: string[], ctx: CommandContext): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      runs: { type: 'string' },
      max: { type: 'string' },
      limit: { type: 'string' },
      mode: { type: 'string' },
      grid: { type: 'boolean' }
    }
  })
  const dirs = required(values.runs, 'runs', 'run folders separated by commas, e.g. runs/mlp,runs/cnn')
    .split(',')
    .map((d) => d.trim())
    .filter(Boolean)
  if (!dirs.length) throw new CliError('--runs names no run folder.')
  const max = intOption(values.max, 'max', 0, 8) ?? 5
  const limit = intOption(values.limit, 'limit', 1)
  const mode = choiceOption(values.mode, 'mode', ['roll', 'zero'] as const) ?? 'roll'
  const grid = values.grid ?? false
  const runs = await Promise.all(dirs.map(async (dir) => ({ dir, ...(await openTrainedRun(dir)) })))

  const results = await withEngine(undefined, async (engine) => {
    const out: { dir: string; name: string; result: Completed }[] = []
    let current: string | null = null
    const onSigint = (): void => {
      if (current) void engine.request('robustness/cancel', { jobId: current })
    }
    process.on('SIGINT', onSigint)
    const off = engine.on('robustness/progress', (p) => {
      if (ctx.interactive) process.stderr.write(`\r${p.jobId}: shift ${p.done}/${p.total}\x1b[K`)
    })
    try {
      for (const [i, { dir, run, model }] of runs.entries()) {
        current = `${i + 1}-${run.id}`
        const result = await engine.request('model/robustness', { model, data: run.data, split: 'test', limit, max, mode, grid, jobId: current })
        if (ctx.interactive) process.stderr.write('\n')
        if (result.status === 'cancelled') throw new CliError(`cancelled during ${dir}.`)
        out.push({ dir, name: run.name, result })
      }
    } finally {
      off()
      process.off('SIGINT', onSigint)
    }
    return out
  })

  if (ctx.json) {
    ctx.print(
      JSON.stringify({
        max,
        mode,
        runs: results.map(({ dir, name, result }) => ({
          run: dir,
          name,
          count: result.count,
          summary: result.summary,
          x: result.x,
          y: result.y,
          ...(result.grid ? { grid: result.grid } : {})
        }))
      })
    )
    return 0
  }
  const count = results[0]?.result.count ?? 0
  ctx.print(`Shifts -${max}..${max} px (${mode === 'roll' ? 'wrap-around' : 'zero fill'}) of ${count} test images; consistency: same class as unshifted.`)
  ctx.print(
    formatTable(
      ['run', 'accuracy at 0', 'worst accuracy', 'mean consistency'],
      results.map(({ dir, result: { summary } }) => [dir, percent(summary.accuracyAt0), percent(summary.worstAccuracy), percent(summary.meanConsistency)])
    )
  )
  for (const axis of ['x', 'y'] as const) {
    ctx.print('')
    ctx.print(`Consistency by shift along ${axis}:`)
    const shifts = results[0]?.result[axis].map((p) => (axis === 'x' ? p.dx : p.dy)) ?? []
    ctx.print(formatTable(['run', ...shifts.map(String)], results.map(({ dir, result }) => [dir, ...result[axis].map((p) => percent(p.consistency))])))
  }
  return 0
}
