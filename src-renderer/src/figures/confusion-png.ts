/**
 * A run's confusion matrix as a PNG for a report: the counts in cells shaded by their share of
 * the true class's images (so a small class reads as clearly as a big one, as on screen), class
 * names in the interface's language, a colour bar for the shading, and the run and its test
 * accuracy above.
 */
import type { RunDetail } from '@shared/contract'
import { currentLocale, formatters, t } from '@renderer/i18n'
import { localClassName } from '@renderer/i18n/class-names'
import { COLOUR_BAR_ROOM, FIGURE_FONT, FIGURE_PAD, INK, MUTED_INK, blueColour, canvasToPng, drawColourBar, drawTitleBlock, figureCanvas, titleBlockHeight } from './frame'
import { runContextLines } from './run-context'

const CELL_W = 56
const CELL_H = 40
const AXIS_TITLE = 22
const LABEL_GAP = 8

/** Ink that stays readable on the blue: white from the middle of the ramp on. */
const ink = (share: number): string => (share >= 0.5 ? '#ffffff' : INK)

/** The widest of `texts` in the font set on `ctx`. */
const widest = (ctx: CanvasRenderingContext2D, texts: string[]): number => Math.max(0, ...texts.map((s) => ctx.measureText(s).width))

export function confusionToPng(run: RunDetail): Promise<Blob> {
  const test = run.test
  if (!test) return Promise.reject(new Error('The run has no test results.'))
  const n = test.confusion.length
  const names = Array.from({ length: n }, (_, i) => (run.classNames[i] === undefined ? t('train.confusion.classN', { n: i }) : localClassName(run.classNames[i], currentLocale())))
  const block = { title: t('runs.report.figure.confusion', { name: run.name }), lines: runContextLines(run) }

  // Measured first: the names decide how far the grid sits from the edges.
  const probe = figureCanvas(1, 1).ctx
  probe.font = `13px ${FIGURE_FONT}`
  const nameRoom = Math.ceil(widest(probe, names)) + LABEL_GAP
  const gridLeft = FIGURE_PAD + AXIS_TITLE + nameRoom
  const gridTop = FIGURE_PAD + titleBlockHeight(block) + AXIS_TITLE + nameRoom
  const gridW = n * CELL_W
  const gridH = n * CELL_H
  const titleWidth = Math.ceil(Math.max(...[block.title, ...block.lines].map((line) => probe.measureText(line).width * 1.35)))
  const width = Math.max(gridLeft + gridW + 24 + COLOUR_BAR_ROOM + FIGURE_PAD, FIGURE_PAD * 2 + titleWidth)
  const height = gridTop + gridH + FIGURE_PAD

  const { canvas, ctx } = figureCanvas(width, height)
  drawTitleBlock(ctx, block, FIGURE_PAD, FIGURE_PAD, width - FIGURE_PAD * 2)

  ctx.font = `600 13px ${FIGURE_FONT}`
  ctx.fillStyle = MUTED_INK
  ctx.textAlign = 'center'
  ctx.textBaseline = 'top'
  ctx.fillText(t('runs.report.figure.predictedClass'), gridLeft + gridW / 2, gridTop - nameRoom - AXIS_TITLE)
  ctx.save()
  ctx.translate(FIGURE_PAD, gridTop + gridH / 2)
  ctx.rotate(-Math.PI / 2)
  ctx.fillText(t('runs.report.figure.trueClass'), 0, 0)
  ctx.restore()

  ctx.font = `13px ${FIGURE_FONT}`
  ctx.fillStyle = INK
  names.forEach((name, i) => {
    ctx.textAlign = 'right'
    ctx.textBaseline = 'middle'
    ctx.fillText(name, gridLeft - LABEL_GAP, gridTop + i * CELL_H + CELL_H / 2)
    ctx.save()
    ctx.translate(gridLeft + i * CELL_W + CELL_W / 2, gridTop - LABEL_GAP)
    ctx.rotate(-Math.PI / 2)
    ctx.textAlign = 'left'
    ctx.fillText(name, 0, 0)
    ctx.restore()
  })

  const fmt = formatters()
  test.confusion.forEach((row, actual) => {
    const total = row.reduce((a, b) => a + b, 0)
    row.forEach((count, predicted) => {
      const share = total ? count / total : 0
      const x = gridLeft + predicted * CELL_W
      const y = gridTop + actual * CELL_H
      ctx.fillStyle = blueColour(share)
      ctx.fillRect(x, y, CELL_W, CELL_H)
      ctx.fillStyle = ink(share)
      ctx.textAlign = 'center'
      ctx.textBaseline = 'middle'
      ctx.font = `${actual === predicted ? 700 : 400} 13px ${FIGURE_FONT}`
      ctx.fillText(fmt.int(count), x + CELL_W / 2, y + CELL_H / 2)
    })
  })
  ctx.strokeStyle = MUTED_INK
  ctx.lineWidth = 1
  ctx.strokeRect(gridLeft + 0.5, gridTop + 0.5, gridW - 1, gridH - 1)

  drawColourBar(
    ctx,
    { colour: blueColour, ticks: [0, 0.25, 0.5, 0.75, 1].map((v) => fmt.percent(v, 0)), label: t('runs.report.figure.share') },
    gridLeft + gridW + 24,
    gridTop,
    gridH
  )
  return canvasToPng(canvas)
}
