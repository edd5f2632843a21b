import { describe, expect, it, vi } from 'vitest'
import type { RunSummary } from '../../../src-main/shared/contract'
import { runSummary } from './run-summary'

vi.mock('@renderer/api/client', () => ({ request: async () => [] }))
const { hasTrainedModel } = await import('../../../src-renderer/src/stores/trained-runs')

const keeps = { opens: true, model: true, curves: true }
const run = (changes: Partial<RunSummary>): RunSummary => runSummary('a', changes)

describe('hasTrainedModel', () => {
  it('offers damaged runs only while their model still works', () => {
    expect(hasTrainedModel(run({}))).toBe(true)
    expect(hasTrainedModel(run({ damage: { problems: ['metrics.json is not valid JSON'], causes: [{ kind: 'notJson', file: 'metrics.json' }], usable: 'x', keeps, modelUsable: true } }))).toBe(true)
    expect(hasTrainedModel(run({ damage: { problems: ['the trained model lacks model/weights.bin'], causes: [{ kind: 'modelFilesMissing', file: 'model/weights.bin' }], usable: 'x', keeps, modelUsable: false } }))).toBe(false)
    expect(hasTrainedModel(run({ status: 'damaged', data: undefined, damage: { problems: ['run.json is missing'], causes: [{ kind: 'missing', file: 'run.json' }], usable: 'x', keeps, modelUsable: false } }))).toBe(false)
  })

  it('offers a diverged run: its weights are kept', () => {
    expect(hasTrainedModel(run({ diverged: { firstLoss: 2.3, peakLoss: 1e9, epoch: 1 } }))).toBe(true)
  })
})
