import type { TrainThreads } from './contract'

const SPLIT_NAMES: Record<NonNullable<TrainThreads['split']>, string> = { batch: 'batch rows', units: 'hidden units' }

/** What the threads split, as a person reads it: "hidden units", "batch rows", or nothing for one thread. */
export const splitName = (split: TrainThreads['split']): string | undefined => (split ? SPLIT_NAMES[split] : undefined)

/** "1 thread", "2 threads (hidden units)": how a run used the cores. */
export function describeThreads(t: TrainThreads): string {
  const count = `${t.count} thread${t.count === 1 ? '' : 's'}`
  const split = splitName(t.split)
  return split ? `${count} (${split})` : count
}

/**
 * Threads training may use: `asked` when given (the bench's --threads), else the run's setting
 * (`chosen`, all cores when absent) capped by CONVLAB_TRAIN_THREADS when set (which, alone, is
 * taken as it is, so tests can run more threads than cores).
 */
export function trainThreadLimit(asked: number | undefined, setting: string | undefined, cores: number, chosen?: number): number {
  if (asked !== undefined) return asked
  const value = setting?.trim() ?? ''
  if (value === '') return chosen ?? cores
  const cap = Number(value)
  if (!Number.isInteger(cap) || cap < 1) throw new Error(`CONVLAB_TRAIN_THREADS must be a whole number of threads, 1 or more, not "${value}"`)
  return Math.min(chosen ?? cap, cap)
}
