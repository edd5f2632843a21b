import { stat } from 'node:fs/promises'
import { dirname, resolve, sep } from 'node:path'
import { CliError } from './cli-error'
import { BackendName } from '../shared/contract'
import type { DataSource } from '../shared/dataset'

export const BACKEND_NAMES = BackendName.options

/** parseArgs options for flags that each take a value; the value is checked by intOption and the others below. */
export function valueOptions<const K extends string>(...names: K[]): Record<K, { type: 'string' }> {
  return Object.fromEntries(names.map((name) => [name, { type: 'string' }])) as Record<K, { type: 'string' }>
}

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
  if (dataDir !== undefined) await existingFolder(dataDir, 'data-dir')
  if (value === 'fashion-mnist') return dataDir ? { kind: 'fashion-mnist', dir: dataDir } : { kind: 'fashion-mnist' }
  if (value === 'toy') return { kind: 'toy' }
  const info = await stat(value).catch((err: NodeJS.ErrnoException) => err)
  const usage = '--data must be fashion-mnist, toy or a folder of images (one sub-folder per class)'
  if (info instanceof Error) {
    const why = info.code === 'ENOENT' ? 'does not exist' : info.code === 'EACCES' ? 'cannot be read: permission denied' : `cannot be read (${info.code ?? info.message})`
    throw new CliError(`--data ${value}: the folder ${why}. ${usage}.`)
  }
  if (!info.isDirectory()) throw new CliError(`--data ${value} is a file, not a folder. ${usage}.`)
  return { kind: 'folder', dir: value }
}

/**
 * node:util's parseArgs reads `--from -5` as the option `--from` followed by the option `-5`, and
 * refuses it as ambiguous; the tutorial's shifts run from -5 to 5. A negative number right after a
 * `--name` (without its own `=value`) is joined to it as `--name=-5`, which parseArgs accepts.
 */
export function joinNegativeValues(argv: readonly string[]): string[] {
  const out: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    const next = argv[i + 1]
    if (arg.startsWith('--') && arg.length > 2 && !arg.includes('=') && next !== undefined && /^-(\d|\.\d)/.test(next)) {
      out.push(`${arg}=${next}`)
      i++
    } else {
      out.push(arg)
    }
  }
  return out
}

/** Refuses a path that is not an existing folder, naming it and what it is instead. */
export async function existingFolder(path: string, flag: string): Promise<string> {
  const info = await stat(path).catch((err: NodeJS.ErrnoException) => err)
  if (info instanceof Error) {
    const why = info.code === 'ENOENT' ? 'does not exist' : info.code === 'ENOTDIR' ? 'is inside a file, not a folder' : `cannot be read (${info.code})`
    throw new CliError(`--${flag} ${path} ${why}.`)
  }
  if (!info.isDirectory()) throw new CliError(`--${flag} ${path} is a file, not a folder.`)
  return path
}

/**
 * Where a run may be written: its own folder is created, and so are missing folders under the
 * current one (`--out runs/mlp` in a fresh clone), but not missing folders elsewhere: a path on a
 * drive that is not mounted would otherwise become an empty folder on the wrong disk.
 */
export async function runOutFolder(out: string, cwd = process.cwd()): Promise<string> {
  const abs = resolve(cwd, out)
  let existing = dirname(abs)
  for (;;) {
    const info = await stat(existing).catch((err: NodeJS.ErrnoException) => err)
    if (!(info instanceof Error)) {
      if (!info.isDirectory()) throw new CliError(`--out ${out}: ${existing} is a file, not a folder.`)
      break
    }
    if (info.code !== 'ENOENT') throw new CliError(`--out ${out}: ${existing} cannot be read (${info.code}).`)
    const up = dirname(existing)
    if (up === existing) break
    existing = up
  }
  const parent = dirname(abs)
  const base = resolve(cwd)
  const insideCwd = existing === base || existing.startsWith(base + sep)
  if (existing !== parent && !insideCwd) {
    throw new CliError(
      `--out ${out}: ${parent} does not exist. Create it first: only the run's own folder, and folders under the current one, are created, so that a drive that is not mounted is not taken for an empty folder.`
    )
  }
  return abs
}

/** "1,2,3" → [1, 2, 3]: distinct seeds, at least two, each a valid --seed. */
export function seedList(value: string | undefined): number[] | undefined {
  if (value === undefined) return undefined
  const seeds = value.split(',').map((part) => intOption(part.trim(), 'seeds', 0, 2 ** 31 - 1) ?? Number.NaN)
  if (seeds.length < 2 || new Set(seeds).size !== seeds.length) {
    throw new CliError(`--seeds takes two or more different seeds separated by commas, e.g. 1,2,3, not ${value}.`)
  }
  return seeds
}
