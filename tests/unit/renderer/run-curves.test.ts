import { describe, expect, it } from 'vitest'
import { curveLabels, curveSeries } from '../../../src-renderer/src/charts/run-curves'
import { smoothOnAxis } from '../../../src-renderer/src/charts/series'

const batches = [
  { x: 0.5, y: 2 },
  { x: 1, y: 1 },
  { x: 1.5, y: 0.5 },
  { x: 2, y: 0.25 }
]
const epochs = [
  { epoch: 1, loss: 1.5, accuracy: 0.5, valLoss: 1.6, valAccuracy: 0.45, seconds: 1 },
  { epoch: 2, loss: 0.4, accuracy: 0.8, seconds: 1 }
]

describe("a run's chart series, the same on screen and in the exported figure", () => {
  it('has the raw batches (faint), their smoothed line, the epoch values and the validation values, in that order', () => {
    const series = curveSeries({ batches, epochs, metric: 'loss', smoothing: 0.6, plannedEpochs: 4 }, curveLabels('loss'))
    expect(series.map((s) => s.label)).toEqual(['batch loss (raw)', 'batch loss, smoothed', 'epoch loss', 'validation loss'])
    expect(series.map((s) => [Boolean(s.faint), Boolean(s.markers), Boolean(s.dashed)])).toEqual([
      [true, false, false],
      [false, false, false],
      [false, true, false],
      [false, true, true]
    ])
    // Smoothed over the planned 4 epochs, not the 2 trained so far.
    expect(series[1].points).toEqual(smoothOnAxis(batches, 0.6, 4))
    expect(series[2].points).toEqual([{ x: 1, y: 1.5 }, { x: 2, y: 0.4 }])
    expect(series[3].points).toEqual([{ x: 1, y: 1.6 }])
  })

  it('leaves out what a run has none of: no batches, no validation', () => {
    const series = curveSeries({ batches: [], epochs: [{ epoch: 1, loss: 1, accuracy: 0.5, seconds: 1 }], metric: 'accuracy', smoothing: 0.6 }, curveLabels('accuracy'))
    expect(series.map((s) => s.label)).toEqual(['epoch accuracy'])
  })
})
