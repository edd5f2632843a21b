import { describe, expect, it } from 'vitest'
import { batchPoints, batchX, epochPoints, smooth } from '../../../src-renderer/src/charts/series'

describe('chart series', () => {
  it('places batches in epochs, so per-batch and per-epoch curves share the x axis', () => {
    expect(batchX(1, 50, 100)).toBe(0.5)
    expect(batchX(3, 100, 100)).toBe(3)
    const points = batchPoints(
      [
        { epoch: 1, batch: 1, loss: 2, accuracy: 0.1 },
        { epoch: 1, batch: 4, loss: 1, accuracy: 0.5 },
        { epoch: 2, batch: 2, loss: 0.5, accuracy: 0.7 }
      ],
      'loss'
    )
    expect(points).toEqual([
      { x: 0.25, y: 2 },
      { x: 1, y: 1 },
      { x: 1.5, y: 0.5 }
    ])
  })

  it('leaves out epochs without validation', () => {
    const epochs = [
      { epoch: 1, loss: 1, accuracy: 0.5, seconds: 1 },
      { epoch: 2, loss: 0.5, accuracy: 0.7, valLoss: 0.6, seconds: 1 }
    ]
    expect(epochPoints(epochs, 'valLoss')).toEqual([{ x: 2, y: 0.6 }])
  })

  it('smooths without pulling the start towards zero, and not at all at weight 0', () => {
    const raw = [4, 4, 4, 0].map((y, x) => ({ x, y }))
    const s = smooth(raw, 0.5)
    expect(s[0].y).toBeCloseTo(4)
    expect(s[2].y).toBeCloseTo(4)
    expect(s[3].y).toBeLessThan(4)
    expect(s[3].y).toBeGreaterThan(0)
    expect(smooth(raw, 0)).toBe(raw)
  })

  it('smooths 100,000 points in a few milliseconds', () => {
    const raw = Array.from({ length: 100_000 }, (_, x) => ({ x, y: Math.sin(x) }))
    const t0 = performance.now()
    smooth(raw, 0.9)
    expect(performance.now() - t0).toBeLessThan(200)
  })
})
