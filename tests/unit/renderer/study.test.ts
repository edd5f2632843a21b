import { describe, expect, it } from 'vitest'
import { PALETTE, seriesColor } from '@renderer/charts/series'
import { consistencyFill, gridRows, studyCsv, studySeries, type StudyRow } from '@renderer/lib/study'
import { robustnessCurves, shiftOffsets } from '@shared/robustness'

function row(runId: string): StudyRow {
  const offsets = shiftOffsets(1, true)
  // Right unshifted, wrong whenever moved down.
  const predictions = offsets.map(({ dy }) => (dy > 0 ? [1, 1] : [0, 1]))
  const curves = robustnessCurves(offsets, predictions, [0, 1], 1, true)
  return { runId, name: `run, "${runId}"`, result: { status: 'completed', count: 2, max: 1, mode: 'roll', classNames: ['a', 'b'], ...curves } }
}

describe('the study helpers', () => {
  it('one x and one y series per run, the shift as x', () => {
    const s = studySeries([row('a'), row('b')], 'consistency')
    expect(s.map((x) => x.label)).toEqual(['run, "a" (x)', 'run, "a" (y)', 'run, "b" (x)', 'run, "b" (y)'])
    expect(s[1].points).toEqual([{ x: -1, y: 1 }, { x: 0, y: 1 }, { x: 1, y: 0.5 }])
    expect(s[1].dashed).toBe(true)
  })

  it("colours each run as the Runs view's palette does, x and y alike, repeating past its end", () => {
    const rows = Array.from({ length: PALETTE.length + 1 }, (_, i) => row(`r${i}`))
    const colours = studySeries(rows, 'accuracy').map((s) => s.color)
    expect(colours).toEqual(rows.flatMap((_, i) => [PALETTE[i % PALETTE.length], PALETTE[i % PALETTE.length]]))
    expect(seriesColor(PALETTE.length)).toBe(PALETTE[0])
  })

  it('CSV: every point of every curve, names quoted', () => {
    const lines = studyCsv([row('a')]).trim().split('\n')
    expect(lines[0]).toBe('run,name,images,curve,dx,dy,accuracy,consistency')
    expect(lines).toHaveLength(1 + 3 + 3 + 9)
    expect(lines[1]).toBe('a,"run, ""a""",2,x,-1,0,1,1')
    expect(lines.at(-1)).toBe('a,"run, ""a""",2,grid,1,1,0.5,0.5')
  })

  it('grid rows from dy = -max down, white for consistent', () => {
    const g = gridRows(row('a').result)
    expect(g.map((r) => r.dy)).toEqual([-1, 0, 1])
    expect(g[2].cells.map((c) => c.consistency)).toEqual([0.5, 0.5, 0.5])
    expect(consistencyFill(1)).toBe('rgb(255, 255, 255)')
    expect(consistencyFill(0)).toBe('rgb(0, 0, 0)')
  })
})
