/**
 * A training run is a folder:
 *   run.json      what was trained on what, how, its status and the backend used
 *   history.json  per-epoch and per-batch loss and accuracy
 *   metrics.json  test-split metrics, once training finished
 *   model/        the trained model in tfjs's own format (model.json + weights.bin)
 *   checkpoint/   the weights and optimizer state at the end of the last completed epoch, rewritten
 *                 at every epoch's end: what resume and continue start from (engine/train/checkpoint.ts)
 * Every file is written atomically, so a crash leaves the previous complete version.
 */
import { readFile, readdir, rm, stat } from 'node:fs/promises'
import { basename, join, resolve } from 'node:path'
import { z } from 'zod'
import {
  BatchRecord,
  EpochRecord,
  EvalMetrics,
  ResumePoint,
  RunDetail,
  RunFailure,
  RunStatus,
  RunSummary,
  TrainConfig,
  TrainThreads,
  type RunDamage,
  type RunDamageCause,
  type RunDamageKeeps
} from '../shared/contract'
import { DataSource } from '../shared/dataset'
import { divergenceOf } from '../shared/divergence'
import { ModelSpec } from '../shared/layers'
import { writeJsonAtomic } from './atomic-write'
import { CHECKPOINT_DIR, CHECKPOINT_NEXT_DIR, findCheckpoint, folderBytes } from './checkpoint-info'

export const RUN_FILE = 'run.json'
export const HISTORY_FILE = 'history.json'
export const METRICS_FILE = 'metrics.json'
export const MODEL_DIR = 'model'

const RunMeta = z.object({
  id: z.string(),
  name: z.string(),
  /** The name was typed by the user (runs/rename): continuing the run leaves it as it is. */
  nameGiven: z.literal(true).optional(),
  createdAt: z.string(),
  status: RunStatus,
  model: ModelSpec,
  data: DataSource,
  config: TrainConfig,
  classNames: z.array(z.string()),
  backend: z.string().optional(),
  threads: TrainThreads.optional(),
  error: z.string().optional(),
  /** `error`'s cause as a code, for the interface to word; absent in runs written before it. */
  failure: RunFailure.optional(),
  /** Runs of one recipe repeated over seeds share it; they are reported together as mean ± sd. */
  group: z.string().max(200).optional(),
  /** Where training picked up again (resume, continue), in order: the curves mark them. */
  resumes: z.array(ResumePoint).optional()
})
export type RunMeta = z.infer<typeof RunMeta>

const History = z.object({ epochs: z.array(EpochRecord), batches: z.array(BatchRecord) })
export type History = z.infer<typeof History>

export class RunError extends Error {
  override name = 'RunError'
  /** The fault in a few words naming the file, e.g. "metrics.json is not valid JSON". */
  readonly problem: string

  constructor(
    message: string,
    problem = message,
    /** The same fault as a kind and a file, for the interface to word; set by readJson. */
    readonly damage?: RunDamageCause
  ) {
    super(message)
    this.problem = problem
  }
}

/**
 * A run starts empty: a folder reused for a new run (`train --force`) loses the old run's test
 * metrics and model first, so a new run that fails never shows the old one's accuracy or weights.
 * The new run.json goes last, so a crash in between leaves the old run.json over an emptied folder,
 * which reads as a run without a model rather than as the old run whole.
 */
export async function createRun(dir: string, meta: RunMeta): Promise<void> {
  const parsed = RunMeta.parse(meta)
  await rm(join(dir, METRICS_FILE), { force: true })
  await rm(join(dir, MODEL_DIR), { recursive: true, force: true })
  for (const old of [CHECKPOINT_DIR, CHECKPOINT_NEXT_DIR]) await rm(join(dir, old), { recursive: true, force: true })
  await writeJsonAtomic(join(dir, HISTORY_FILE), { epochs: [], batches: [] } satisfies History)
  await writeJsonAtomic(join(dir, RUN_FILE), parsed)
}

export async function updateRunMeta(dir: string, patch: Partial<Omit<RunMeta, 'id'>>): Promise<RunMeta> {
  const next = RunMeta.parse({ ...(await readRunMeta(dir)), ...patch })
  await writeJsonAtomic(join(dir, RUN_FILE), next)
  return next
}

export async function writeHistory(dir: string, history: History): Promise<void> {
  await writeJsonAtomic(join(dir, HISTORY_FILE), history)
}

export async function writeTestMetrics(dir: string, metrics: EvalMetrics): Promise<void> {
  await writeJsonAtomic(join(dir, METRICS_FILE), metrics)
}

export async function readRunMeta(dir: string): Promise<RunMeta> {
  return readJson(join(dir, RUN_FILE), RunMeta, `${dir} is not a ConvLab run`)
}

/** A run whose model has been saved: completed, or cancelled after at least part of an epoch. */
const hasModel = (status: RunStatus): boolean => status === 'completed' || status === 'cancelled'

/**
 * A run with everything that can still be read. Only an unreadable run.json throws: a broken
 * history or metrics file is reported in `damage`, and the rest (the model above all) stays usable.
 */
export async function readRun(dir: string): Promise<RunDetail> {
  const meta = await readRunMeta(dir)
  const problems: string[] = []
  const causes: RunDamageCause[] = []
  const fault = (err: unknown, file: string): void => {
    problems.push(problemOf(err))
    causes.push(causeOf(err, file))
  }
  const history = await readJson(join(dir, HISTORY_FILE), History, `the history of run ${meta.id}`).catch((err: unknown): History => {
    fault(err, HISTORY_FILE)
    return { epochs: [], batches: [] }
  })
  const test = (await exists(join(dir, METRICS_FILE)))
    ? await readJson(join(dir, METRICS_FILE), EvalMetrics, `the test metrics of run ${meta.id}`).catch((err: unknown) => {
        fault(err, METRICS_FILE)
        return undefined
      })
    : undefined
  const checkpoint = await findCheckpoint(dir)
  const modelFiles = hasModel(meta.status) ? await missingModelFiles(dir) : []
  if (modelFiles.length) {
    problems.push(`the trained model lacks ${modelFiles.join(' and ')}`)
    causes.push({ kind: 'modelFilesMissing', file: modelFiles.join(', ') })
  }
  const modelUsable = modelFiles.length === 0 && hasModel(meta.status)
  const historyLost = causes.some((c) => c.file === HISTORY_FILE)
  const keeps: RunDamageKeeps = {
    opens: true,
    model: modelUsable,
    ...(test ? { test: { accuracy: test.accuracy, count: test.count } } : {}),
    curves: !historyLost
  }
  const damage: RunDamage | undefined = problems.length ? { problems, causes, usable: usableParts(keeps), keeps, modelUsable } : undefined
  return RunDetail.parse({
    // The folder is the run's address (runDir): a copied or renamed folder keeps the id of its
    // original in run.json, and would be listed, opened and deleted as that other run.
    ...summaryOf({ ...meta, id: basename(resolve(dir)) }, history, test),
    ...(damage ? { damage } : {}),
    model: meta.model,
    config: meta.config,
    classNames: meta.classNames,
    epochs: history.epochs,
    batches: history.batches,
    test,
    error: meta.error,
    ...(meta.failure ? { failure: meta.failure } : {}),
    ...(meta.resumes?.length ? { resumes: meta.resumes } : {}),
    ...(checkpoint ? { checkpoint: { epoch: checkpoint.info.epoch, optimizer: checkpoint.hasOptimizer, bytes: await folderBytes(checkpoint.dir) } } : {})
  })
}

/** What a damaged run still offers, in English (the CLI's words; the interface words `keeps` itself). */
function usableParts(keeps: RunDamageKeeps): string {
  if (!keeps.opens) {
    const onDisk = [
      ...(keeps.model ? [`the model files in ${MODEL_DIR}/ (they load in any tfjs)`] : []),
      ...(keeps.test ? [`the test metrics (${(keeps.test.accuracy * 100).toFixed(2)}% on ${keeps.test.count} images)`] : [])
    ]
    return onDisk.length
      ? `The run cannot be opened without run.json. Still on disk: ${onDisk.join(', ')}.`
      : 'The run cannot be opened without run.json, and nothing else in it is usable; delete it.'
  }
  const parts = [
    ...(keeps.model ? [`the trained model${keeps.test ? '' : ' (evaluate the run again for its test metrics)'}`] : []),
    ...(keeps.test ? ['the test metrics'] : []),
    ...(keeps.curves ? ['the training curves'] : [])
  ]
  return parts.length ? `Still usable: ${parts.join(', ')}.` : 'Nothing in it can be used; delete it.'
}

async function missingModelFiles(dir: string): Promise<string[]> {
  const missing: string[] = []
  for (const file of ['model.json', 'weights.bin']) if (!(await exists(join(dir, MODEL_DIR, file)))) missing.push(`${MODEL_DIR}/${file}`)
  return missing
}

export function summaryOf(meta: RunMeta, history: History, test?: EvalMetrics): RunSummary {
  const diverged = divergenceOf(history.epochs, history.batches)
  return {
    id: meta.id,
    name: meta.name,
    modelName: meta.model.name,
    inputShape: meta.model.inputShape,
    data: meta.data,
    createdAt: meta.createdAt,
    status: meta.status,
    epochsDone: history.epochs.length,
    backend: meta.backend,
    threads: meta.threads,
    augmented: (meta.config.augment?.maxShift ?? 0) > 0,
    testAccuracy: test?.accuracy,
    ...(meta.group ? { group: meta.group } : {}),
    ...(diverged ? { diverged } : {})
  }
}

/** Whether the API can address a folder of this name as a run (the contract's run id). */
const isRunId = (name: string): boolean => RunSummary.shape.id.safeParse(name).success

/**
 * What a folder whose run.json cannot be read still shows: its name, the model's name from the
 * saved model when there is one, and the files that survive. Undefined for a folder name the API
 * cannot address as a run id.
 */
async function damagedSummary(dir: string, err: unknown): Promise<RunSummary | undefined> {
  const id = basename(dir)
  if (!isRunId(id)) return undefined
  const info = await stat(join(dir, RUN_FILE)).catch(() => undefined)
  const modelName = await savedModelName(dir)
  const test = await readJson(join(dir, METRICS_FILE), EvalMetrics, 'test metrics').catch(() => undefined)
  const keeps: RunDamageKeeps = {
    opens: false,
    model: modelName !== undefined,
    ...(test ? { test: { accuracy: test.accuracy, count: test.count } } : {}),
    curves: false
  }
  return {
    id,
    name: id,
    // Empty when no saved model names it: a word here would reach every interface in English.
    modelName: modelName ?? '',
    createdAt: (info?.mtime ?? new Date(0)).toISOString(),
    status: 'damaged',
    epochsDone: 0,
    ...(test ? { testAccuracy: test.accuracy } : {}),
    damage: {
      problems: [problemOf(err)],
      causes: [causeOf(err, RUN_FILE)],
      // Without run.json the run cannot be opened, so nothing runs its model, however whole.
      modelUsable: false,
      usable: usableParts(keeps),
      keeps
    }
  }
}

async function savedModelName(dir: string): Promise<string | undefined> {
  try {
    const json = JSON.parse(await readFile(join(dir, MODEL_DIR, 'model.json'), 'utf8')) as { userDefinedMetadata?: { convlab?: { spec?: { name?: unknown } } } }
    const name = json.userDefinedMetadata?.convlab?.spec?.name
    return typeof name === 'string' ? name : undefined
  } catch {
    return undefined
  }
}

function problemOf(err: unknown): string {
  return err instanceof RunError ? err.problem : err instanceof Error ? err.message : String(err)
}

function causeOf(err: unknown, file: string): RunDamageCause {
  return err instanceof RunError && err.damage ? err.damage : { kind: 'other', file, detail: problemOf(err) }
}

export interface ListedRuns {
  /** Readable runs and damaged ones (with `damage`), newest first. */
  runs: RunSummary[]
  /** Folders holding a run.json that cannot even be listed as damaged (a name no run id can have), with the reason. */
  unreadable: { dir: string; reason: string }[]
}

/** Every run directly under `root`, newest first. A damaged run is listed as damaged, never dropped. */
export async function listRuns(root: string): Promise<ListedRuns> {
  const entries = await readdir(root, { withFileTypes: true }).catch(() => [])
  const runs: RunSummary[] = []
  const unreadable: ListedRuns['unreadable'] = []
  for (const entry of entries) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue
    const dir = join(root, entry.name)
    if (!(await exists(join(dir, RUN_FILE)))) continue
    if (!isRunId(entry.name)) {
      unreadable.push({ dir, reason: `${entry.name} cannot be a run id: use letters, digits, ".", "_" or "-".` })
      continue
    }
    try {
      runs.push(await readRunSummary(dir))
    } catch (err) {
      unreadable.push({ dir, reason: err instanceof Error ? err.message : String(err) })
    }
  }
  runs.sort((a, b) => b.createdAt.localeCompare(a.createdAt))
  return { runs, unreadable }
}

/** One run's summary; a run.json that cannot be read gives a summary marked damaged. */
export async function readRunSummary(dir: string): Promise<RunSummary> {
  try {
    return summaryOnly(await readRun(dir))
  } catch (err) {
    const damaged = await damagedSummary(dir, err)
    if (!damaged) throw err
    return damaged
  }
}

export function summaryOnly(detail: RunDetail): RunSummary {
  const { id, name, modelName, inputShape, data, createdAt, status, epochsDone, backend, threads, augmented, testAccuracy, group, diverged, damage } = detail
  return {
    id,
    name,
    modelName,
    inputShape,
    data,
    createdAt,
    status,
    epochsDone,
    backend,
    threads,
    augmented,
    testAccuracy,
    ...(group ? { group } : {}),
    ...(diverged ? { diverged } : {}),
    ...(damage ? { damage } : {})
  }
}

/** A run id safe as a folder name: time first so names sort by age, then the model's name. */
export function newRunId(modelName: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)
  const slug = modelName.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40) || 'run'
  const suffix = Math.random().toString(36).slice(2, 6)
  return `${stamp}-${slug}-${suffix}`
}

/** Resolves a run id under a root, refusing ids that would escape it. */
export function runDir(root: string, id: string): string {
  const dir = resolve(root, id)
  if (!dir.startsWith(resolve(root) + '/') && !dir.startsWith(resolve(root) + '\\')) {
    throw new RunError(`Invalid run id ${JSON.stringify(id)}.`)
  }
  return dir
}

async function readJson<T>(path: string, schema: z.ZodType<T>, what: string): Promise<T> {
  const file = basename(path)
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT') throw new RunError(`${what}: ${path} does not exist.`, `${file} is missing`, { kind: 'missing', file })
    throw new RunError(`${what}: cannot read ${path} (${code}).`, `${file} cannot be read (${code})`, { kind: 'unreadable', file, detail: String(code) })
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new RunError(`${what}: ${path} is not valid JSON.`, `${file} is not valid JSON (cut short or corrupted)`, { kind: 'notJson', file })
  }
  const parsed = schema.safeParse(value)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const where = `${issue.path.join('.') || 'root'}: ${issue.message}`
    throw new RunError(`${what}: ${path} is malformed (${where}).`, `${file} is malformed (${where})`, {
      kind: 'malformed',
      file,
      detail: issue.path.join('.') || 'root'
    })
  }
  return parsed.data
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false
  )
}
