/**
 * The name a new run gets unless the user gives one: what sets it apart from the runs beside it
 * in the Runs view, e.g. "seed-cnn · Fashion-MNIST · 2000 images · 5 ep · shifts ±3 px xy".
 * One function for the Train view, the API and the CLI, so a run is named the same however it
 * was started.
 */
import { TrainConfig, type TrainConfigInput } from './contract'
import type { DataSource } from './dataset'

/** A data source as a person names it: the folder's last part, not its whole path. */
export function dataSourceName(data: DataSource): string {
  if (data.kind === 'toy') return 'toy set'
  if (data.kind === 'folder') return `folder ${data.dir.split(/[\\/]/).filter(Boolean).pop() ?? data.dir}`
  return 'Fashion-MNIST'
}

const NamedConfig = TrainConfig.pick({ epochs: true, limit: true, augment: true })

/** What a run's default name says, before it is worded: the interface words these per language. */
export interface RunNameParts {
  model: string
  data: DataSource
  limit?: number
  epochs: number
  shifts?: { maxShift: number; axes: string; zeroFilled: boolean }
}

/** @param input the run's config as given: what it leaves out is named by its default (5 epochs). */
export function runNameParts(model: string, data: DataSource, input: Pick<TrainConfigInput, 'epochs' | 'limit' | 'augment'>): RunNameParts {
  const config = NamedConfig.parse(input)
  const a = config.augment
  return {
    model,
    data,
    ...(config.limit !== undefined ? { limit: config.limit } : {}),
    epochs: config.epochs,
    ...(a && a.maxShift > 0 ? { shifts: { maxShift: a.maxShift, axes: a.axes, zeroFilled: a.mode === 'zero' } } : {})
  }
}

export function runName(model: string, data: DataSource, input: Pick<TrainConfigInput, 'epochs' | 'limit' | 'augment'>): string {
  const p = runNameParts(model, data, input)
  const parts = [p.model, dataSourceName(p.data)]
  if (p.limit !== undefined) parts.push(`${p.limit} ${p.limit === 1 ? 'image' : 'images'}`)
  parts.push(`${p.epochs} ep`)
  if (p.shifts) parts.push(`shifts ±${p.shifts.maxShift} px ${p.shifts.axes}${p.shifts.zeroFilled ? ' zero-filled' : ''}`)
  return parts.join(' · ')
}
