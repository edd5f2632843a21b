import type { RunSummary } from '@shared/contract'
import type { DataSource } from '@shared/dataset'
import { dataSourceName } from '@shared/run-name'

/** A damaged run whose run.json cannot be read has no known data: a dash. */
export function dataLabel(d: DataSource | undefined): string {
  return d ? dataSourceName(d) : '—'
}

export function dateLabel(iso: string): string {
  const d = new Date(iso)
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })
}

/** 75 s → "1 min 15 s": what a person reads faster than a number of seconds. */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds))
  if (s < 60) return `${s} s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m} min ${s % 60} s`
  return `${Math.floor(m / 60)} h ${m % 60} min`
}

export const percent = (x: number | undefined): string => (x === undefined ? '—' : `${(x * 100).toFixed(1)}%`)

/**
 * What tells two runs apart where they are listed side by side: the model when the name does not
 * say it, the test accuracy and when it started ("seed-mlp · 82.0% test · Nov 28, 11:53").
 */
export function runDistinction(run: RunSummary): string {
  const date = new Date(run.createdAt).toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false })
  return [
    // Its weights are kept, so it can be picked, but nobody should mistake it for a trained model.
    ...(run.diverged ? ['diverged'] : []),
    ...(run.name.includes(run.modelName) ? [] : [run.modelName]),
    ...(run.testAccuracy === undefined ? [] : [`${percent(run.testAccuracy)} test`]),
    date
  ].join(' · ')
}
