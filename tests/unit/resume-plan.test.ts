import { describe, expect, it } from 'vitest'
import { planResume, type RunState } from '../../src-main/runs/resume-plan'

const checkpoint = (epoch: number, hasOptimizer = true): RunState['checkpoint'] => ({ dir: '/r/checkpoint', info: { epoch, seed: 1 }, hasOptimizer })
const run = (over: Partial<RunState>): RunState => ({ id: 'r', dir: '/r', status: 'completed', planned: 5, epochsDone: 5, checkpoint: checkpoint(5), live: false, ...over })

describe('which runs can be resumed or continued', () => {
  it('resumes a cancelled or interrupted run from its checkpoint to its planned epochs', () => {
    for (const status of ['cancelled', 'failed'] as const) {
      expect(planResume(run({ status, epochsDone: 3, checkpoint: checkpoint(2) }), { mode: 'resume' }, '/r/model')).toEqual({
        from: { dir: '/r/checkpoint', epoch: 2, freshOptimizer: false },
        target: 5
      })
    }
  })

  it('continues a completed run N epochs past the epoch its checkpoint holds', () => {
    expect(planResume(run({}), { mode: 'continue', epochs: 3 }, '/r/model')).toEqual({ from: { dir: '/r/checkpoint', epoch: 5, freshOptimizer: false }, target: 8 })
  })

  it('continues a run from before checkpoints from its model, and only with a fresh optimizer', () => {
    expect(planResume(run({ checkpoint: undefined }), { mode: 'continue', epochs: 2 }, '/r/model')).toMatchObject({ problem: 'noOptimizer' })
    expect(planResume(run({ checkpoint: undefined }), { mode: 'continue', epochs: 2, freshOptimizer: true }, '/r/model')).toEqual({
      from: { dir: '/r/model', epoch: 5, freshOptimizer: true },
      target: 7
    })
    expect(planResume(run({ checkpoint: checkpoint(5, false) }), { mode: 'continue', epochs: 1 }, '/r/model')).toMatchObject({ problem: 'noOptimizer' })
  })

  it('refuses, each with its reason: training, completed, not completed, no epoch, nothing left', () => {
    const cases: [Partial<RunState>, 'resume' | 'continue', string][] = [
      [{ live: true }, 'continue', 'training'],
      [{ status: 'running' }, 'resume', 'training'],
      [{}, 'resume', 'completed'],
      [{ status: 'cancelled' }, 'continue', 'notCompleted'],
      [{ status: 'failed', checkpoint: undefined }, 'resume', 'noEpoch'],
      [{ status: 'cancelled', checkpoint: checkpoint(5) }, 'resume', 'nothingLeft'],
      [{ status: 'cancelled', checkpoint: checkpoint(2, false) }, 'resume', 'noOptimizer']
    ]
    expect(cases.map(([over, mode]) => (planResume(run(over), { mode, epochs: 1 }, '/r/model') as { problem?: string }).problem)).toEqual(cases.map((c) => c[2]))
  })
})
