/**
 * One training run from start to folder: checks the stack, creates the run folder, has the
 * engine train (progress forwarded as events), keeps history on disk after every epoch so a
 * crash loses at most the epoch in progress, then records the outcome. Shared by the CLI and
 * the Lab service so both produce identical run folders.
 */
import { join } from 'node:path'
import type { EngineClient } from '../engine/client'
import { LabError, type LabEvent, type LabEventPayload, type RunDetail, type TrainConfig } from '../shared/contract'
import type { DataSource } from '../shared/dataset'
import type { ModelSpec } from '../shared/layers'
import { describeHead, inferShapes } from '../shared/shapes'
import {
  MODEL_DIR,
  createRun,
  readRun,
  updateRunMeta,
  writeHistory,
  writeTestMetrics,
  type History
} from '../runs/run-store'
import { holdRunLock } from '../runs/run-lock'

export interface TrainingRequest {
  engine: EngineClient
  dir: string
  id: string
  name: string
  model: ModelSpec
  data: DataSource
  config: TrainConfig
  emit<E extends LabEvent>(event: E, payload: LabEventPayload<E>): void
}

/** Throws a LabError naming the problem when a stack cannot be trained as a classifier. */
export function assertTrainable(model: ModelSpec): void {
  const report = inferShapes(model)
  if (report.error) throw new LabError('invalid-payload', report.error.message)
  const head = describeHead(model)
  if (!head.ok) throw new LabError('invalid-payload', head.error)
}

/**
 * Creates the run folder and returns once it exists; `finished` settles when training ends.
 * It never rejects: failures are recorded in the run and reported with 'train/finished'.
 */
export async function startTraining(req: TrainingRequest): Promise<{ finished: Promise<RunDetail> }> {
  assertTrainable(req.model)
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
      classNames: []
    })
  } catch (err) {
    await unlock()
    throw err
  }
  // The lock goes once the outcome is on disk; one that cannot be removed goes stale by itself.
  return { finished: train(req).finally(unlock) }
}

async function train(req: TrainingRequest): Promise<RunDetail> {
  const { engine, dir, id, emit } = req
  const history: History = { epochs: [], batches: [] }
  // History writes are chained so they land in order and never overlap.
  let writes: Promise<void> = Promise.resolve()
  const unsubscribe = [
    engine.on('train/progress', (p) => {
      if (p.runId !== id) return
      history.batches.push({ epoch: p.epoch, batch: p.batch, loss: p.loss, accuracy: p.accuracy })
      emit('train/progress', p)
    }),
    engine.on('train/epoch', (e) => {
      if (e.runId !== id) return
      const { runId: _runId, ...record } = e
      history.epochs.push(record)
      const snapshot: History = { epochs: [...history.epochs], batches: [...history.batches] }
      writes = writes.then(() => writeHistory(dir, snapshot)).catch(() => undefined)
      emit('train/epoch', e)
    })
  ]
  try {
    const result = await engine.request('train/run', {
      runId: id,
      model: req.model,
      data: req.data,
      config: req.config,
      saveDir: join(dir, MODEL_DIR)
    })
    await writes
    await writeHistory(dir, { epochs: result.epochs, batches: result.batches })
    if (result.test) await writeTestMetrics(dir, result.test)
    await updateRunMeta(dir, {
      status: result.status,
      backend: result.backend,
      threads: result.threads,
      classNames: result.classNames,
      config: { ...req.config, seed: result.seed }
    })
    emit('train/finished', { runId: id, status: result.status, test: result.test })
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err)
    await writes
    await updateRunMeta(dir, { status: 'failed', error: message }).catch(() => undefined)
    emit('train/finished', { runId: id, status: 'failed', error: message })
  } finally {
    for (const off of unsubscribe) off()
  }
  return readRun(dir)
}
