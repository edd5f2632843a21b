import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import type { EngineClient } from '../../engine/client'
import type { RobustnessResult } from '../../engine/robustness'
import { trainRecipe, type RecipeOptions } from '../../services/recipe-training'
import { choiceOption, intOption, required } from '../args'
import { CliError } from '../cli-error'
import type { CommandContext } from '../context'
import { withEngine } from '../engine'
import { formatTable, percent } from '../format'
import { openTrainedRun } from '../run-arg'
import { trainingReporter } from '../train-report'

type Completed = Extract<RobustnessResult, { status: 'completed' }>
type StudyResult = { dir: string; name: string; result: Completed }
type OpenRun = { dir: string } & Awaited<ReturnType<typeof openTrainedRun>>
type StudyOptions = { max: number; limit?: number; mode: 'roll' | 'zero'; grid: boolean }

/**
 * Accuracy and consistency of several runs' models under shifts of their test images (Zhang
 * 2019's protocol): one engine, one study per run in turn; Ctrl-C cancels the study in progress.
 * With --recipe DIR it first trains the Study view's four runs into DIR (reusing the ones already
 * completed with the same epochs, seed and limit, so an interrupted recipe resumes), then studies them.
 */
export async function shiftStudyCommand(argv: string[], ctx: CommandContext): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      runs: { type: 'string' },
      recipe: { type: 'string' },
      epochs: { type: 'string' },
      seed: { type: 'string' },
      'train-limit': { type: 'string' },
      max: { type: 'string' },
      limit: { type: 'string' },
      mode: { type: 'string' },
      grid: { type: 'boolean' }
    }
  })
  if (values.runs !== undefined && values.recipe !== undefined) throw new CliError('--runs and --recipe cannot be combined; give one of them.')
  if (values.runs === undefined && values.recipe === undefined) {
    throw new CliError('give --runs DIR,DIR,... (trained runs to study) or --recipe DIR (train the four recipe runs there, then study them).')
  }
  const max = intOption(values.max, 'max', 0, 8) ?? 5
  const limit = intOption(values.limit, 'limit', 1)
  const mode = choiceOption(values.mode, 'mode', ['roll', 'zero'] as const) ?? 'roll'
  const grid = values.grid ?? false
  const study = { max, limit, mode, grid }

  let results: StudyResult[]
  if (values.recipe !== undefined) {
    const root = values.recipe
    const options = {
      epochs: intOption(values.epochs, 'epochs', 1, 100000) ?? 2,
      seed: intOption(values.seed, 'seed', 0, 2 ** 31 - 1) ?? 1,
      trainLimit: intOption(values['train-limit'], 'train-limit', 1)
    }
    results = await withEngine(undefined, (engine) =>
      interruptible(async (signal) => {
        const dirs = await trainRecipeRuns(engine, root, options, ctx, signal)
        const runs = await Promise.all(dirs.map(async (dir) => ({ dir, ...(await openTrainedRun(dir)) })))
        return studyRuns(engine, runs, study, ctx, signal)
      })
    )
  } else {
    if (values.epochs !== undefined || values.seed !== undefined || values['train-limit'] !== undefined) {
      throw new CliError('--epochs, --seed and --train-limit go with --recipe DIR.')
    }
    const dirs = required(values.runs, 'runs', 'run folders separated by commas, e.g. runs/mlp,runs/cnn')
      .split(',')
      .map((d) => d.trim())
      .filter(Boolean)
    if (!dirs.length) throw new CliError('--runs names no run folder.')
    const runs = await Promise.all(dirs.map(async (dir) => ({ dir, ...(await openTrainedRun(dir)) })))
    results = await withEngine(undefined, (engine) => interruptible((signal) => studyRuns(engine, runs, study, ctx, signal)))
  }

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

/** The recipe's folder names under DIR, as the presets are named. */
const RECIPE_DIRS = ['seed-mlp', 'seed-cnn', 'seed-cnn-shifts', 'seed-cnn-blurpool']

/** Ctrl-C while `use` runs cancels whatever the engine is doing; `signal.cancel` says how. */
interface Interrupt {
  interrupted: boolean
  cancel: (() => void) | null
}

async function interruptible<T>(use: (signal: Interrupt) => Promise<T>): Promise<T> {
  const signal: Interrupt = { interrupted: false, cancel: null }
  const onSigint = (): void => {
    signal.interrupted = true
    signal.cancel?.()
  }
  process.on('SIGINT', onSigint)
  try {
    return await use(signal)
  } finally {
    process.off('SIGINT', onSigint)
  }
}

/**
 * The four recipe runs trained into DIR's folders, those already there with the same settings
 * reused; Ctrl-C cancels the run in progress and the recipe stops there, to resume next time.
 */
async function trainRecipeRuns(engine: EngineClient, root: string, options: RecipeOptions, ctx: CommandContext, signal: Interrupt): Promise<string[]> {
  let trained = -1
  const outcome = await trainRecipe({
    engine,
    options,
    place: (_, i) => ({ id: RECIPE_DIRS[i], dir: resolve(join(root, RECIPE_DIRS[i])) }),
    reuse: true,
    emit: trainingReporter(ctx),
    stopRequested: () => signal.interrupted,
    onStep: (step) => {
      const dir = join(root, RECIPE_DIRS[step.index])
      if (step.reused) ctx.status(`Reusing ${dir}: ${step.label} already trained with these epochs, seed and limit.`)
      else ctx.status(`Training ${step.label} into ${dir}`)
      const training = step.training
      if (!training) return
      trained = step.index
      // As `train`: stops after the batch, or ends a step that does not end with the engine.
      signal.cancel = () => training.cancel()
      if (signal.interrupted) signal.cancel()
      void training.finished.finally(() => {
        signal.cancel = null
        if (ctx.interactive) process.stderr.write('\n')
      })
    }
  })
  if (outcome.status === 'completed') return outcome.runs.map((_, i) => join(root, RECIPE_DIRS[i]))
  const dir = join(root, RECIPE_DIRS[outcome.runs.length])
  if (outcome.status === 'cancelled' || signal.interrupted) {
    const when = trained === outcome.runs.length ? `while training ${dir}` : `before ${dir}`
    throw new CliError(`cancelled ${when}; run the same command again to resume.`)
  }
  throw new CliError(`${outcome.label} failed${outcome.error ? `: ${outcome.error}` : ''}`)
}

/** One study per run in turn on one engine; Ctrl-C cancels the one in progress. */
async function studyRuns(engine: EngineClient, runs: OpenRun[], options: StudyOptions, ctx: CommandContext, signal: Interrupt): Promise<StudyResult[]> {
  const { max, limit, mode, grid } = options
  const out: StudyResult[] = []
  const off = engine.on('robustness/progress', (p) => {
    if (ctx.interactive) process.stderr.write(`\r${p.jobId}: shift ${p.done}/${p.total}\x1b[K`)
  })
  try {
    for (const [i, { dir, run, model }] of runs.entries()) {
      const jobId = `${i + 1}-${run.id}`
      if (signal.interrupted) throw new CliError(`cancelled before ${dir}.`)
      signal.cancel = () => void engine.request('robustness/cancel', { jobId }).catch(() => undefined)
      const result = await engine.request('model/robustness', { model, data: run.data, split: 'test', limit, max, mode, grid, jobId })
      signal.cancel = null
      if (ctx.interactive) process.stderr.write('\n')
      if (result.status === 'cancelled') throw new CliError(`cancelled during ${dir}.`)
      out.push({ dir, name: run.name, result })
    }
  } finally {
    signal.cancel = null
    off()
  }
  return out
}
