/**
 * The heatmaps drawn onto one figure for export, laid out like the screen: rotated class names,
 * "-5 pixels" … "5 pixels", the shifted input beside each row, annotated grey cells, the
 * predicted class outlined; above them the image, its true label and each run, and beside them
 * the colour bar of the probabilities. Always light, as a figure for a report.
 */
import type { PixelImage, ShiftResult } from '@shared/contract'
import { COLOUR_BAR_ROOM, FIGURE_FONT, FIGURE_PAD, INK, MUTED_INK, canvasToPng, drawColourBar, drawTitleBlock, figureCanvas, titleBlockHeight } from '@renderer/figures/frame'
import { TUTORIAL_WORDS, cellFill, cellInk, formatProbability, type HeatmapWords } from './heatmap'

export interface PngPanel {
  heading: string
  result: ShiftResult
}

/** Which image was shifted: a dataset's by split and index, or a file by its name. */
export type PngImage = { split: 'train' | 'test'; index: number } | { file: string }

const CELL_W = 48
const CELL_H = 44
const LABEL_W = 80
const THUMB = 40
const HEAD_H = 96
const PANEL_HEAD_H = 28
const PANEL_GAP = 48

function drawPixels(ctx: CanvasRenderingContext2D, image: PixelImage, x: number, y: number): void {
  const data = new ImageData(image.width, image.height)
  image.pixels.forEach((p, i) => {
    const v = Math.round(Math.min(1, Math.max(0, p)) * 255)
    data.data.set([v, v, v, 255], i * 4)
  })
  const tile = document.createElement('canvas')
  tile.width = image.width
  tile.height = image.height
  tile.getContext('2d')!.putImageData(data, 0, 0)
  ctx.imageSmoothingEnabled = false
  ctx.drawImage(tile, x, y, THUMB, THUMB)
}

const panelWidth = (result: ShiftResult): number => LABEL_W + THUMB + 8 + result.classNames.length * CELL_W

function drawPanel(ctx: CanvasRenderingContext2D, { heading, result }: PngPanel, left: number, top: number, words: HeatmapWords): void {
  ctx.fillStyle = INK
  ctx.textBaseline = 'top'
  ctx.textAlign = 'left'
  ctx.font = `600 14px ${FIGURE_FONT}`
  ctx.fillText(heading, left, top, panelWidth(result))

  const gridLeft = left + LABEL_W + THUMB + 8
  const gridTop = top + PANEL_HEAD_H + HEAD_H
  ctx.textBaseline = 'alphabetic'
  result.classNames.forEach((name, c) => {
    ctx.save()
    ctx.translate(gridLeft + c * CELL_W + CELL_W / 2 + 4, gridTop - 6)
    ctx.rotate(-Math.PI / 2)
    ctx.fillStyle = c === result.label ? '#1f8a4c' : INK
    ctx.font = `${c === result.label ? 700 : 400} 12px ${FIGURE_FONT}`
    ctx.fillText(words.className(name), 0, 0)
    ctx.restore()
  })

  result.shifts.forEach((shift, r) => {
    const y = gridTop + r * CELL_H
    ctx.textAlign = 'right'
    ctx.textBaseline = 'middle'
    ctx.fillStyle = INK
    ctx.font = `${shift === 0 ? 700 : 400} 12px ${FIGURE_FONT}`
    ctx.fillText(words.shiftLabel(shift), left + LABEL_W - 8, y + CELL_H / 2)
    drawPixels(ctx, result.images[r], left + LABEL_W, y + (CELL_H - THUMB) / 2)
    result.probabilities[r].forEach((p, c) => {
      const x = gridLeft + c * CELL_W
      ctx.fillStyle = cellFill(p)
      ctx.fillRect(x, y, CELL_W, CELL_H)
      ctx.fillStyle = cellInk(p)
      ctx.textAlign = 'center'
      ctx.font = `${c === result.predicted[r] ? 700 : 400} 12px ${FIGURE_FONT}`
      ctx.fillText(formatProbability(p), x + CELL_W / 2, y + CELL_H / 2)
      if (c === result.predicted[r]) {
        ctx.strokeStyle = '#2f6fde'
        ctx.lineWidth = 2.5
        ctx.strokeRect(x + 1.5, y + 1.5, CELL_W - 3, CELL_H - 3)
      }
    })
  })
  ctx.strokeStyle = MUTED_INK
  ctx.lineWidth = 1
  ctx.strokeRect(gridLeft + 0.5, gridTop + 0.5, result.classNames.length * CELL_W - 1, result.shifts.length * CELL_H - 1)
}

/** What the figure is of: the image and its true label, under the heatmaps' title. */
function contextLines(panels: PngPanel[], image: PngImage, words: HeatmapWords): string[] {
  const lines = ['file' in image ? image.file : words.figure.datasetImage(image.split, image.index)]
  const first = panels[0]?.result
  if (first?.label !== undefined) lines.push(words.figure.trueLabel(words.className(first.classNames[first.label])))
  return lines
}

/** One PNG with every panel side by side and one colour bar, at twice the CSS size so it stays sharp. */
export function heatmapsToPng(panels: PngPanel[], image: PngImage, words: HeatmapWords = TUTORIAL_WORDS): Promise<Blob> {
  const block = { title: words.title, lines: contextLines(panels, image, words) }
  const widths = panels.map((p) => panelWidth(p.result))
  const rows = Math.max(...panels.map((p) => p.result.shifts.length))
  const top = FIGURE_PAD + titleBlockHeight(block)
  const barLeft = FIGURE_PAD + widths.reduce((a, b) => a + b, 0) + PANEL_GAP * (panels.length - 1) + 24
  const width = barLeft + COLOUR_BAR_ROOM + FIGURE_PAD
  const height = top + PANEL_HEAD_H + HEAD_H + rows * CELL_H + FIGURE_PAD
  const { canvas, ctx } = figureCanvas(width, height)
  drawTitleBlock(ctx, block, FIGURE_PAD, FIGURE_PAD, width - FIGURE_PAD * 2)
  let left = FIGURE_PAD
  panels.forEach((panel, i) => {
    drawPanel(ctx, panel, left, top, words)
    left += widths[i] + PANEL_GAP
  })
  drawColourBar(
    ctx,
    { colour: (p) => cellFill(p), ticks: ['0.0', '0.2', '0.4', '0.6', '0.8', '1.0'], label: words.figure.probability },
    barLeft,
    top + PANEL_HEAD_H + HEAD_H,
    rows * CELL_H
  )
  return canvasToPng(canvas)
}
