/**
 * A line chart's datasets and options from its series, shared by the live chart and the exported
 * figure so the PNG shows what the screen shows.
 */
import type { ChartDataset, ChartOptions, Plugin } from 'chart.js'
import { MARKER_HOVER_RADIUS, MARKER_RADIUS, markerRoom, showsMarkers, type Point, type Series, type XMark } from './series'

export interface LineChartLook {
  series: Series[]
  xLabel: string
  yLabel: string
  logY: boolean
  /** Accuracy in 0..1 shown as percent, written by `percentTick`. */
  percent: boolean
  percentTick(value: number): string
  xMin?: number
  xMax?: number
  /** Axis and legend text, and grid lines. */
  colors: { text: string; grid: string }
  /** Tick, title and legend font; Chart.js's default when absent. */
  font?: { family: string; size: number }
}

export function lineDatasets(series: Series[]): ChartDataset<'line', Point[]>[] {
  const room = markerRoom(series)
  return series.map((s): ChartDataset<'line', Point[]> => {
    // A copy: Chart.js patches the arrays it is given, and the stores keep pushing to theirs.
    const data = s.points.slice()
    if (s.band) {
      // Drawn first (highest order), under every line.
      return { label: s.label, data, borderWidth: 0, pointRadius: 0, pointHoverRadius: 0, backgroundColor: `${s.color}33`, fill: s.band === 'upper' ? '-1' : false, tension: 0, order: 3 }
    }
    return {
      label: s.label,
      data,
      borderColor: s.faint ? `${s.color}55` : s.color,
      backgroundColor: s.color,
      borderWidth: s.faint ? 1 : 2,
      borderDash: s.dashed ? [6, 4] : undefined,
      pointRadius: showsMarkers(s) ? MARKER_RADIUS : 0,
      pointHoverRadius: s.markers ? MARKER_HOVER_RADIUS : 3,
      // Markers on the plot's edge are drawn whole (the layout's padding leaves them room); lines keep Chart.js's clip.
      ...(showsMarkers(s) ? { clip: room } : {}),
      tension: 0,
      spanGaps: true,
      // Chart.js draws higher orders first: the few per-epoch points go on top of thousands of batches.
      order: s.faint ? 2 : s.markers ? 0 : 1
    }
  })
}

/** The options without interaction: the live chart adds its tooltip, the figure needs none. */
export function lineOptions(look: LineChartLook): ChartOptions<'line'> {
  const { text, grid } = look.colors
  const room = markerRoom(look.series)
  const font = look.font ? { font: look.font } : {}
  return {
    animation: false,
    parsing: false,
    normalized: true,
    layout: { padding: { top: room, right: room } },
    scales: {
      x: {
        type: 'linear',
        min: look.xMin ?? 0,
        ...(look.xMax ? { max: look.xMax } : {}),
        title: { display: true, text: look.xLabel, color: text, ...font },
        ticks: { color: text, precision: 0, ...font },
        grid: { color: grid }
      },
      y: {
        type: look.logY ? 'logarithmic' : 'linear',
        title: { display: true, text: look.yLabel, color: text, ...font },
        ticks: look.percent ? { color: text, callback: (v) => look.percentTick(Number(v)), ...font } : { color: text, ...font },
        grid: { color: grid },
        ...(look.percent ? { min: 0, max: 1 } : {})
      }
    },
    plugins: {
      decimation: { enabled: true, algorithm: 'lttb', samples: 800 },
      legend: {
        position: 'bottom',
        labels: {
          color: text,
          boxWidth: 14,
          boxHeight: 2,
          ...font,
          filter: (item) => !look.series[item.datasetIndex ?? 0]?.faint && !look.series[item.datasetIndex ?? 0]?.band,
          // In the series' order, not the drawing order.
          sort: (a, b) => (a.datasetIndex ?? 0) - (b.datasetIndex ?? 0)
        }
      }
    }
  }
}

/** Draws the marks over the datasets: dashed, in `color`, labelled beside the line's top (where a run was resumed). */
export function xMarksPlugin(marks: () => XMark[], color: () => string, font = '11px sans-serif'): Plugin<'line'> {
  return {
    id: 'convlabXMarks',
    afterDatasetsDraw(c) {
      const { ctx, chartArea, scales } = c
      ctx.save()
      ctx.strokeStyle = color()
      ctx.fillStyle = color()
      ctx.setLineDash([4, 3])
      ctx.lineWidth = 1
      ctx.font = font
      ctx.textBaseline = 'top'
      for (const mark of marks()) {
        const x = scales.x.getPixelForValue(mark.x)
        if (x < chartArea.left || x > chartArea.right) continue
        ctx.beginPath()
        ctx.moveTo(x, chartArea.top)
        ctx.lineTo(x, chartArea.bottom)
        ctx.stroke()
        // Right of the line unless that runs off the plot.
        const width = ctx.measureText(mark.label).width
        const right = x + 4 + width <= chartArea.right
        ctx.textAlign = right ? 'left' : 'right'
        ctx.fillText(mark.label, right ? x + 4 : x - 4, chartArea.top + 2)
      }
      ctx.restore()
    }
  }
}
