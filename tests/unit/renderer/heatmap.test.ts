import { describe, expect, it } from 'vitest'
import type { ShiftResult } from '../../../src-main/shared/contract'
import {
  cellFill,
  cellInk,
  formatProbability,
  heatmapCsv,
  rowsKeepingPrediction,
  shiftLabel
} from '../../../src-renderer/src/components/shift/heatmap'

const result: ShiftResult = {
  shifts: [-1, 0, 1],
  classNames: ['T-shirt/top', 'Trouser', 'Pull, "over"'],
  probabilities: [
    [0.1, 0.2, 0.7],
    [0.05, 0.05, 0.9],
    [0.6, 0.3, 0.1]
  ],
  predicted: [2, 2, 0],
  images: [],
  label: 2
}

describe('heatmap conventions', () => {
  it("labels rows as the tutorial does: f'{px} pixels'", () => {
    expect([-5, 0, 5].map(shiftLabel)).toEqual(['-5 pixels', '0 pixels', '5 pixels'])
  })

  it('annotates with two decimals', () => {
    expect(formatProbability(0.8149)).toBe('0.81')
    expect(formatProbability(1)).toBe('1.00')
  })

  it('maps probability to grey, dark low and light high, clamped', () => {
    expect(cellFill(0)).toBe('rgb(0, 0, 0)')
    expect(cellFill(1)).toBe('rgb(255, 255, 255)')
    expect(cellFill(1.2)).toBe('rgb(255, 255, 255)')
    expect(cellFill(0.5)).toBe('rgb(128, 128, 128)')
  })

  it('flips the text colour for contrast', () => {
    expect(cellInk(0.9)).not.toBe(cellInk(0.1))
    expect(cellInk(1)).toBe(cellInk(0.5))
  })

  it('counts rows keeping the unshifted prediction', () => {
    expect(rowsKeepingPrediction(result)).toBe(2)
  })

  it('writes a CSV with full precision, quoted class names and both runs', () => {
    const csv = heatmapCsv([
      { run: 'mlp', result },
      { run: 'cnn', result }
    ])
    const lines = csv.trimEnd().split('\n')
    expect(lines[0]).toBe('run,shift,T-shirt/top,Trouser,"Pull, ""over""",predicted,label')
    expect(lines[1]).toBe('mlp,-1,0.1,0.2,0.7,"Pull, ""over""","Pull, ""over"""')
    expect(lines[3]).toBe('mlp,1,0.6,0.3,0.1,T-shirt/top,"Pull, ""over"""')
    expect(lines).toHaveLength(7)
    expect(lines[4].startsWith('cnn,-1,')).toBe(true)
  })
})
