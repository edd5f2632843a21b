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
}

/** Exponential moving average as TensorBoard smooths, debiased so the start is not pulled to 0. */
export function smooth(points: Point[], weight: number): Point[] {
  if (weight <= 0) return points
  const out: Point[] = new Array(points.length)
  let last = 0
  for (let i = 0; i < points.length; i++) {
    last = last * weight + (1 - weight) * points[i].y
    out[i] = { x: points[i].x, y: last / (1 - weight ** (i + 1)) }
  }
  return out
}

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

/** Distinct, colour-blind-friendly hues (Okabe-Ito) readable on light and dark backgrounds. */
export const PALETTE = ['#3b82f6', '#e69f00', '#009e73', '#cc79a7', '#d55e00', '#56b4e9', '#b8a200', '#8c8c8c']
