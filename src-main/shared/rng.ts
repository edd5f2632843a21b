/** Seeded randomness for everything that shuffles, splits or initialises: a run with a seed repeats. */

/** mulberry32: tiny, fast, and good enough for shuffles and seeds (not for cryptography). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Fisher-Yates, in place. */
export function shuffleInPlace<T extends { length: number; [i: number]: unknown }>(values: T, random: () => number): T {
  for (let i = values.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    const t = values[i]
    values[i] = values[j]
    values[j] = t
  }
  return values
}

export function range(n: number): Int32Array {
  const out = new Int32Array(n)
  for (let i = 0; i < n; i++) out[i] = i
  return out
}

export function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 31)
}

/**
 * The seed of one epoch's random streams (shuffle, augmentation, dropout), from the run's seed and
 * the epoch alone, so a run resumed or continued at epoch k draws what one longer run draws there.
 * Epoch 1 uses the run's seed itself.
 */
export function epochSeed(seed: number, epoch: number): number {
  if (epoch <= 1) return seed >>> 0
  return Math.floor(mulberry32((seed ^ Math.imul(epoch, 0x9e3779b9)) >>> 0)() * 2 ** 32) >>> 0
}
