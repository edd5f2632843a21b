/**
 * The Study view's calls: a run's robustness to shifts of its test images, computed in the
 * engine (engine/robustness.ts) with progress forwarded as robustness/progress events.
 */
import { EngineTimeoutError, type EngineClient } from '../engine/process/client'
import type { LabEvent, LabEventPayload, RunDetail } from '../shared/contract'
import type { LabHandlers } from './dispatch'
import { CANCEL_GRACE_MS } from './training'

export type RobustnessHandlers = Pick<LabHandlers, 'runs/robustness' | 'runs/robustness-cancel'>

export interface RobustnessDeps {
  engine: EngineClient
  finishedRun(runId: string): Promise<RunDetail>
  modelOf(runId: string): { dir: string }
  emit<E extends LabEvent>(event: E, payload: LabEventPayload<E>): void
  /** How long a cancelled study's chunk may go on before the engine is killed. */
  cancelGraceMs?: number
}

export function createRobustnessHandlers({ engine, finishedRun, modelOf, emit, cancelGraceMs = CANCEL_GRACE_MS }: RobustnessDeps): RobustnessHandlers {
  engine.on('robustness/progress', (p) => emit('robustness/progress', p))
  /** Studies in progress by job id; `killed` once the engine was ended to stop one. */
  const studies = new Map<string, { killed: boolean }>()
  return {
    async 'runs/robustness'({ runId, max, limit, mode, grid, jobId }) {
      const run = await finishedRun(runId)
      const job = { killed: false }
      studies.set(jobId, job)
      try {
        return await engine.request('model/robustness', { model: modelOf(runId), data: run.data, split: 'test', max, mode, grid, jobId, ...(limit ? { limit } : {}) })
      } catch (err) {
        // Stopped with the engine at the user's request: a cancelled study, as between chunks.
        if (job.killed) return { status: 'cancelled' as const, count: 0, max, mode, classNames: run.classNames }
        throw err
      } finally {
        if (studies.get(jobId) === job) studies.delete(jobId)
      }
    },
    // As train/cancel: answered at once, since the engine hears it only between two chunks of
    // images, and a chunk of a large model can take minutes; past the grace the engine is killed.
    async 'runs/robustness-cancel'({ jobId }) {
      const job = studies.get(jobId)
      if (!job) return { cancelled: false }
      const pid = engine.pid
      engine.request('robustness/cancel', { jobId }, { timeoutMs: cancelGraceMs }).catch((err: unknown) => {
        if (err instanceof EngineTimeoutError && studies.get(jobId) === job && engine.pid === pid) {
          job.killed = true
          engine.killWorker()
        }
      })
      return { cancelled: true }
    }
  }
}
