import { existsSync } from 'node:fs'
import { readdir } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import type { EngineClient } from '../../engine/process/client'
import type { RobustnessResult } from '../../engine/robustness'
import { trainRecipe, type RecipeOptions } from '../../services/recipe-training'
import { RUN_FILE } from '../../runs/run-store'
import type { MeanSd } from '../../shared/stats'
import { groupStudy, overlapNotes, type GroupStudy } from '../../shared/study-groups'
import { choiceOption, intOption, required, seedList, valueOptions } from '../args'
import { CliError } from '../cli-error'
import type { CommandContext } from '../context'
import { withEngine } from '../engine'
import { formatTable, percent } from '../format'
import { openTrainedRun } from '../run-arg'
import { trainingReporter } from '../train-report'

type Completed = Extract<RobustnessResult, { status: 'completed' }>
type StudyResult = { dir: string; name: string; result: Completed }
/** One entry of --runs: a run folder, or the runs of a group repeated over seeds. */
type StudyEntry = { name: string; dirs: string[]; group: boolean }
type OpenRun = { dir: string } & Awaited<ReturnType<typeof openTrainedRun>>
type StudyOptions = { max: number; limit?: number; mode: 'roll' | 'zero'; grid: boolean }

/**
 * Accuracy and consistency of several runs' models under shifts of their test images (Zhang
 * 2019's protocol): one engine, one study per run in turn; Ctrl-C cancels the study in progress.
 * --runs names run folders or groups: the --out given to `train --seeds`, whose runs OUT-seedN are
 * studied each and reported together, every figure as mean ± sd over the seeds.
 * With --recipe DIR it first trains the Study view's four runs into DIR, once per seed (reusing
 * the ones already completed with the same epochs, seed and limit, so an interrupted recipe
 * resumes), then studies them.
 */
export async function shiftStudyCommand(argv: string[], ctx: CommandContext): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: { ...valueOptions('runs', 'recipe', 'epochs', 'seed', 'seeds', 'train-limit', 'max', 'limit', 'mode'), grid: { type: 'boolean' } }
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

  let entries: StudyEntry[]
  let results: StudyResult[]
  if (values.recipe !== undefined) {
    const root = values.recipe
    if (values.seed !== undefined && values.seeds !== undefined) throw new CliError('Give either --seed N (one run per model) or --seeds A,B,... (a group per model).')
    const single = intOption(values.seed, 'seed', 0, 2 ** 31 - 1)
    const seeds = single !== undefined ? [single] : (seedList(values.seeds) ?? DEFAULT_SEEDS)
    const options = {
      epochs: intOption(values.epochs, 'epochs', 1, 100000) ?? 2,
      seeds,
      trainLimit: intOption(values['train-limit'], 'train-limit', 1)
    }
    const layout = recipeLayout(root, single === undefined ? seeds : null)
    entries = layout.entries
    results = await withEngine(undefined, (engine) =>
      interruptible(async (signal) => {
        await trainRecipeRuns(engine, layout, options, ctx, signal)
        return studyRuns(engine, await openEntries(entries), study, ctx, signal)
      })
    )
  } else {
    if (values.epochs !== undefined || values.seed !== undefined || values.seeds !== undefined || values['train-limit'] !== undefined) {
      throw new CliError('--epochs, --seed, --seeds and --train-limit go with --recipe DIR.')
    }
    const names = required(values.runs, 'runs', 'run folders or groups separated by commas, e.g. runs/mlp,runs/cnn')
      .split(',')
      .map((d) => d.trim())
      .filter(Boolean)
    if (!names.length) throw new CliError('--runs names no run folder.')
    entries = await Promise.all(names.map(studyEntry))
    const runs = await openEntries(entries)
    results = await withEngine(undefined, (engine) => interruptible((signal) => studyRuns(engine, runs, study, ctx, signal)))
  }
  const grouped = entries.some((e) => e.group)
  const groups = grouped ? groupResults(entries, results) : []
  const notes = overlapNotes(groups.map((g) => ({ name: g.name, study: g.study })))

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
        })),
        ...(grouped ? { groups: groups.map((g) => ({ name: g.name, runs: g.dirs, ...g.study })), overlaps: notes } : {})
      })
    )
    return 0
  }
  const count = results[0]?.result.count ?? 0
  ctx.print(`Shifts -${max}..${max} px (${mode === 'roll' ? 'wrap-around' : 'zero fill'}) of ${count} test images; consistency: same class as unshifted.`)
  if (grouped) printGroups(groups, notes, ctx)
  else printRuns(results, ctx)
  return 0
}

/** The figures of single runs, one row each (no spread to report). */
function printRuns(results: StudyResult[], ctx: CommandContext): void {
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
}

/** "84.20% ± 0.51": the mean in percent, the sd in percentage points. */
function meanSdText(m: MeanSd): string {
  return `${percent(m.mean)} ± ${(m.sd * 100).toFixed(2)}`
}

const FIGURE_WORDS = { accuracyAt0: 'accuracy at 0', worstAccuracy: 'worst accuracy', meanConsistency: 'mean consistency' } as const

/** Every figure of each group as mean ± sd over its seeds, then the pairs whose intervals overlap. */
function printGroups(groups: { name: string; study: GroupStudy }[], notes: ReturnType<typeof overlapNotes>, ctx: CommandContext): void {
  ctx.print('Each figure: mean ± standard deviation over the seeds (in percentage points); n = seeds.')
  ctx.print(
    formatTable(
      ['group', 'n', 'accuracy at 0', 'worst accuracy', 'mean consistency'],
      groups.map(({ name, study }) => [name, String(study.count), meanSdText(study.accuracyAt0), meanSdText(study.worstAccuracy), meanSdText(study.meanConsistency)])
    )
  )
  for (const axis of ['x', 'y'] as const) {
    ctx.print('')
    ctx.print(`Consistency by shift along ${axis} (mean ± sd):`)
    const shifts = groups[0]?.study[axis].map((p) => p.shift) ?? []
    ctx.print(formatTable(['group', ...shifts.map(String)], groups.map(({ name, study }) => [name, ...study[axis].map((p) => meanSdText(p.consistency))])))
  }
  if (groups.some((g) => g.study.count < 2)) ctx.print('\nNote: a group of one run has no spread; its ± 0.00 says nothing about other seeds.')
  for (const n of notes) ctx.print(`Note: ${FIGURE_WORDS[n.figure]} of ${n.a} and ${n.b} overlap within one sd: the seeds do not tell them apart.`)
}

/** The studies of each entry's runs, aggregated; results are in the entries' order. */
function groupResults(entries: StudyEntry[], results: StudyResult[]): { name: string; dirs: string[]; study: GroupStudy }[] {
  let at = 0
  return entries.map((e) => {
    const members = results.slice(at, at + e.dirs.length)
    at += e.dirs.length
    return { name: e.name, dirs: e.dirs, study: groupStudy(members.map((m) => m.result)) }
  })
}

/** A run folder as itself; otherwise the group OUT of `train --seeds --out OUT`: its folders OUT-seedN. */
async function studyEntry(name: string): Promise<StudyEntry> {
  if (existsSync(join(name, RUN_FILE))) return { name, dirs: [name], group: false }
  const parent = dirname(name)
  const prefix = `${basename(name)}-seed`
  const found = (await readdir(parent).catch(() => [] as string[]))
    .map((f) => ({ f, seed: f.startsWith(prefix) ? Number(f.slice(prefix.length)) : Number.NaN }))
    .filter(({ f, seed }) => Number.isInteger(seed) && existsSync(join(parent, f, RUN_FILE)))
    .sort((a, b) => a.seed - b.seed)
  if (!found.length) {
    throw new CliError(`${name} is neither a run folder (no ${RUN_FILE}) nor a group of runs over seeds (no ${basename(name)}-seedN folders beside it, as \`train --seeds\` writes).`)
  }
  return { name, dirs: found.map(({ f }) => join(parent, f)), group: true }
}

async function openEntries(entries: StudyEntry[]): Promise<OpenRun[]> {
  return Promise.all(entries.flatMap((e) => e.dirs).map(async (dir) => ({ dir, ...(await openTrainedRun(dir)) })))
}

/** The recipe's seeds unless --seeds or --seed says otherwise: three, to see the spread. */
const DEFAULT_SEEDS = [1, 2, 3]

/** The recipe's folder names under DIR, as the presets are named. */
const RECIPE_DIRS = ['seed-mlp', 'seed-cnn', 'seed-cnn-shifts', 'seed-cnn-blurpool']

interface RecipeLayout {
  /** Where the `index`th model's run with `seed` goes. */
  dirOf(index: number, seed: number): string
  /** The group of the `index`th model's runs, when there are several seeds. */
  groupOf(index: number): string | undefined
  entries: StudyEntry[]
}

/**
 * One seed (--seed N): DIR/seed-mlp, ... as before. Seeds: DIR/seed-mlp-seed1, ... beside each
 * other, as `train --seeds --out DIR/seed-mlp` would write them, so `--runs DIR/seed-mlp` finds the group.
 */
function recipeLayout(root: string, seeds: number[] | null): RecipeLayout {
  if (!seeds) {
    return { dirOf: (i) => join(root, RECIPE_DIRS[i]), groupOf: () => undefined, entries: RECIPE_DIRS.map((d) => ({ name: join(root, d), dirs: [join(root, d)], group: false })) }
  }
  return {
    dirOf: (i, seed) => join(root, `${RECIPE_DIRS[i]}-seed${seed}`),
    groupOf: (i) => RECIPE_DIRS[i],
    entries: RECIPE_DIRS.map((d) => ({ name: join(root, d), dirs: seeds.map((seed) => join(root, `${d}-seed${seed}`)), group: true }))
  }
}

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
 * The recipe's runs trained into DIR's folders, seed by seed, those already there with the same
 * settings reused; Ctrl-C cancels the run in progress and the recipe stops there, to resume next time.
 */
async function trainRecipeRuns(engine: EngineClient, layout: RecipeLayout, options: RecipeOptions, ctx: CommandContext, signal: Interrupt): Promise<void> {
  let trained = -1
  let current = ''
  const models = RECIPE_DIRS.length
  const outcome = await trainRecipe({
    engine,
    options,
    place: (_, i, seed) => {
      const dir = layout.dirOf(i, seed)
      return { id: basename(dir), dir: resolve(dir) }
    },
    group: (_, i) => layout.groupOf(i),
    reuse: true,
    emit: trainingReporter(ctx),
    stopRequested: () => signal.interrupted,
    onStep: (step) => {
      const dir = layout.dirOf(step.index % models, step.seed)
      current = dir
      const of = `(${step.index + 1} of ${step.total})`
      if (step.reused) ctx.status(`Reusing ${dir}: ${step.label} already trained with these epochs, seed and limit ${of}.`)
      else ctx.status(`Training ${step.label}, seed ${step.seed}, into ${dir} ${of}`)
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
  if (outcome.status === 'completed') return
  if (outcome.status === 'cancelled' || signal.interrupted) {
    const when = trained === outcome.runs.length ? `while training ${current}` : `before ${outcome.label}`
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
