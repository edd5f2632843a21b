/**
 * A run's loss and accuracy charts as one PNG for a report: Chart.js draws each chart at a fixed
 * size with the same series and options as the screen (at the screen's smoothing and scale), and
 * the figure puts the run's name, model, data and date above them.
 */
import type { RunDetail } from '@shared/contract'
import { formatters, t } from '@renderer/i18n'
import { Chart } from '@renderer/charts/register'
import { lineDatasets, lineOptions, xMarksPlugin } from '@renderer/charts/line-config'
import { curveLabels, curveSeries, resumeMarks, type CurveMetric, type CurvesView } from '@renderer/charts/run-curves'
import { batchPoints } from '@renderer/charts/series'
import { FIGURE_FONT, FIGURE_PAD, FIGURE_SCALE, INK, canvasToPng, drawTitleBlock, figureCanvas, titleBlockHeight } from './frame'
import { runContextLines } from './run-context'

const CHART_W = 560
const CHART_H = 420
const CAPTION_H = 24
const GAP = 24

/** Draws one chart off screen at CHART_W x CHART_H and copies it onto the figure at (x, y). */
function drawChart(target: CanvasRenderingContext2D, x: number, y: number, run: RunDetail, metric: CurveMetric, view: CurvesView): void {
  const series = curveSeries(
    { batches: batchPoints(run.batches, metric), epochs: run.epochs, metric, smoothing: view.smoothing, plannedEpochs: run.config.epochs },
    curveLabels(metric)
  )
  const canvas = document.createElement('canvas')
  // Chart.js measures its canvas through the page, so it is placed there, out of sight, while it draws.
  canvas.style.cssText = `position: fixed; left: -${CHART_W * 2}px; top: 0; width: ${CHART_W}px; height: ${CHART_H}px`
  canvas.width = CHART_W
  canvas.height = CHART_H
  document.body.append(canvas)
  const chart = new Chart(canvas, {
    type: 'line',
    data: { datasets: lineDatasets(series) },
    options: {
      ...lineOptions({
        series,
        xLabel: t('train.charts.epochAxis'),
        yLabel: t(metric === 'loss' ? 'train.charts.lossAxis' : 'train.charts.accuracyAxis'),
        logY: metric === 'loss' && view.logLoss,
        percent: metric === 'accuracy',
        percentTick: (v) => formatters().percent(v, 0),
        xMax: run.config.epochs,
        colors: { text: INK, grid: '#dde2e8' },
        font: { family: FIGURE_FONT, size: 13 }
      }),
      responsive: false,
      devicePixelRatio: FIGURE_SCALE,
      events: []
    },
    plugins: [xMarksPlugin(() => resumeMarks(run.resumes), () => INK, `12px ${FIGURE_FONT}`)]
  })
  // Before destroy(), which clears the canvas.
  target.drawImage(canvas, x, y, CHART_W, CHART_H)
  chart.destroy()
  canvas.remove()
}

export function curvesToPng(run: RunDetail, view: CurvesView): Promise<Blob> {
  const block = { title: t('runs.report.figure.curves', { name: run.name }), lines: runContextLines(run) }
  const top = FIGURE_PAD + titleBlockHeight(block)
  const width = FIGURE_PAD * 2 + CHART_W * 2 + GAP
  const height = top + CAPTION_H + CHART_H + FIGURE_PAD
  const { canvas, ctx } = figureCanvas(width, height)
  drawTitleBlock(ctx, block, FIGURE_PAD, FIGURE_PAD, width - FIGURE_PAD * 2)
  const charts: [CurveMetric, string][] = [
    ['loss', t('train.charts.loss')],
    ['accuracy', t('train.charts.accuracy')]
  ]
  charts.forEach(([metric, caption], i) => {
    const x = FIGURE_PAD + i * (CHART_W + GAP)
    ctx.fillStyle = INK
    ctx.font = `600 14px ${FIGURE_FONT}`
    ctx.textBaseline = 'top'
    ctx.fillText(caption, x, top)
    drawChart(ctx, x, top + CAPTION_H, run, metric, view)
  })
  return canvasToPng(canvas)
}
