/**
 * Whether a run's training diverged: its loss exploded instead of falling. NaN stops training in
 * the engine, but a loss can grow huge and stay finite (Adam at lr 10 reached 4.2e13 and was
 * saved as "completed"), so the history is judged after the fact, on every run read.
 */
import type { BatchRecord, Divergence, EpochRecord } from './contract'

/**
 * A loss this many times the first batch's is an explosion, not noise: an untrained classifier
 * starts near ln(classes), and an epoch's mean loss does not grow a hundredfold while it learns.
 */
export const DIVERGENCE_FACTOR = 100
/**
 * Below this a loss is still small in absolute terms (10 nats puts e^-10 on the right class), so a
 * run that starts near 0 (the toy set once fitted) and wobbles is not flagged.
 */
export const DIVERGENCE_MIN_LOSS = 10

/**
 * The first batch's loss against the worst epoch mean (the batches, when no epoch finished). A
 * single bad batch inside an epoch that recovers does not count: epoch means smooth it away.
 */
export function divergenceOf(epochs: readonly EpochRecord[], batches: readonly BatchRecord[]): Divergence | undefined {
  const first = batches[0]?.loss ?? epochs[0]?.loss
  if (first === undefined || !(first > 0)) return undefined
  const candidates = epochs.length ? epochs.map((e) => ({ loss: e.loss, epoch: e.epoch })) : batches.map((b) => ({ loss: b.loss, epoch: b.epoch }))
  let peak = candidates[0]
  for (const c of candidates) {
    if (!Number.isFinite(peak.loss)) break
    if (!Number.isFinite(c.loss) || c.loss > peak.loss) peak = c
  }
  // A non-finite mean (NaN, Infinity) is as diverged as a loss can be.
  const exploded = !Number.isFinite(peak.loss) || (peak.loss >= first * DIVERGENCE_FACTOR && peak.loss >= DIVERGENCE_MIN_LOSS)
  return exploded ? { firstLoss: first, peakLoss: peak.loss, epoch: peak.epoch } : undefined
}

/** "the loss rose from 2.31 to 4.2e+13 (epoch 3)": for the CLI and the Runs view alike. */
export function describeDivergence(d: Divergence): string {
  const fmt = (x: number): string => (Number.isFinite(x) && Math.abs(x) < 1e4 ? x.toFixed(2) : x.toExponential(1))
  return `the loss rose from ${fmt(d.firstLoss)} to ${fmt(d.peakLoss)} (epoch ${d.epoch}); the weights are kept but did not learn`
}
