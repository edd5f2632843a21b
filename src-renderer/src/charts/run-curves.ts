/**
 * The series of a run's loss or accuracy chart: every batch raw and smoothed, every epoch's train
 * and validation value. One recipe for the live chart and the exported figure.
 */
import type { EpochRecord, ResumePoint } from '@shared/contract'
import { t } from '@renderer/i18n'
import { PALETTE, epochPoints, smoothOnAxis, type Point, type Series, type XMark } from './series'

export type CurveMetric = 'loss' | 'accuracy'

/** The legend's names of the four series, in the interface's language. */
export interface CurveLabels {
  batchRaw: string
  batchSmoothed: string
  epoch: string
  validation: string
}

export interface CurveInput {
  /** Per-batch values at their position in epochs (batchPoints). */
  batches: Point[]
  epochs: EpochRecord[]
  metric: CurveMetric
  /** The slider's weight, 0..0.99. */
  smoothing: number
  /** All planned epochs; as far as the run got when absent. */
  plannedEpochs?: number
}

const [TRAIN, EPOCH, VAL] = [PALETTE[0], PALETTE[1], PALETTE[2]]
const VALIDATION_KEY = { loss: 'valLoss', accuracy: 'valAccuracy' } as const

export function curveSeries(input: CurveInput, labels: CurveLabels): Series[] {
  const { batches, epochs, metric } = input
  const list: Series[] = []
  if (batches.length) {
    // Smoothing is relative to the x axis: all planned epochs, or as far as the run got.
    const span = input.plannedEpochs ?? batches[batches.length - 1].x
    list.push({ label: labels.batchRaw, color: TRAIN, points: batches, faint: true })
    list.push({ label: labels.batchSmoothed, color: TRAIN, points: smoothOnAxis(batches, input.smoothing, span) })
  }
  const epoch = epochPoints(epochs, metric)
  if (epoch.length) list.push({ label: labels.epoch, color: EPOCH, points: epoch, markers: true })
  const validation = epochPoints(epochs, VALIDATION_KEY[metric])
  if (validation.length) list.push({ label: labels.validation, color: VAL, points: validation, markers: true, dashed: true })
  return list
}

/** The four names in the interface's language, e.g. "batch loss, smoothed". */
export function curveLabels(metric: CurveMetric): CurveLabels {
  const what = t(`train.charts.what.${metric}`)
  return {
    batchRaw: t('train.charts.batchRaw', { what }),
    batchSmoothed: t('train.charts.batchSmoothed', { what }),
    epoch: t('train.charts.epochSeries', { what }),
    validation: t('train.charts.validationSeries', { what })
  }
}

/** How the charts are set when exported: the figure shows what the screen shows. */
export interface CurvesView {
  smoothing: number
  logLoss: boolean
}

/** Where a run was resumed or continued: the end of epoch k is x = k on the batch axis (series.ts, batchX). */
export const resumeMarks = (resumes: readonly ResumePoint[] | undefined): XMark[] =>
  (resumes ?? []).map((r) => ({ x: r.epoch, label: t(r.kind === 'resume' ? 'train.charts.resumedMark' : 'train.charts.continuedMark') }))
