/**
 * One training run from start to folder: checks the stack, creates the run folder, has the
 * engine train (progress forwarded as events), keeps history on disk after every epoch so a
 * crash loses at most the epoch in progress, then records the outcome. Shared by the CLI and
 * the Lab service so both produce identical run folders.
 */
import { freemem, totalmem } from 'node:os'
import { join } from 'node:path'
import { EngineDownError, EngineExitedError, EngineTimeoutError, type EngineClient } from '../engine/process/client'
import { LabError, type LabErrorReason, type LabEvent, type LabEventPayload, type RunDetail, type RunFailure, type TrainConfig } from '../shared/contract'
import type { DataSource } from '../shared/dataset'
import type { ModelSpec } from '../shared/layers'
import { describeHead, flatStackProblem, inferShapes } from '../shared/shapes'
import { dataModelMismatch } from '../shared/data-fit'
import { describeSource } from '../data/describe'
import { estimateTrainingMemory, formatBytes, memoryProblem } from '../shared/memory'
import {
  METRICS_FILE,
  MODEL_DIR,
  createRun,
  readRunMeta,
  readRun,
  updateRunMeta,
  writeHistory,
  writeTestMetrics,
  type History
} from '../runs/run-store'
import { holdRunLock, runLockState } from '../runs/run-lock'
import { findCheckpoint } from '../runs/checkpoint-info'
import { planResume, type ResumeAsk, type ResumeRefusal } from '../runs/resume-plan'
import { recoverRun } from '../runs/recover'
import { rm } from 'node:fs/promises'
import { nameWithEpochs } from '../shared/run-name'

export interface TrainingRequest {
  engine: EngineClient
  dir: string
  id: string
  name: string
  model: ModelSpec
  data: DataSource
  config: TrainConfig
  emit<E extends LabEvent>(event: E, payload: LabEventPayload<E>): void
  /** The group of runs repeated over seeds this one belongs to. */
  group?: string
  /** How long a cancel waits for the engine to finish its step before killing it. */
  cancelGraceMs?: number
  /** The machine's memory in bytes; os.totalmem() and os.freemem() unless a test says otherwise. */
  memory?: { total: number; free: number }
}

export interface TrainingHandle {
  /** Settles when training ends; never rejects (failures are recorded in the run). */
  finished: Promise<RunDetail>
  /** Calls `listener` once the run is on disk and unlocked, before 'train/finished' goes out. */
  onSettled(listener: () => void): void
  /**
   * Returns at once. The engine stops at its next batch; when it does not even take the request
   * within the grace period (one step of a huge model can run for minutes in a single
   * synchronous kernel), it is killed and restarted, and the run ends cancelled without a model.
   * `now`: the caller is restarting the engine itself, so the run ends cancelled with it.
   */
  cancel(options?: { now?: boolean }): void
  /** Pauses the run at its next batch boundary, or lets it go on; resolves to whether it is paused now. */
  pause(paused: boolean): Promise<boolean>
}

/** Where a resumed or continued run starts, as the engine's train/run takes it. */
interface TrainFrom {
  dir: string
  epoch: number
  freshOptimizer: boolean
}

/**
 * The engine answers a cancel between two steps. Steps of ordinary models take well under a
 * second; this long without an answer means a step that would hold the user for minutes.
 */
export const CANCEL_GRACE_MS = 5_000

/** Throws a LabError naming the problem when a stack cannot be trained as a classifier. */
export function assertTrainable(model: ModelSpec): void {
  const report = inferShapes(model)
  if (report.error) throw new LabError('invalid-payload', report.error.message).because('stack', flatStackProblem(report.error))
  const head = describeHead(model)
  if (!head.ok) throw new LabError('invalid-payload', head.error).because('stack', flatStackProblem(head.problem))
}

/** Throws a LabError saying what to change when the model's input or outputs do not fit the data. */
export async function assertFitsData(model: ModelSpec, data: DataSource): Promise<void> {
  const problem = dataModelMismatch(model, await describeSource(data, model))
  if (problem) throw new LabError('invalid-payload', problem.message)
}

/**
 * Throws a LabError with the estimate when training could not fit in the machine's memory: the
 * engine would otherwise grow until the system swaps or kills it, minutes later.
 */
export function assertFitsInMemory(model: ModelSpec, config: TrainConfig, available = totalmem()): void {
  const problem = memoryProblem(model, batchOf(config), config.optimizer, available)
  if (problem) throw new LabError('invalid-payload', problem)
}

/** With --limit N a batch never holds more than N images. */
const batchOf = (config: TrainConfig): number => Math.min(config.batchSize, config.limit ?? config.batchSize)

/**
 * Creates the run folder and returns once it exists; `finished` settles when training ends.
 * It never rejects: failures are recorded in the run and reported with 'train/finished'.
 */
export async function startTraining(req: TrainingRequest): Promise<TrainingHandle> {
  assertTrainable(req.model)
  const memory = req.memory ?? { total: totalmem(), free: freemem() }
  assertFitsInMemory(req.model, req.config, memory.total)
  await assertFitsData(req.model, req.data)
  // It fits the machine but not what is free now: it may still train, with the system swapping.
  const needed = estimateTrainingMemory(req.model, batchOf(req.config), req.config.optimizer).total
  if (needed > memory.free) {
    req.emit('engine/notice', {
      level: 'warning',
      message: `Training ${req.model.name} needs at least ${formatBytes(needed)} of memory and ${formatBytes(memory.free)} are free now: the machine may slow down while it trains.`,
      code: 'lowMemory',
      params: { model: req.model.name, needed, free: memory.free }
    })
  }
  // Locked before run.json says "running", so no other process ever sees it running unlocked
  // and marks it interrupted (runs/recover.ts).
  const release = await holdRunLock(req.dir)
  const unlock = (): Promise<void> => release().catch(() => undefined)
  try {
    await createRun(req.dir, {
      id: req.id,
      name: req.name,
      createdAt: new Date().toISOString(),
      status: 'running',
      model: req.model,
      data: req.data,
      config: req.config,
      classNames: [],
      ...(req.group ? { group: req.group } : {})
    })
  } catch (err) {
    await unlock()
    throw err
  }
  return launch(req, { epochs: [], batches: [] }, undefined, unlock)
}

/** Each refusal as a reason the interface words. */
const REFUSAL_REASONS: Record<ResumeRefusal['problem'], LabErrorReason> = {
  training: 'runTraining',
  completed: 'runAlreadyDone',
  nothingLeft: 'runAlreadyDone',
  notCompleted: 'runNotCompleted',
  noEpoch: 'runNoEpoch',
  noOptimizer: 'runNoOptimizer'
}

export interface ResumeRequest extends Pick<TrainingRequest, 'engine' | 'dir' | 'emit' | 'cancelGraceMs'> {
  ask: ResumeAsk
}

/**
 * Trains a run on in its own folder: resumed from its last completed epoch, or continued N epochs
 * past its end (runs/resume-plan.ts says which runs can). The history is cut back to the epoch the
 * checkpoint holds (a cancelled run's partial epoch goes), the old test metrics go, and run.json
 * records the point and the new epoch count before training starts.
 */
export async function resumeTraining(req: ResumeRequest): Promise<TrainingHandle> {
  const { dir } = req
  const live = (await runLockState(dir)).live
  if (!live) await recoverRun(dir)
  const run = await readRun(dir)
  const meta = await readRunMeta(dir)
  const checkpoint = await findCheckpoint(dir)
  const plan = planResume(
    { id: run.id, dir, status: run.status, planned: meta.config.epochs, epochsDone: run.epochs.length, checkpoint, live },
    req.ask,
    join(dir, MODEL_DIR)
  )
  if ('problem' in plan) {
    const error = new LabError(plan.problem === 'training' ? 'busy' : 'invalid-payload', plan.message)
    throw error.because(REFUSAL_REASONS[plan.problem], { run: run.id })
  }
  const seed = meta.config.seed ?? checkpoint?.info.seed
  const config = { ...meta.config, epochs: plan.target, ...(seed === undefined ? {} : { seed }) }
  // A default name says the epochs it was made with; one the user typed is theirs.
  const name = req.ask.mode === 'continue' && !meta.nameGiven ? (nameWithEpochs(meta.name, plan.target) ?? meta.name) : meta.name
  const request: TrainingRequest = { ...req, id: run.id, name, model: meta.model, data: meta.data, config }
  assertTrainable(meta.model)
  assertFitsInMemory(meta.model, config)
  await assertFitsData(meta.model, meta.data)
  const release = await holdRunLock(dir)
  const unlock = (): Promise<void> => release().catch(() => undefined)
  const kept: History = { epochs: run.epochs.filter((e) => e.epoch <= plan.from.epoch), batches: run.batches.filter((b) => b.epoch <= plan.from.epoch) }
  try {
    await writeHistory(dir, kept)
    await rm(join(dir, METRICS_FILE), { force: true })
    const point = { epoch: plan.from.epoch, kind: req.ask.mode, at: new Date().toISOString(), ...(plan.from.freshOptimizer ? { freshOptimizer: true } : {}) }
    await updateRunMeta(dir, { status: 'running', error: undefined, name, config, resumes: [...(meta.resumes ?? []), point] })
  } catch (err) {
    await unlock()
    throw err
  }
  return launch(request, kept, plan.from, unlock)
}

/**
 * Trains a run whose folder is ready and locked: `history` is what it already has, `from` where a
 * resumed or continued run starts. `unlock` frees the folder once the outcome is on disk.
 */
function launch(req: TrainingRequest, history: History, from: TrainFrom | undefined, unlock: () => Promise<void>): TrainingHandle {
  const cancel: CancelState = { requested: false, killed: null, settled: false }
  // The lock goes once the outcome is on disk; one that cannot be removed goes stale by itself.
  // 'train/finished' goes out only once the run is settled, its folder unlocked and its holders
  // told: an interface that starts the next run (a group's next seed) on hearing it must find the lab idle.
  const settledListeners: Array<() => void> = []
  let announced = false
  const finished = train(req, cancel, history, from)
    .finally(() => {
      cancel.settled = true
      return unlock()
    })
    .then(({ detail, outcome }) => {
      announced = true
      for (const listener of settledListeners) listener()
      req.emit('train/finished', outcome)
      return detail
    })
  const graceMs = req.cancelGraceMs ?? CANCEL_GRACE_MS
  return {
    finished,
    onSettled(listener) {
      if (announced) listener()
      else settledListeners.push(listener)
    },
    cancel(options = {}) {
      if (cancel.settled) return
      if (options.now) {
        cancel.killed = {
          message: "Cancelled: the engine was restarted at your request, and this run's model was not saved.",
          failure: { code: 'cancelledByRestart', params: {} }
        }
        return
      }
      if (cancel.requested) return
      cancel.requested = true
      const pid = req.engine.pid
      req.engine.request('train/cancel', { runId: req.id }, { timeoutMs: graceMs }).catch((err: unknown) => {
        // Still inside one step: only ending the process stops it. The client starts a new one.
        if (err instanceof EngineTimeoutError && !cancel.settled && !cancel.killed && req.engine.pid === pid) {
          const seconds = Math.round(graceMs / 1000)
          cancel.killed = {
            message: `Cancelled in the middle of a training step that had not ended ${seconds} s later: the engine was stopped and restarted, and this run's model was not saved.`,
            failure: { code: 'cancelledStuck', params: { seconds } }
          }
          req.engine.killWorker()
        }
      })
    },
    pause(paused) {
      if (cancel.settled) return Promise.resolve(false)
      return req.engine.request('train/pause', { runId: req.id, paused }).then((r) => r.paused)
    }
  }
}

interface CancelState {
  requested: boolean
  /** Why the engine was killed to honour a cancel; the run's model went with it. */
  killed: { message: string; failure: RunFailure } | null
  settled: boolean
}

/** A training's failure in English, and as a code for the interface to word. */
function failureOf(err: unknown): { message: string; failure: RunFailure } {
  const message = err instanceof Error ? err.message : String(err)
  if (err instanceof EngineExitedError) {
    const exit = err.exit
    const params: RunFailure['params'] = exit?.signal ? { signal: exit.signal } : { exitCode: exit?.code ?? '?' }
    return { message, failure: { code: 'engineExited', params } }
  }
  if (err instanceof EngineDownError) return { message, failure: { code: 'engineDown', params: { seconds: Math.ceil(err.retryInMs / 1000) } } }
  // The engine's errors come back by name (protocol.ts EngineError).
  if (err instanceof Error && err.name === 'DataError') return { message, failure: { code: 'dataFault', params: {} } }
  return { message, failure: { code: 'other', params: {} } }
}

/** The run as saved, and the 'train/finished' event that reports it. */
interface TrainOutcome {
  detail: RunDetail
  outcome: LabEventPayload<'train/finished'>
}

async function train(req: TrainingRequest, cancel: CancelState, before: History, from: TrainFrom | undefined): Promise<TrainOutcome> {
  const { engine, dir, id, emit } = req
  let outcome: LabEventPayload<'train/finished'>
  const history: History = { epochs: [...before.epochs], batches: [...before.batches] }
  // History writes are chained so they land in order and never overlap.
  let writes: Promise<void> = Promise.resolve()
  const unsubscribe = [
    engine.on('train/phase', (p) => {
      if (p.runId === id) emit('train/phase', p)
    }),
    engine.on('train/progress', (p) => {
      if (p.runId === id) emit('train/progress', p)
    }),
    // history.json holds true per-batch records only, an epoch's at its end: progress events
    // carry the epoch's running mean, which a crashed run would otherwise keep as its batches.
    engine.on('train/epoch', (e) => {
      if (e.runId !== id) return
      const { runId, batches, ...record } = e
      history.epochs.push(record)
      for (const b of batches) history.batches.push(b)
      const snapshot: History = { epochs: [...history.epochs], batches: [...history.batches] }
      writes = writes.then(() => writeHistory(dir, snapshot)).catch(() => undefined)
      emit('train/epoch', { runId, ...record })
    })
  ]
  try {
    const result = await engine.request('train/run', {
      runId: id,
      model: req.model,
      data: req.data,
      config: req.config,
      saveDir: join(dir, MODEL_DIR),
      checkpointDir: dir,
      ...(from ? { from } : {})
    })
    await writes
    await writeHistory(dir, { epochs: [...before.epochs, ...result.epochs], batches: [...before.batches, ...result.batches] })
    if (result.test) await writeTestMetrics(dir, result.test)
    await updateRunMeta(dir, {
      status: result.status,
      backend: result.backend,
      threads: result.threads,
      classNames: result.classNames,
      config: { ...req.config, seed: result.seed }
    })
    outcome = { runId: id, status: result.status, seconds: result.seconds, test: result.test }
  } catch (err) {
    await writes
    if (cancel.killed) {
      const { message, failure } = cancel.killed
      await writeHistory(dir, history).catch(() => undefined)
      await updateRunMeta(dir, { status: 'cancelled', error: message, failure }).catch(() => undefined)
      outcome = { runId: id, status: 'cancelled', error: message, failure }
    } else {
      const { message, failure } = failureOf(err)
      await updateRunMeta(dir, { status: 'failed', error: message, failure }).catch(() => undefined)
      outcome = { runId: id, status: 'failed', error: message, failure }
    }
  } finally {
    for (const off of unsubscribe) off()
  }
  return { detail: await readRun(dir), outcome }
}
