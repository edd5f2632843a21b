import { describe, expect, it } from 'vitest'
import { MAX_CELL, MAX_THUMB, MIN_CELL, MIN_THUMB, PANEL_CHROME, PANEL_GAP, heatmapLayout } from '../../../src-renderer/src/components/shift/heatmap-layout'

/** The width a panel's table and padding take at these sizes. */
const panelNeeds = (cell: number, thumb: number, classes: number): number => PANEL_CHROME + thumb + cell * classes

describe('the Shift heatmaps at each width', () => {
  // The view's content width at 1400 and 1024 px windows: less the page padding and a scrollbar.
  it('puts the MLP and the CNN side by side at 1400 px with cells and thumbnails near their largest', () => {
    const s = heatmapLayout(1337, 2, 10)
    expect(s).toEqual({ columns: 2, cell: 49, thumb: 60 })
    expect(2 * panelNeeds(s.cell, s.thumb, 10) + PANEL_GAP).toBeLessThanOrEqual(1337)
  })

  it('still puts them side by side at 1024 px, with thumbnails half as large again as the 28-pixel image', () => {
    const s = heatmapLayout(961, 2, 10)
    expect(s.columns).toBe(2)
    expect(s.cell).toBeGreaterThanOrEqual(MIN_CELL)
    expect(s.thumb).toBeGreaterThanOrEqual(42)
    expect(2 * panelNeeds(s.cell, s.thumb, 10) + PANEL_GAP).toBeLessThanOrEqual(961)
  })

  it('stacks them when two would need cells narrower than "0.00", each then as wide as the room allows', () => {
    const s = heatmapLayout(800, 2, 10)
    expect(s.columns).toBe(1)
    expect(s.cell).toBe(MAX_CELL)
    expect(s.thumb).toBe(MAX_THUMB)
  })

  it('never goes below the readable minimum, however narrow, and never above the largest, however wide', () => {
    for (const width of [0, 200, 400, 600, 961, 1337, 3000]) {
      for (const panels of [1, 2]) {
        const s = heatmapLayout(width, panels, 10)
        expect(s.cell).toBeGreaterThanOrEqual(MIN_CELL)
        expect(s.cell).toBeLessThanOrEqual(MAX_CELL)
        expect(s.thumb).toBeGreaterThanOrEqual(MIN_THUMB)
        expect(s.thumb).toBeLessThanOrEqual(MAX_THUMB)
      }
    }
    expect(heatmapLayout(3000, 2, 10).columns).toBe(2)
  })

  it('gives one heatmap the whole width, and a two-class run wider cells than a ten-class one', () => {
    expect(heatmapLayout(1337, 1, 10)).toEqual({ columns: 1, cell: MAX_CELL, thumb: MAX_THUMB })
    expect(heatmapLayout(700, 1, 2).cell).toBeGreaterThan(heatmapLayout(700, 1, 10).cell)
  })
})
