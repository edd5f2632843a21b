import { stat } from 'node:fs/promises'
import { CliError } from './cli-error'
import { BackendName } from '../shared/contract'
import type { DataSource } from '../shared/dataset'

export const BACKEND_NAMES = BackendName.options

export function intOption(value: string | undefined, name: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new CliError(`--${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}.`)
  }
  return n
}

export function floatOption(value: string | undefined, name: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!Number.isFinite(n) || n < min || n > max) {
    throw new CliError(`--${name} must be a number from ${min} to ${max}, got ${JSON.stringify(value)}.`)
  }
  return n
}

export function choiceOption<T extends string>(value: string | undefined, name: string, choices: readonly T[]): T | undefined {
  if (value === undefined) return undefined
  if (!(choices as readonly string[]).includes(value)) {
    throw new CliError(`--${name} must be one of ${choices.join(', ')}, got ${JSON.stringify(value)}.`)
  }
  return value as T
}

export function required<T>(value: T | undefined, name: string, hint: string): T {
  if (value === undefined) throw new CliError(`--${name} is required (${hint}).`)
  return value
}

/** `fashion-mnist`, `toy`, or a folder of images with one sub-folder per class. */
export async function parseDataOption(value: string, dataDir?: string): Promise<DataSource> {
  if (value === 'fashion-mnist') return dataDir ? { kind: 'fashion-mnist', dir: dataDir } : { kind: 'fashion-mnist' }
  if (value === 'toy') return { kind: 'toy' }
  const info = await stat(value).catch(() => undefined)
  if (!info?.isDirectory()) {
    throw new CliError(`--data must be fashion-mnist, toy or a folder of images (one sub-folder per class); ${JSON.stringify(value)} is none of these.`)
  }
  return { kind: 'folder', dir: value }
}
