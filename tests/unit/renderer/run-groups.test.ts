import { describe, expect, it } from 'vitest'
import type { RunSummary } from '../../../src-main/shared/contract'
import { epochBand, tableItems } from '../../../src-renderer/src/lib/run-groups'

const run = (id: string, group?: string, testAccuracy?: number): RunSummary => ({
  id,
  name: id,
  modelName: 'seed-mlp',
  createdAt: '2025-01-01T00:00:00Z',
  status: 'completed',
  epochsDone: 1,
  ...(group ? { group } : {}),
  ...(testAccuracy !== undefined ? { testAccuracy } : {})
})

describe('tableItems', () => {
  const runs = [run('a3', 'A', 0.82), run('solo'), run('a2', 'A', 0.84), run('b1', 'B', 0.7), run('a1', 'A')]

  it('puts each group of two or more where its newest run is, collapsed, with test accuracy mean ± sd over the tested runs', () => {
    const items = tableItems(runs, [])
    expect(items.map((i) => (i.kind === 'group' ? `group ${i.group.name}` : i.run.id))).toEqual(['group A', 'solo', 'b1'])
    const a = items[0]
    if (a.kind !== 'group') throw new Error('expected a group')
    expect(a.group.runs.map((r) => r.id)).toEqual(['a3', 'a2', 'a1'])
    expect(a.group.testAccuracy.count).toBe(2)
    expect(a.group.testAccuracy.mean).toBeCloseTo(0.83, 12)
    expect(a.group.testAccuracy.sd).toBeCloseTo(Math.SQRT2 / 100, 12)
    expect(a.expanded).toBe(false)
  })

  it('lists an expanded group’s runs under its row, marked as members', () => {
    const items = tableItems(runs, ['A'])
    expect(items.map((i) => (i.kind === 'group' ? `group ${i.group.name}` : `${i.run.id}${i.inGroup ? ' (in group)' : ''}`))).toEqual([
      'group A',
      'a3 (in group)',
      'a2 (in group)',
      'a1 (in group)',
      'solo',
      'b1'
    ])
  })
})

describe('epochBand', () => {
  const epochs = (values: number[], val?: number[]) => ({
    epochs: values.map((accuracy, i) => ({ epoch: i + 1, loss: 1 - accuracy, accuracy, seconds: 1, ...(val ? { valAccuracy: val[i] } : {}) }))
  })

  it('gives the mean and mean ± sd at each epoch every run reached', () => {
    const b = epochBand([epochs([0.5, 0.7, 0.9]), epochs([0.7, 0.9])], 'accuracy')
    expect(b.mean.map((p) => p.x)).toEqual([1, 2])
    expect(b.mean[0].y).toBeCloseTo(0.6, 12)
    expect(b.upper[0].y - b.mean[0].y).toBeCloseTo(Math.SQRT2 / 10, 12)
    expect(b.mean[0].y - b.lower[0].y).toBeCloseTo(Math.SQRT2 / 10, 12)
  })

  it('is empty for a figure the runs do not have', () => {
    expect(epochBand([epochs([0.5]), epochs([0.6])], 'valAccuracy').mean).toEqual([])
  })
})
