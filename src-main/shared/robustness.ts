/**
 * Translation robustness over a dataset (issue 6, after Zhang 2019), as plain arithmetic on
 * predicted classes so it can be checked by hand: accuracy at each shift, and consistency, the
 * share of images whose predicted class at a shift is the one predicted unshifted (right or
 * wrong). Free of tfjs: the CLI, the Study view and the tests read the same numbers.
 */

export interface ShiftOffset {
  /** Pixels right (negative: left). */
  dx: number
  /** Pixels down (negative: up). */
  dy: number
}

export interface ShiftPoint extends ShiftOffset {
  accuracy: number
  consistency: number
}

export interface RobustnessSummary {
  accuracyAt0: number
  /** The lowest accuracy along the x and y curves. */
  worstAccuracy: number
  /** Consistency averaged over every non-zero shift of the x and y curves. */
  meanConsistency: number
}

export interface RobustnessCurves {
  /** dx = -max..max with dy = 0. */
  x: ShiftPoint[]
  /** dy = -max..max with dx = 0. */
  y: ShiftPoint[]
  /** Every (dx, dy) in -max..max, row by row (dy outer), when asked for. */
  grid?: ShiftPoint[]
  summary: RobustnessSummary
}

export function accuracyOf(predicted: ArrayLike<number>, labels: ArrayLike<number>): number {
  if (predicted.length !== labels.length) throw new Error(`${predicted.length} predictions for ${labels.length} labels`)
  if (predicted.length === 0) return 0
  let right = 0
  for (let i = 0; i < predicted.length; i++) if (predicted[i] === labels[i]) right++
  return right / predicted.length
}

/** The share of images predicted as they were unshifted: accuracy against the model's own answers. */
export function consistencyOf(predicted: ArrayLike<number>, unshifted: ArrayLike<number>): number {
  return accuracyOf(predicted, unshifted)
}

/** The distinct offsets to evaluate, (0, 0) first since every consistency refers to it. */
export function shiftOffsets(max: number, grid: boolean): ShiftOffset[] {
  if (!Number.isInteger(max) || max < 0) throw new Error(`invalid maximum shift ${max}`)
  const out: ShiftOffset[] = [{ dx: 0, dy: 0 }]
  for (let dy = -max; dy <= max; dy++) {
    for (let dx = -max; dx <= max; dx++) {
      if (dx === 0 && dy === 0) continue
      if (grid || dx === 0 || dy === 0) out.push({ dx, dy })
    }
  }
  return out
}

const key = (o: ShiftOffset): string => `${o.dx},${o.dy}`

/**
 * The curves from the predictions at each offset of `shiftOffsets(max, grid)`.
 * @param predictions one array of predicted classes per offset, in the same order as `offsets`
 */
export function robustnessCurves(
  offsets: readonly ShiftOffset[],
  predictions: readonly ArrayLike<number>[],
  labels: ArrayLike<number>,
  max: number,
  grid: boolean
): RobustnessCurves {
  if (offsets.length !== predictions.length) throw new Error(`${predictions.length} predictions for ${offsets.length} offsets`)
  const byOffset = new Map(offsets.map((o, i) => [key(o), predictions[i]]))
  const unshifted = byOffset.get('0,0')
  if (!unshifted) throw new Error('no predictions for the unshifted images')
  const point = (dx: number, dy: number): ShiftPoint => {
    const p = byOffset.get(key({ dx, dy }))
    if (!p) throw new Error(`no predictions for shift (${dx}, ${dy})`)
    return { dx, dy, accuracy: accuracyOf(p, labels), consistency: consistencyOf(p, unshifted) }
  }
  const along = Array.from({ length: 2 * max + 1 }, (_, i) => i - max)
  const x = along.map((dx) => point(dx, 0))
  const y = along.map((dy) => point(0, dy))
  const moved = [...x, ...y].filter((p) => p.dx !== 0 || p.dy !== 0)
  const summary: RobustnessSummary = {
    accuracyAt0: x[max].accuracy,
    worstAccuracy: Math.min(...x.map((p) => p.accuracy), ...y.map((p) => p.accuracy)),
    meanConsistency: moved.length ? moved.reduce((s, p) => s + p.consistency, 0) / moved.length : 1
  }
  return { x, y, ...(grid ? { grid: along.flatMap((dy) => along.map((dx) => point(dx, dy))) } : {}), summary }
}
