import { describe, expect, it } from 'vitest'
import { duration, runDistinction } from '../../../src-renderer/src/components/runs/format'
import { runSummary } from './run-summary'

describe('run labels', () => {
  it('writes durations as a person reads them', () => {
    expect(duration(0.4)).toBe('0 s')
    expect(duration(59.6)).toBe('1 min 0 s')
    expect(duration(75)).toBe('1 min 15 s')
    expect(duration(3 * 3600 + 125)).toBe('3 h 2 min')
    expect(duration(-3)).toBe('0 s')
  })

  it('tells runs of the same name apart by accuracy and start, and names the model when the name does not', () => {
    const run = runSummary('a', { name: 'seed-mlp on Fashion-MNIST', createdAt: '2026-11-28T11:53:00', epochsDone: 2, testAccuracy: 0.8201 })
    const date = new Date(run.createdAt).toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false })
    expect(runDistinction(run)).toBe(`82.0% test · ${date}`)
    expect(runDistinction({ ...run, name: 'My first MLP', testAccuracy: undefined })).toBe(`seed-mlp · ${date}`)
  })

  it('says a run diverged first, where runs are picked for Predict, Shift and Study', () => {
    const run = runSummary('a', { name: 'seed-mlp at lr 10', epochsDone: 2, testAccuracy: 0.1, diverged: { firstLoss: 2.3, peakLoss: 4.2e13, epoch: 2 } })
    expect(runDistinction(run)).toMatch(/^diverged · 10\.0% test · /)
  })
})
