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
