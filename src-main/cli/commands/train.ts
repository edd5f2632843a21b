import { stat } from 'node:fs/promises'
import { basename, join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { RUN_FILE } from '../../runs/run-store'
import { resolveModel } from '../../services/models'
import { resumeTraining, startTraining } from '../../services/training'
import { LabError, TrainConfig, type RunDetail } from '../../shared/contract'
import { meanSd } from '../../shared/stats'
import { describeDivergence } from '../../shared/divergence'
import { runName } from '../../shared/run-name'
import { describeThreads } from '../../shared/threads'
import { BACKEND_NAMES, choiceOption, floatOption, intOption, parseDataOption, required, runOutFolder, seedList, valueOptions } from '../args'
import { CliError } from '../cli-error'
import type { CommandContext } from '../context'
import { withEngine } from '../engine'
import { formatConfusion, percent } from '../format'
import { tidyRunFolder } from '../run-arg'
import { trainingReporter } from '../train-report'

export async function trainCommand(argv: string[], ctx: CommandContext): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      ...valueOptions('model', 'data', 'data-dir', 'epochs', 'batch', 'lr', 'optimizer', 'val-split', 'limit', 'test-limit', 'seed', 'seeds', 'backend', 'threads', 'out'),
      ...valueOptions('augment-shift', 'augment-axes', 'augment-mode', 'resume', 'continue'),
      force: { type: 'boolean' },
      'fresh-optimizer': { type: 'boolean' }
    }
  })
  if (values.resume !== undefined || values.continue !== undefined) return trainOnCommand(values, ctx)
  if (values['fresh-optimizer']) throw new CliError('--fresh-optimizer goes with --resume DIR or --continue DIR.')
  const model = await resolveModel(required(values.model, 'model', 'a preset such as seed-mlp, or a model JSON file'))
  const data = await parseDataOption(required(values.data, 'data', 'fashion-mnist, toy or a folder'), values['data-dir'])
  const out = await runOutFolder(required(values.out, 'out', 'the folder the run is written to, e.g. runs/mlp'))
  const seeds = seedList(values.seeds)
  if (seeds && values.seed !== undefined) throw new CliError('Give either --seed N or --seeds A,B,...: --seeds trains one run per seed.')
  // With --seeds, one run per seed beside each other: runs/mlp-seed1, runs/mlp-seed2, ...
  const outs = seeds ? seeds.map((seed) => `${out}-seed${seed}`) : [out]
  for (const dir of outs) await checkOutFree(dir, Boolean(values.force), ctx)
  const backend = choiceOption(values.backend, 'backend', BACKEND_NAMES)
  const maxShift = intOption(values['augment-shift'], 'augment-shift', 0, 8)
  const axes = choiceOption(values['augment-axes'], 'augment-axes', ['x', 'y', 'xy'] as const)
  const mode = choiceOption(values['augment-mode'], 'augment-mode', ['roll', 'zero'] as const)
  if (maxShift === undefined && (axes || mode)) throw new CliError('--augment-axes and --augment-mode need --augment-shift K.')
  const flags = {
    optimizer: choiceOption(values.optimizer, 'optimizer', ['adam', 'sgd'] as const),
    learningRate: floatOption(values.lr, 'lr', 1e-9, 10),
    batchSize: intOption(values.batch, 'batch', 1, 65536),
    epochs: intOption(values.epochs, 'epochs', 1, 100000),
    validationSplit: floatOption(values['val-split'], 'val-split', 0, 0.99),
    limit: intOption(values.limit, 'limit', 1),
    testLimit: intOption(values['test-limit'], 'test-limit', 1),
    seed: intOption(values.seed, 'seed', 0, 2 ** 31 - 1),
    backend,
    threads: intOption(values.threads, 'threads', 1, 1024),
    augment: maxShift ? { maxShift, axes: axes ?? 'xy', mode: mode ?? 'roll' } : undefined
  }
  // The model's own training recipe (the tutorial's, for presets) fills what the flags leave out.
  const config = TrainConfig.parse({ ...model.training, ...definedOnly(flags) })

  const emit = trainingReporter(ctx)
  const group = seeds ? basename(out) : undefined
  const runs: RunDetail[] = []
  await withEngine(backend, async (engine) => {
    for (const [i, dir] of outs.entries()) {
      const runConfig = seeds ? { ...config, seed: seeds[i] } : config
      if (seeds) ctx.status(`Seed ${seeds[i]} (${i + 1} of ${seeds.length}): ${dir}`)
      const started = await startTraining({ engine, dir, id: basename(dir), name: `${runName(model.name, data, runConfig)}${seeds ? ` · seed ${seeds[i]}` : ''}`, model, data, config: runConfig, emit, group })
      // Ctrl-C stops after the current batch and keeps the run, marked cancelled (a step that does
      // not end within seconds is cut short with the engine); a second one quits at once.
      const onSigint = (): void => {
        ctx.status('Cancelling after the current batch (Ctrl-C again to quit now)...')
        started.cancel()
      }
      process.once('SIGINT', onSigint)
      try {
        const run = await started.finished
        runs.push(run)
        if (ctx.interactive) process.stderr.write('\n')
        printRun(run, dir, ctx)
        if (run.status !== 'completed') break
      } finally {
        process.off('SIGINT', onSigint)
      }
    }
  })
  if (seeds) printGroup(group ?? '', runs, seeds.length, ctx)
  return runs.some((r) => r.status === 'failed') || runs.length < outs.length ? 1 : 0
}

/**
 * `train --resume DIR` and `train --continue DIR --epochs N`: the run trains on in its own folder
 * (services/training.ts, resumeTraining); the other training flags belong to the run and are refused.
 */
async function trainOnCommand(values: Record<string, string | boolean | undefined>, ctx: CommandContext): Promise<number> {
  if (values.resume !== undefined && values.continue !== undefined) throw new CliError('Give either --resume DIR or --continue DIR, not both.')
  const mode = values.resume !== undefined ? 'resume' : 'continue'
  const dir = resolve(String(values[mode]))
  const flag = `--${mode}`
  const others = Object.keys(values).filter((k) => values[k] !== undefined && !['resume', 'continue', 'fresh-optimizer', 'epochs', 'backend'].includes(k))
  if (others.length) throw new CliError(`${flag} trains the run as it was set up: ${others.map((k) => `--${k}`).join(', ')} cannot be changed (only --epochs with --continue, and --backend).`)
  const epochs = intOption(values.epochs as string | undefined, 'epochs', 1, 100000)
  if (mode === 'resume' && epochs !== undefined) throw new CliError('--resume trains to the epochs the run was started with; to train more after it, use --continue DIR --epochs N.')
  if (mode === 'continue' && epochs === undefined) throw new CliError('--continue needs --epochs N: how many epochs more to train.')
  if (!(await stat(join(dir, RUN_FILE)).catch(() => undefined))) throw new CliError(`${dir} holds no run (${RUN_FILE} is what makes a folder a run).`)
  if ((await tidyRunFolder(dir, ctx.status)).live) throw new CliError(`${dir} is being trained by another process right now; wait for it to finish.`)
  const backend = choiceOption(values.backend as string | undefined, 'backend', BACKEND_NAMES)
  const emit = trainingReporter(ctx)
  let run: RunDetail | undefined
  await withEngine(backend, async (engine) => {
    const started = await resumeTraining({ engine, dir, emit, ask: { mode, epochs, freshOptimizer: values['fresh-optimizer'] === true } }).catch((err: unknown) => {
      // The refusals say what to do; they are the user's to read, not a crash.
      if (err instanceof LabError) throw new CliError(err.message)
      throw err
    })
    const onSigint = (): void => {
      ctx.status('Cancelling after the current batch (Ctrl-C again to quit now)...')
      started.cancel()
    }
    process.once('SIGINT', onSigint)
    try {
      run = await started.finished
      if (ctx.interactive) process.stderr.write('\n')
      printRun(run, dir, ctx)
    } finally {
      process.off('SIGINT', onSigint)
    }
  })
  return run?.status === 'completed' ? 0 : 1
}

async function checkOutFree(out: string, force: boolean, ctx: CommandContext): Promise<void> {
  if (!(await stat(join(out, RUN_FILE)).catch(() => undefined))) return
  if ((await tidyRunFolder(out, ctx.status)).live) throw new CliError(`${out} is being trained by another process right now; choose another --out.`)
  if (!force) throw new CliError(`${out} already holds a run; choose another --out or pass --force to replace it.`)
}

function printRun(run: RunDetail, out: string, ctx: CommandContext): void {
  if (ctx.json) {
    ctx.print(
      JSON.stringify({
        run: out,
        status: run.status,
        backend: run.backend,
        threads: run.threads,
        error: run.error,
        diverged: run.diverged,
        epochs: run.epochs.length,
        test: run.test,
        ...(run.resumes ? { resumes: run.resumes } : {}),
        ...(run.group ? { group: run.group, seed: run.config.seed } : {})
      })
    )
    return
  }
  ctx.print(`Run ${run.status}: ${out}`)
  // A run that failed before training (its data would not load) was trained on nothing.
  if (run.backend) ctx.print(`Trained on: ${run.backend}${run.threads ? `, ${describeThreads(run.threads)}` : ''}`)
  for (const r of run.resumes ?? []) ctx.print(`${r.kind === 'resume' ? 'Resumed' : 'Continued'} after epoch ${r.epoch}${r.freshOptimizer ? ', with a fresh optimizer' : ''} (${r.at})`)
  if (run.error) ctx.print(`Error: ${run.error}`)
  if (run.diverged) ctx.print(`Warning: training diverged: ${describeDivergence(run.diverged)}.`)
  if (run.test) {
    const which = run.config.testLimit === undefined ? 'the whole test set' : `only the first ${run.config.testLimit} of the test set (--test-limit)`
    ctx.print(`Test accuracy: ${percent(run.test.accuracy)} on ${run.test.count} images (${which}), loss ${run.test.loss.toFixed(4)}`)
    ctx.print(formatConfusion(run.classNames, run.test.confusion))
  }
}

/** The group's test figures over its seeds, mean ± sd; said plainly when some seeds did not finish. */
function printGroup(group: string, runs: RunDetail[], planned: number, ctx: CommandContext): void {
  const tested = runs.filter((r) => r.status === 'completed' && r.test)
  const accuracy = meanSd(tested.map((r) => r.test!.accuracy))
  const loss = meanSd(tested.map((r) => r.test!.loss))
  if (ctx.json) {
    ctx.print(JSON.stringify({ group, seeds: runs.map((r) => r.config.seed), completed: tested.length, planned, testAccuracy: accuracy, testLoss: loss }))
    return
  }
  const pp = (x: number): string => (x * 100).toFixed(2)
  ctx.print('')
  if (tested.length < planned) ctx.print(`Group ${group}: ${tested.length} of ${planned} seeds completed; the figures below cover those only.`)
  if (tested.length === 0) return
  ctx.print(`Group ${group}, seeds ${tested.map((r) => r.config.seed).join(', ')}: test accuracy ${pp(accuracy.mean)}% ± ${pp(accuracy.sd)} (mean ± sd), loss ${loss.mean.toFixed(4)} ± ${loss.sd.toFixed(4)}`)
}

function definedOnly<T extends object>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as Partial<T>
}
