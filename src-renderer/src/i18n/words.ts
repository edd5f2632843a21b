/** Sentences about runs that several views show, in the interface's language. */
import type { Divergence, TrainThreads } from '@shared/contract'
import { formatters, t } from './index'

/** "2 threads (hidden units)": how a run used the cores. */
export function threadsText(threads: TrainThreads): string {
  const count = t('train.threadCount.count', threads.count)
  return threads.split ? t('train.threadCount.withSplit', { count, split: t(`train.threadCount.split.${threads.split}`) }) : count
}

/** Why a run's weights are kept but useless: its loss exploded. */
export function divergenceText(d: Divergence): string {
  const f = formatters()
  const num = (x: number): string => (Number.isFinite(x) && Math.abs(x) < 1e4 ? f.fixed(x, 2) : x.toExponential(1))
  return t('train.divergence', { first: num(d.firstLoss), peak: num(d.peakLoss), epoch: d.epoch })
}
