import type { RunSummary } from '@shared/contract'
import type { DataSource } from '@shared/dataset'

export function dataLabel(d: DataSource): string {
  if (d.kind === 'toy') return 'toy set'
  if (d.kind === 'folder') return `folder ${d.dir.split(/[\\/]/).filter(Boolean).pop() ?? d.dir}`
  return 'Fashion-MNIST'
}

export function dateLabel(iso: string): string {
  const d = new Date(iso)
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })
}

export const percent = (x: number | undefined): string => (x === undefined ? '—' : `${(x * 100).toFixed(1)}%`)

/**
 * What tells two runs apart where they are listed side by side: the model when the name does not
 * say it, the test accuracy and when it started ("seed-mlp · 82.0% test · Nov 28, 11:53").
 */
export function runDistinction(run: RunSummary): string {
  const date = new Date(run.createdAt).toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false })
  return [
    ...(run.name.includes(run.modelName) ? [] : [run.modelName]),
    ...(run.testAccuracy === undefined ? [] : [`${percent(run.testAccuracy)} test`]),
    date
  ].join(' · ')
}
