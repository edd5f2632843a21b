import { describe, expect, it } from 'vitest'
import { describeDivergence, divergenceOf } from '../../src-main/shared/divergence'
import type { BatchRecord, EpochRecord } from '../../src-main/shared/contract'

const epoch = (n: number, loss: number): EpochRecord => ({ epoch: n, loss, accuracy: 0.1, seconds: 1 })
const batch = (e: number, b: number, loss: number): BatchRecord => ({ epoch: e, batch: b, loss, accuracy: 0.1 })

describe('divergenceOf', () => {
  it("flags Adam at lr 10: 2.3 at the first batch, 4.2e13 by the end", () => {
    expect(divergenceOf([epoch(1, 3e9), epoch(2, 4.2e13), epoch(3, 1e12)], [batch(1, 1, 2.3)])).toEqual({ firstLoss: 2.3, peakLoss: 4.2e13, epoch: 2 })
  })

  it('leaves a run that learns, or that wobbles, alone', () => {
    expect(divergenceOf([epoch(1, 0.6), epoch(2, 0.4)], [batch(1, 1, 2.3)])).toBeUndefined()
    // Three times worse is bad training, not an explosion.
    expect(divergenceOf([epoch(1, 7)], [batch(1, 1, 2.3)])).toBeUndefined()
  })

  it('needs the loss to be large, not only a hundred times a tiny first one', () => {
    expect(divergenceOf([epoch(1, 0.5)], [batch(1, 1, 0.001)])).toBeUndefined()
    expect(divergenceOf([epoch(1, 12)], [batch(1, 1, 0.1)])).toEqual({ firstLoss: 0.1, peakLoss: 12, epoch: 1 })
  })

  it('judges the batches when no epoch finished, and a non-finite loss as diverged', () => {
    expect(divergenceOf([], [batch(1, 1, 2.3), batch(1, 2, 900)])).toEqual({ firstLoss: 2.3, peakLoss: 900, epoch: 1 })
    expect(divergenceOf([epoch(1, Infinity), epoch(2, 5)], [batch(1, 1, 2.3)])).toMatchObject({ peakLoss: Infinity, epoch: 1 })
    expect(divergenceOf([], [])).toBeUndefined()
  })

  it('is described with the numbers a person reads', () => {
    expect(describeDivergence({ firstLoss: 2.3026, peakLoss: 4.2e13, epoch: 2 })).toBe(
      'the loss rose from 2.30 to 4.2e+13 (epoch 2); the weights are kept but did not learn'
    )
  })
})
