/**
 * A training run is a folder:
 *   run.json      what was trained on what, how, its status and the backend used
 *   history.json  per-epoch and per-batch loss and accuracy
 *   metrics.json  test-split metrics, once training finished
 *   model/        the trained model in tfjs's own format (model.json + weights.bin)
 * Every file is written atomically, so a crash leaves the previous complete version.
 */
import { readFile, readdir, stat } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { z } from 'zod'
import { BatchRecord, EpochRecord, EvalMetrics, RunDetail, RunStatus, TrainConfig, TrainThreads, type RunSummary } from '../shared/contract'
import { DataSource } from '../shared/dataset'
import { ModelSpec } from '../shared/layers'
import { writeJsonAtomic } from './atomic-write'

export const RUN_FILE = 'run.json'
export const HISTORY_FILE = 'history.json'
export const METRICS_FILE = 'metrics.json'
export const MODEL_DIR = 'model'

const RunMeta = z.object({
  id: z.string(),
  name: z.string(),
  createdAt: z.string(),
  status: RunStatus,
  model: ModelSpec,
  data: DataSource,
  config: TrainConfig,
  classNames: z.array(z.string()),
  backend: z.string().optional(),
  threads: TrainThreads.optional(),
  error: z.string().optional()
})
export type RunMeta = z.infer<typeof RunMeta>

const History = z.object({ epochs: z.array(EpochRecord), batches: z.array(BatchRecord) })
export type History = z.infer<typeof History>

export class RunError extends Error {
  override name = 'RunError'
}

export async function createRun(dir: string, meta: RunMeta): Promise<void> {
  await writeJsonAtomic(join(dir, RUN_FILE), RunMeta.parse(meta))
  await writeJsonAtomic(join(dir, HISTORY_FILE), { epochs: [], batches: [] } satisfies History)
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

export async function readRun(dir: string): Promise<RunDetail> {
  const meta = await readRunMeta(dir)
  const history = await readJson(join(dir, HISTORY_FILE), History, `the history of run ${meta.id}`).catch(
    (): History => ({ epochs: [], batches: [] })
  )
  const test = (await exists(join(dir, METRICS_FILE)))
    ? await readJson(join(dir, METRICS_FILE), EvalMetrics, `the test metrics of run ${meta.id}`)
    : undefined
  return RunDetail.parse({
    ...summaryOf(meta, history, test),
    model: meta.model,
    config: meta.config,
    classNames: meta.classNames,
    epochs: history.epochs,
    batches: history.batches,
    test,
    error: meta.error
  })
}

export function summaryOf(meta: RunMeta, history: History, test?: EvalMetrics): RunSummary {
  return {
    id: meta.id,
    name: meta.name,
    modelName: meta.model.name,
    data: meta.data,
    createdAt: meta.createdAt,
    status: meta.status,
    epochsDone: history.epochs.length,
    backend: meta.backend,
    threads: meta.threads,
    augmented: (meta.config.augment?.maxShift ?? 0) > 0,
    testAccuracy: test?.accuracy
  }
}

export interface ListedRuns {
  runs: RunSummary[]
  /** Folders under the root that look like runs but could not be read, with the reason. */
  unreadable: { dir: string; reason: string }[]
}

/** Every run directly under `root`, newest first. Unreadable folders are reported, not fatal. */
export async function listRuns(root: string): Promise<ListedRuns> {
  const entries = await readdir(root, { withFileTypes: true }).catch(() => [])
  const runs: RunSummary[] = []
  const unreadable: ListedRuns['unreadable'] = []
  for (const entry of entries) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue
    const dir = join(root, entry.name)
    if (!(await exists(join(dir, RUN_FILE)))) continue
    try {
      const detail = await readRun(dir)
      runs.push(summaryOnly(detail))
    } catch (err) {
      unreadable.push({ dir, reason: err instanceof Error ? err.message : String(err) })
    }
  }
  runs.sort((a, b) => b.createdAt.localeCompare(a.createdAt))
  return { runs, unreadable }
}

export function summaryOnly(detail: RunDetail): RunSummary {
  const { id, name, modelName, data, createdAt, status, epochsDone, backend, threads, augmented, testAccuracy } = detail
  return { id, name, modelName, data, createdAt, status, epochsDone, backend, threads, augmented, testAccuracy }
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
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    throw new RunError(code === 'ENOENT' ? `${what}: ${path} does not exist.` : `${what}: cannot read ${path} (${code}).`)
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new RunError(`${what}: ${path} is not valid JSON.`)
  }
  const parsed = schema.safeParse(value)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new RunError(`${what}: ${path} is malformed (${issue.path.join('.') || 'root'}: ${issue.message}).`)
  }
  return parsed.data
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false
  )
}
