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

/** @param input the run's config as given: what it leaves out is named by its default (5 epochs). */
export function runName(model: string, data: DataSource, input: Pick<TrainConfigInput, 'epochs' | 'limit' | 'augment'>): string {
  const config = NamedConfig.parse(input)
  const parts = [model, dataSourceName(data)]
  if (config.limit !== undefined) parts.push(`${config.limit} ${config.limit === 1 ? 'image' : 'images'}`)
  parts.push(`${config.epochs} ep`)
  const a = config.augment
  if (a && a.maxShift > 0) parts.push(`shifts ±${a.maxShift} px ${a.axes}${a.mode === 'zero' ? ' zero-filled' : ''}`)
  return parts.join(' · ')
}
