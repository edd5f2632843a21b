/**
 * What every exported figure shares: a white canvas at twice its CSS size, a title block that
 * says what the figure is of (run, model, data, image), a colour bar for a colour scale, and the
 * PNG encoding. The curves, the confusion matrix and the shift heatmaps are drawn inside it.
 */

// Chinese labels need a CJK face: the same system fonts the interface names (base.css).
export const FIGURE_FONT = "system-ui, 'Noto Sans CJK SC', 'WenQuanYi Zen Hei', 'Microsoft YaHei', 'PingFang SC', sans-serif"
export const INK = '#1b2129'
export const MUTED_INK = '#5a6472'
/** Exported figures are always light, for a report's page, whatever the interface's theme. */
export const PAPER = '#ffffff'
export const FIGURE_PAD = 24
/** Pixels per CSS pixel: sharp when the figure is shown at its CSS size on a high-density screen. */
export const FIGURE_SCALE = 2

export interface TitleBlock {
  title: string
  /** The context lines under the title: run, model, data, date, image. */
  lines: string[]
}

const TITLE_LINE = 22
const CONTEXT_LINE = 19

/** The title block's height in CSS pixels, with the gap below it. */
export const titleBlockHeight = (block: TitleBlock): number => TITLE_LINE + block.lines.length * CONTEXT_LINE + 12

/** Draws the block from (x, y) down; lines too long for `maxWidth` are squeezed rather than cut. */
export function drawTitleBlock(ctx: CanvasRenderingContext2D, block: TitleBlock, x: number, y: number, maxWidth: number): void {
  ctx.save()
  ctx.textAlign = 'left'
  ctx.textBaseline = 'top'
  ctx.fillStyle = INK
  ctx.font = `600 17px ${FIGURE_FONT}`
  ctx.fillText(block.title, x, y, maxWidth)
  ctx.fillStyle = MUTED_INK
  ctx.font = `13px ${FIGURE_FONT}`
  block.lines.forEach((line, i) => ctx.fillText(line, x, y + TITLE_LINE + i * CONTEXT_LINE, maxWidth))
  ctx.restore()
}

export interface ColourBar {
  /** The colour of a value 0..1 of the scale. */
  colour(fraction: number): string
  /** Tick labels from the bottom (0) to the top (1), spread evenly. */
  ticks: string[]
  /** What the colours measure, written along the bar. */
  label: string
}

export const COLOUR_BAR_WIDTH = 16
/** The bar with its tick labels and its turned label: the width to leave for it. */
export const COLOUR_BAR_ROOM = COLOUR_BAR_WIDTH + 64

/** A vertical bar, 1 at the top as matplotlib's colorbar, ticked and labelled on its right. */
export function drawColourBar(ctx: CanvasRenderingContext2D, bar: ColourBar, x: number, y: number, height: number): void {
  ctx.save()
  const steps = Math.max(2, Math.round(height))
  for (let i = 0; i < steps; i++) {
    ctx.fillStyle = bar.colour(1 - i / (steps - 1))
    ctx.fillRect(x, y + (i * height) / steps, COLOUR_BAR_WIDTH, height / steps + 0.5)
  }
  ctx.strokeStyle = MUTED_INK
  ctx.lineWidth = 1
  ctx.strokeRect(x + 0.5, y + 0.5, COLOUR_BAR_WIDTH - 1, height - 1)
  ctx.fillStyle = INK
  ctx.font = `12px ${FIGURE_FONT}`
  ctx.textAlign = 'left'
  ctx.textBaseline = 'middle'
  const last = Math.max(1, bar.ticks.length - 1)
  bar.ticks.forEach((tick, i) => {
    const ty = y + height - (i / last) * height
    ctx.fillRect(x + COLOUR_BAR_WIDTH, ty - 0.5, 4, 1)
    ctx.fillText(tick, x + COLOUR_BAR_WIDTH + 7, ty)
  })
  ctx.translate(x + COLOUR_BAR_ROOM - 8, y + height / 2)
  ctx.rotate(Math.PI / 2)
  ctx.textAlign = 'center'
  ctx.textBaseline = 'bottom'
  ctx.fillStyle = MUTED_INK
  ctx.fillText(bar.label, 0, 0, height)
  ctx.restore()
}

/** A canvas `width` x `height` CSS pixels, painted white, its context scaled to draw in CSS pixels. */
export function figureCanvas(width: number, height: number): { canvas: HTMLCanvasElement; ctx: CanvasRenderingContext2D } {
  const canvas = document.createElement('canvas')
  canvas.width = Math.ceil(width * FIGURE_SCALE)
  canvas.height = Math.ceil(height * FIGURE_SCALE)
  const ctx = canvas.getContext('2d')
  if (!ctx) throw new Error('The browser gave no 2D canvas to draw the figure on.')
  ctx.scale(FIGURE_SCALE, FIGURE_SCALE)
  ctx.fillStyle = PAPER
  ctx.fillRect(0, 0, width, height)
  return { canvas, ctx }
}

export function canvasToPng(canvas: HTMLCanvasElement): Promise<Blob> {
  return new Promise((resolve, reject) =>
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('The browser could not encode the PNG.'))), 'image/png')
  )
}

/** A light-to-dark blue ramp (ColorBrewer's Blues, ends only): 0 near white, 1 deep blue. */
export function blueColour(fraction: number): string {
  const f = Math.min(1, Math.max(0, fraction))
  const mix = (a: number, b: number): number => Math.round(a + (b - a) * f)
  return `rgb(${mix(247, 8)}, ${mix(251, 48)}, ${mix(255, 107)})`
}
