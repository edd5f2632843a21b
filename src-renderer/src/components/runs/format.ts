import type { RunSummary } from '@shared/contract'
import type { DataSource } from '@shared/dataset'
import { formatters, t } from '@renderer/i18n'

/** A damaged run whose run.json cannot be read has no known data: a dash. */
export function dataLabel(d: DataSource | undefined): string {
  if (!d) return '—'
  if (d.kind === 'toy') return t('train.runLabel.toy')
  if (d.kind === 'folder') return t('train.runLabel.folder', { name: d.dir.split(/[\\/]/).filter(Boolean).pop() ?? d.dir })
  return 'Fashion-MNIST'
}

export function dateLabel(iso: string): string {
  return formatters().date(iso)
}

/** 75 s → "1 min 15 s": what a person reads faster than a number of seconds. */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds))
  if (s < 60) return t('train.duration.s', { s })
  const m = Math.floor(s / 60)
  if (m < 60) return t('train.duration.ms', { m, s: s % 60 })
  return t('train.duration.hm', { h: Math.floor(m / 60), m: m % 60 })
}

export const percent = (x: number | undefined): string => (x === undefined ? '—' : formatters().percent(x))

/**
 * What tells two runs apart where they are listed side by side: the model when the name does not
 * say it, the test accuracy and when it started ("seed-mlp · 82.0% test · Nov 28, 11:53").
 */
export function runDistinction(run: RunSummary): string {
  return [
    // Its weights are kept, so it can be picked, but nobody should mistake it for a trained model.
    ...(run.diverged ? [t('train.runLabel.diverged')] : []),
    ...(run.name.includes(run.modelName) ? [] : [run.modelName]),
    ...(run.testAccuracy === undefined ? [] : [t('train.runLabel.test', { accuracy: percent(run.testAccuracy) })]),
    formatters().shortDate(run.createdAt)
  ].join(' · ')
}
