/**
 * The heatmaps drawn onto one canvas for export, laid out like the screen: title, rotated class
 * names, "-5 pixels" … "5 pixels", the shifted input beside each row, annotated grey cells, the
 * predicted class outlined. Always light, as a figure for a report.
 */
import type { PixelImage, ShiftResult } from '@shared/contract'
import { TUTORIAL_WORDS, cellFill, cellInk, formatProbability, type HeatmapWords } from './heatmap'

export interface PngPanel {
  heading: string
  result: ShiftResult
}

const CELL_W = 44
const CELL_H = 30
const LABEL_W = 80
const THUMB = 28
const HEAD_H = 96
const TITLE_H = 56
const PAD = 24
// Chinese labels need a CJK face: the same system fonts the interface names (base.css).
const FONT = "system-ui, 'Noto Sans CJK SC', 'WenQuanYi Zen Hei', 'Microsoft YaHei', 'PingFang SC', sans-serif"

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

function panelWidth(result: ShiftResult): number {
  return LABEL_W + THUMB + 8 + result.classNames.length * CELL_W
}

function drawPanel(ctx: CanvasRenderingContext2D, { heading, result }: PngPanel, left: number, words: HeatmapWords): void {
  ctx.fillStyle = '#1b2129'
  ctx.textBaseline = 'alphabetic'
  ctx.textAlign = 'left'
  ctx.font = `600 15px ${FONT}`
  ctx.fillText(words.title, left, PAD + 16)
  ctx.font = `13px ${FONT}`
  ctx.fillStyle = '#5a6472'
  ctx.fillText(heading, left, PAD + 36)

  const gridLeft = left + LABEL_W + THUMB + 8
  const gridTop = PAD + TITLE_H + HEAD_H
  ctx.font = `12px ${FONT}`
  result.classNames.forEach((name, c) => {
    ctx.save()
    ctx.translate(gridLeft + c * CELL_W + CELL_W / 2 + 4, gridTop - 6)
    ctx.rotate(-Math.PI / 2)
    ctx.fillStyle = c === result.label ? '#1f8a4c' : '#1b2129'
    ctx.font = `${c === result.label ? 700 : 400} 12px ${FONT}`
    ctx.fillText(words.className(name), 0, 0)
    ctx.restore()
  })

  result.shifts.forEach((shift, r) => {
    const y = gridTop + r * CELL_H
    ctx.textAlign = 'right'
    ctx.textBaseline = 'middle'
    ctx.fillStyle = '#1b2129'
    ctx.font = `${shift === 0 ? 700 : 400} 12px ${FONT}`
    ctx.fillText(words.shiftLabel(shift), left + LABEL_W - 8, y + CELL_H / 2)
    drawPixels(ctx, result.images[r], left + LABEL_W, y + (CELL_H - THUMB) / 2)
    result.probabilities[r].forEach((p, c) => {
      const x = gridLeft + c * CELL_W
      ctx.fillStyle = cellFill(p)
      ctx.fillRect(x, y, CELL_W, CELL_H)
      ctx.fillStyle = cellInk(p)
      ctx.textAlign = 'center'
      ctx.font = `${c === result.predicted[r] ? 700 : 400} 12px ${FONT}`
      ctx.fillText(formatProbability(p), x + CELL_W / 2, y + CELL_H / 2)
      if (c === result.predicted[r]) {
        ctx.strokeStyle = '#2f6fde'
        ctx.lineWidth = 2.5
        ctx.strokeRect(x + 1.5, y + 1.5, CELL_W - 3, CELL_H - 3)
      }
    })
  })
}

/** One PNG with every panel side by side, at twice the CSS size so it stays sharp. */
export function heatmapsToPng(panels: PngPanel[], words: HeatmapWords = TUTORIAL_WORDS): Promise<Blob> {
  const widths = panels.map((p) => panelWidth(p.result))
  const rows = Math.max(...panels.map((p) => p.result.shifts.length))
  const width = PAD * 2 + widths.reduce((a, b) => a + b, 0) + PAD * 2 * (panels.length - 1)
  const height = PAD * 2 + TITLE_H + HEAD_H + rows * CELL_H
  const scale = 2
  const canvas = document.createElement('canvas')
  canvas.width = width * scale
  canvas.height = height * scale
  const ctx = canvas.getContext('2d')!
  ctx.scale(scale, scale)
  ctx.fillStyle = '#ffffff'
  ctx.fillRect(0, 0, width, height)
  let left = PAD
  panels.forEach((panel, i) => {
    drawPanel(ctx, panel, left, words)
    left += widths[i] + PAD * 2
  })
  return new Promise((resolve, reject) =>
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('The browser could not encode the PNG.'))), 'image/png')
  )
}
