/**
 * How big the Shift view draws its heatmaps: side by side when both fit the width at a readable
 * cell size, each as large as the width allows (#18, item 7: at 1400 px half the screen was empty,
 * at 1024 px the pair stacked). Pure, so the sizes at each window width are tested as numbers.
 */

/** "0.00" in the cells' font needs this much; below it the pair stacks instead. */
export const MIN_CELL = 30
/** Wider cells only spread the numbers apart. */
export const MAX_CELL = 56
/** The shifted thumbnails: at least 1.3 times the 28-pixel image, at most a little over twice. */
export const MIN_THUMB = 36
export const MAX_THUMB = 60
/**
 * A panel's width besides its cells and thumbnail: its padding (12 px each side), the row labels
 * ("-5 pixels", 64 px with their padding), the thumbnail's padding and a few pixels to spare.
 */
export const PANEL_CHROME = 24 + 64 + 10 + 8
export const PANEL_GAP = 16

export interface HeatmapSizes {
  /** Panels per row: all of them side by side, or one under another. */
  columns: number
  /** A probability cell's width in CSS pixels. */
  cell: number
  /** The shifted thumbnail's side, which is also each row's height. */
  thumb: number
}

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v))

/** The sizes in one panel `panelWidth` wide; the cell may come out under MIN_CELL. */
function sizesIn(panelWidth: number, classes: number): { cell: number; thumb: number } {
  const rest = panelWidth - PANEL_CHROME
  // The thumbnail takes about the room of one and a third cells, so it grows with them.
  const thumb = Math.round(clamp((rest / (classes + 1.33)) * 1.33, MIN_THUMB, MAX_THUMB))
  return { cell: Math.min(MAX_CELL, Math.floor((rest - thumb) / Math.max(1, classes))), thumb }
}

/** The sizes for `panels` heatmaps of `classes` columns in a container `width` CSS pixels wide. */
export function heatmapLayout(width: number, panels: number, classes: number): HeatmapSizes {
  for (let columns = Math.max(1, panels); columns > 1; columns--) {
    const sizes = sizesIn((width - PANEL_GAP * (columns - 1)) / columns, classes)
    if (sizes.cell >= MIN_CELL) return { columns, ...sizes }
  }
  const one = sizesIn(width, classes)
  return { columns: 1, cell: Math.max(MIN_CELL, one.cell), thumb: one.thumb }
}
