/**
 * The Study view's calls: a run's robustness to shifts of its test images, computed in the
 * engine (engine/robustness.ts) with progress forwarded as robustness/progress events.
 */
import type { EngineClient } from '../engine/client'
import type { LabEvent, LabEventPayload, RunDetail } from '../shared/contract'
import type { LabHandlers } from './dispatch'

export type RobustnessHandlers = Pick<LabHandlers, 'runs/robustness' | 'runs/robustness-cancel'>

export interface RobustnessDeps {
  engine: EngineClient
  finishedRun(runId: string): Promise<RunDetail>
  modelOf(runId: string): { dir: string }
  emit<E extends LabEvent>(event: E, payload: LabEventPayload<E>): void
}

export function createRobustnessHandlers({ engine, finishedRun, modelOf, emit }: RobustnessDeps): RobustnessHandlers {
  engine.on('robustness/progress', (p) => emit('robustness/progress', p))
  return {
    async 'runs/robustness'({ runId, max, limit, mode, grid, jobId }) {
      const run = await finishedRun(runId)
      return engine.request('model/robustness', { model: modelOf(runId), data: run.data, split: 'test', max, mode, grid, jobId, ...(limit ? { limit } : {}) })
    },
    async 'runs/robustness-cancel'({ jobId }) {
      return engine.request('robustness/cancel', { jobId })
    }
  }
}
