/** Plain data for line charts, shared by the Train and Runs views. */
import type { BatchRecord, EpochRecord } from '@shared/contract'

/** x is a number (the epoch, fractional within one) so the decimation plugin can work on it. */
export interface Point {
  x: number
  y: number
}

export interface Series {
  label: string
  color: string
  points: Point[]
  /** Raw batch values are drawn thin and faint under their smoothed line. */
  faint?: boolean
  dashed?: boolean
  /** Per-epoch values get markers; thousands of batch points do not. */
  markers?: boolean
  /**
   * One edge of a ±sd band around a group's mean: no line, no legend entry, no tooltip; an
   * 'upper' edge is filled down to the series just before it, which must be its 'lower' edge.
   */
  band?: 'lower' | 'upper'
}

/**
 * Exponential moving average over x rather than over points, debiased as TensorBoard's so the
 * start is not pulled towards 0: a value keeps `weight` of its say per `unit` of x. Per point, as
 * TensorBoard smooths, its default of 0.6 leaves the 1,688 batches of a Fashion-MNIST epoch
 * almost raw, while a live curve with a few points per epoch is smoothed far more; by x, the
 * live and the finished curve look alike whatever their density.
 */
export function smooth(points: Point[], weight: number, unit: number): Point[] {
  if (weight <= 0 || points.length < 2 || !(unit > 0)) return points
  const out = new Array<Point>(points.length)
  let sum = 0
  let norm = 0
  for (let i = 0; i < points.length; i++) {
    const dx = i === 0 ? points[1].x - points[0].x : points[i].x - points[i - 1].x
    const keep = weight ** (Math.max(0, dx) / unit)
    sum = sum * keep + (1 - keep) * points[i].y
    norm = norm * keep + (1 - keep)
    out[i] = { x: points[i].x, y: norm > 0 ? sum / norm : points[i].y }
  }
  return out
}

/** smooth() as the charts' slider means it: `weight` kept per 1% of an axis `span` long. */
export const smoothOnAxis = (points: Point[], weight: number, span: number): Point[] => smooth(points, weight, span / 100)

/** A batch's position in epochs: batch 50 of 100 in epoch 2 sits at 1.5. */
export const batchX = (epoch: number, batch: number, batchesPerEpoch: number): number =>
  epoch - 1 + batch / Math.max(1, batchesPerEpoch)

/** Batch records carry no batches-per-epoch; the largest batch number seen in an epoch is it. */
export function batchPoints(batches: BatchRecord[], key: 'loss' | 'accuracy'): Point[] {
  const perEpoch = new Map<number, number>()
  for (const b of batches) perEpoch.set(b.epoch, Math.max(perEpoch.get(b.epoch) ?? 0, b.batch))
  const full = Math.max(0, ...perEpoch.values())
  return batches.map((b) => ({ x: batchX(b.epoch, b.batch, full), y: b[key] }))
}

export function epochPoints(epochs: EpochRecord[], key: 'loss' | 'accuracy' | 'valLoss' | 'valAccuracy'): Point[] {
  return epochs.flatMap((e) => {
    const y = e[key]
    return y === undefined ? [] : [{ x: e.epoch, y }]
  })
}

/** A per-epoch marker's radius, and its radius under the pointer, in CSS pixels. */
export const MARKER_RADIUS = 3
export const MARKER_HOVER_RADIUS = 5
/** Chart.js's default point border, drawn outside the radius. */
const MARKER_BORDER = 1
/** Markers are left out beyond this many points: on a hundred they merge into a thick smear. */
export const MAX_MARKED_POINTS = 40

export const showsMarkers = (s: Series): boolean => s.markers === true && s.points.length <= MAX_MARKED_POINTS

/**
 * How far a chart's drawing must reach past its plot area so no marker is cut in half. A point on
 * the axis' end (the last epoch at the right, 100% accuracy at the top) is centred on the plot's
 * edge, where Chart.js clips by default: a one-epoch run showed half markers (#18, item 8).
 */
export const markerRoom = (series: Series[]): number => (series.some(showsMarkers) ? MARKER_HOVER_RADIUS + MARKER_BORDER : 0)

/** Distinct, colour-blind-friendly hues (Okabe-Ito) readable on light and dark backgrounds. */
export const PALETTE = ['#3b82f6', '#e69f00', '#009e73', '#cc79a7', '#d55e00', '#56b4e9', '#b8a200', '#8c8c8c']

/** The colour of the `i`th run or series, the palette repeating past its end. */
export const seriesColor = (i: number): string => PALETTE[i % PALETTE.length]

/** A vertical line across a chart at `x`, labelled at its top: where a run was resumed or continued. */
export interface XMark {
  x: number
  label: string
}
