/** Figures of runs repeated over seeds, reported as mean ± standard deviation. */

export interface MeanSd {
  mean: number
  /** The sample standard deviation (n − 1), 0 for a single value. */
  sd: number
  count: number
}

export function meanSd(values: readonly number[]): MeanSd {
  const count = values.length
  if (count === 0) return { mean: Number.NaN, sd: Number.NaN, count }
  const mean = values.reduce((a, b) => a + b, 0) / count
  const sd = count < 2 ? 0 : Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (count - 1))
  return { mean, sd, count }
}

/** Whether two mean ± sd intervals overlap: their difference is then within the seeds' spread. */
export function overlaps(a: MeanSd, b: MeanSd): boolean {
  return Math.abs(a.mean - b.mean) <= a.sd + b.sd
}
