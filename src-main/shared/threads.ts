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
