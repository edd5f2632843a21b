import { stat } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { parseArgs } from 'node:util'
import { RUN_FILE } from '../../runs/run-store'
import { resolveModel } from '../../services/models'
import { startTraining } from '../../services/training'
import { TrainConfig } from '../../shared/contract'
import { describeDivergence } from '../../shared/divergence'
import { runName } from '../../shared/run-name'
import { describeThreads } from '../../shared/threads'
import { BACKEND_NAMES, choiceOption, floatOption, intOption, parseDataOption, required, runOutFolder } from '../args'
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
      model: { type: 'string' },
      data: { type: 'string' },
      'data-dir': { type: 'string' },
      epochs: { type: 'string' },
      batch: { type: 'string' },
      lr: { type: 'string' },
      optimizer: { type: 'string' },
      'val-split': { type: 'string' },
      limit: { type: 'string' },
      seed: { type: 'string' },
      backend: { type: 'string' },
      out: { type: 'string' },
      force: { type: 'boolean' },
      'augment-shift': { type: 'string' },
      'augment-axes': { type: 'string' },
      'augment-mode': { type: 'string' }
    }
  })
  const model = await resolveModel(required(values.model, 'model', 'a preset such as seed-mlp, or a model JSON file'))
  const data = await parseDataOption(required(values.data, 'data', 'fashion-mnist, toy or a folder'), values['data-dir'])
  const out = await runOutFolder(required(values.out, 'out', 'the folder the run is written to, e.g. runs/mlp'))
  if (await stat(join(out, RUN_FILE)).catch(() => undefined)) {
    if ((await tidyRunFolder(out, ctx.status)).live) throw new CliError(`${out} is being trained by another process right now; choose another --out.`)
    if (!values.force) throw new CliError(`${out} already holds a run; choose another --out or pass --force to replace it.`)
  }
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
    seed: intOption(values.seed, 'seed', 0, 2 ** 31 - 1),
    backend,
    augment: maxShift ? { maxShift, axes: axes ?? 'xy', mode: mode ?? 'roll' } : undefined
  }
  // The model's own training recipe (the tutorial's, for presets) fills what the flags leave out.
  const config = TrainConfig.parse({ ...model.training, ...definedOnly(flags) })

  const emit = trainingReporter(ctx)
  const run = await withEngine(backend, async (engine) => {
    const id = basename(out)
    const started = await startTraining({ engine, dir: out, id, name: runName(model.name, data, config), model, data, config, emit })
    // Ctrl-C stops after the current batch and keeps the run, marked cancelled (a step that does
    // not end within seconds is cut short with the engine); a second one quits at once.
    const onSigint = (): void => {
      ctx.status('Cancelling after the current batch (Ctrl-C again to quit now)...')
      started.cancel()
    }
    process.once('SIGINT', onSigint)
    try {
      return await started.finished
    } finally {
      process.off('SIGINT', onSigint)
    }
  })
  if (ctx.interactive) process.stderr.write('\n')
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
        test: run.test
      })
    )
  } else {
    ctx.print(`Run ${run.status}: ${out}`)
    ctx.print(`Trained on: ${run.backend ?? 'unknown backend'}${run.threads ? `, ${describeThreads(run.threads)}` : ''}`)
    if (run.error) ctx.print(`Error: ${run.error}`)
    if (run.diverged) ctx.print(`Warning: training diverged: ${describeDivergence(run.diverged)}.`)
    if (run.test) {
      ctx.print(`Test accuracy: ${percent(run.test.accuracy)} on ${run.test.count} images, loss ${run.test.loss.toFixed(4)}`)
      ctx.print(formatConfusion(run.classNames, run.test.confusion))
    }
  }
  return run.status === 'failed' ? 1 : 0
}

function definedOnly<T extends object>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as Partial<T>
}
