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

/**
 * How a default name says its epochs, in every language it is made in: the CLI's and the API's
 * "5 ep" (above) and the interface's train.runLabel.epochs per locale (a unit test holds them to it).
 */
export const EPOCH_LABEL_UNITS = [' ep', ' 个迭代周期'] as const

const epochSegment = new RegExp(`(^| · )\\d+(${EPOCH_LABEL_UNITS.join('|')})(?= · |$)`, 'g')

/**
 * A default name with its epoch count changed to `epochs`, when it has exactly one epoch part
 * ("seed-cnn · Fashion-MNIST · 1 ep" → "… · 3 ep" after a continue); undefined when it has none or
 * several, as a name the user wrote may. The words around the number stay in their language.
 */
export function nameWithEpochs(name: string, epochs: number): string | undefined {
  const found = name.match(epochSegment)
  if (found?.length !== 1) return undefined
  return name.replace(epochSegment, (_, before: string, unit: string) => `${before}${epochs}${unit}`)
}
