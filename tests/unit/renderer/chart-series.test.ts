import { describe, expect, it } from 'vitest'
import { MARKER_HOVER_RADIUS, MAX_MARKED_POINTS, batchPoints, batchX, epochPoints, markerRoom, smooth } from '../../../src-renderer/src/charts/series'

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

  it('smooths as TensorBoard does when points are one unit apart, without pulling the start towards zero', () => {
    const raw = [4, 4, 4, 0, 2].map((y, x) => ({ x, y }))
    const s = smooth(raw, 0.5, 1)
    // TensorBoard: last = last * w + (1 - w) * y, shown as last / (1 - w^(i + 1)).
    let last = 0
    raw.forEach((p, i) => {
      last = last * 0.5 + 0.5 * p.y
      expect(s[i].y).toBeCloseTo(last / (1 - 0.5 ** (i + 1)), 12)
    })
    expect(s[0].y).toBe(4)
    expect(s.map((p) => p.x)).toEqual([0, 1, 2, 3, 4])
    expect(smooth(raw, 0, 1)).toBe(raw)
  })

  it('smooths by x, so ten times as many points of the same curve smooth to the same line', () => {
    const curve = (x: number): number => Math.exp(-x) + 0.1 * Math.sin(3 * x)
    const sparse = Array.from({ length: 101 }, (_, i) => ({ x: i / 50, y: curve(i / 50) }))
    const dense = Array.from({ length: 1001 }, (_, i) => ({ x: i / 500, y: curve(i / 500) }))
    const a = smooth(sparse, 0.6, 0.02)
    const b = smooth(dense, 0.6, 0.02)
    const perPoint = smooth(dense, 0.6, 0.002)
    for (const i of [10, 25, 50]) {
      expect(Math.abs(b[i * 10].y - a[i].y)).toBeLessThan(0.007)
      // Smoothed per point, the dense curve would lag three times less behind the trend.
      expect(Math.abs(perPoint[i * 10].y - a[i].y)).toBeGreaterThan(0.012)
    }
  })

  it('smooths batch-to-batch noise away however many batches an epoch has', () => {
    // 1,000 batches over 2 epochs, each ±0.1 off the trend.
    const noisy = Array.from({ length: 1000 }, (_, i) => ({ x: (i + 1) / 500, y: Math.exp(-(i + 1) / 500) + (i % 2 ? 0.1 : -0.1) }))
    const jitter = (p: { y: number }[]): number => Math.max(...p.slice(900).map((q, i) => Math.abs(q.y - p[899 + i].y)))
    const byAxis = smooth(noisy, 0.6, 2 / 100)
    expect(jitter(byAxis)).toBeLessThan(0.01)
    // Per point, as TensorBoard smooths at the same 0.6, the noise stays ten times as large.
    expect(jitter(smooth(noisy, 0.6, 1 / 500))).toBeGreaterThan(0.04)
  })

  it('leaves room past the plot for a marker centred on its edge, only when markers are drawn', () => {
    const point = [{ x: 1, y: 1 }]
    const many = Array.from({ length: MAX_MARKED_POINTS + 1 }, (_, x) => ({ x, y: 1 }))
    // Whole under the pointer too: the hover radius and its border.
    expect(markerRoom([{ label: 'epoch', color: '#000', points: point, markers: true }])).toBeGreaterThan(MARKER_HOVER_RADIUS)
    expect(markerRoom([{ label: 'batch', color: '#000', points: point }])).toBe(0)
    expect(markerRoom([{ label: 'epoch', color: '#000', points: many, markers: true }])).toBe(0)
  })
})
