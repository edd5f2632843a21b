/**
 * The shift experiment's arithmetic, free of tfjs so it can be checked by hand.
 * Images are channels first, [C, H, W], row-major.
 */

export type ShiftAxis = 'x' | 'y'
/** 'roll': what leaves one side re-enters on the other (np.roll); 'zero': vacated cells become 0. */
export type ShiftMode = 'roll' | 'zero'

/**
 * Shifts every channel of `image` by `px` along one axis. Positive px moves content right (x)
 * or down (y), as `np.roll(img, px, axis=1)` does for x on an H x W image.
 */
export function shiftImage(
  image: Float32Array,
  shape: readonly [number, number, number],
  px: number,
  axis: ShiftAxis,
  mode: ShiftMode
): Float32Array {
  const [c, h, w] = shape
  if (image.length !== c * h * w) {
    throw new Error(`image has ${image.length} values, expected ${c}x${h}x${w} = ${c * h * w}`)
  }
  const out = new Float32Array(image.length)
  for (let ch = 0; ch < c; ch++) {
    const base = ch * h * w
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        let sy = axis === 'y' ? y - px : y
        let sx = axis === 'x' ? x - px : x
        if (mode === 'roll') {
          sy = ((sy % h) + h) % h
          sx = ((sx % w) + w) % w
        } else if (sy < 0 || sy >= h || sx < 0 || sx >= w) {
          continue
        }
        out[base + y * w + x] = image[base + sy * w + sx]
      }
    }
  }
  return out
}

/** The offsets from..to inclusive. */
export function shiftRange(from: number, to: number): number[] {
  if (!Number.isInteger(from) || !Number.isInteger(to) || from > to) {
    throw new Error(`invalid shift range ${from}..${to}`)
  }
  return Array.from({ length: to - from + 1 }, (_, i) => from + i)
}

/** All shifted copies back to back, [S, C, H, W], ready for one batched predict. */
export function shiftBatch(
  image: Float32Array,
  shape: readonly [number, number, number],
  shifts: readonly number[],
  axis: ShiftAxis,
  mode: ShiftMode
): Float32Array {
  const size = image.length
  const out = new Float32Array(size * shifts.length)
  shifts.forEach((px, i) => out.set(shiftImage(image, shape, px, axis, mode), i * size))
  return out
}

export interface BatchShifts {
  /** For each value of the shifted batch, its flat index in the whole dataset. */
  index: Int32Array
  /** 1 where a value is kept, 0 where zero fill empties it; null when nothing is emptied. */
  mask: Float32Array | null
}

/**
 * Where each value of a batch of shifted images comes from: sample `ids[i]` moved by
 * (dx[i], dy[i]) px, with `shiftImage`'s conventions. One gather with this index reads the
 * shifted batch straight out of the dataset tensor, so no image is copied to shift it.
 */
export function batchShiftIndex(
  ids: ArrayLike<number>,
  shape: readonly [number, number, number],
  dx: ArrayLike<number>,
  dy: ArrayLike<number>,
  mode: ShiftMode
): BatchShifts {
  const [c, h, w] = shape
  const per = c * h * w
  const index = new Int32Array(ids.length * per)
  const mask = mode === 'zero' ? new Float32Array(ids.length * per) : null
  for (let i = 0; i < ids.length; i++) {
    const base = ids[i] * per
    const out = i * per
    for (let ch = 0; ch < c; ch++) {
      for (let y = 0; y < h; y++) {
        const sy = y - dy[i]
        const rowOut = out + (ch * h + y) * w
        for (let x = 0; x < w; x++) {
          const sx = x - dx[i]
          if (mask) {
            const inside = sy >= 0 && sy < h && sx >= 0 && sx < w
            mask[rowOut + x] = inside ? 1 : 0
            // An emptied cell still needs a valid index; its mask makes it 0.
            index[rowOut + x] = inside ? base + (ch * h + sy) * w + sx : base
          } else {
            index[rowOut + x] = base + (ch * h + (((sy % h) + h) % h)) * w + (((sx % w) + w) % w)
          }
        }
      }
    }
  }
  return { index, mask }
}

/** Per-image shifts for one batch, uniform in -max..max on each axis asked for. */
export function drawShifts(
  count: number,
  maxShift: number,
  axes: 'x' | 'y' | 'xy',
  random: () => number
): { dx: Int32Array; dy: Int32Array } {
  const dx = new Int32Array(count)
  const dy = new Int32Array(count)
  const draw = (): number => Math.floor(random() * (2 * maxShift + 1)) - maxShift
  for (let i = 0; i < count; i++) {
    if (axes !== 'y') dx[i] = draw()
    if (axes !== 'x') dy[i] = draw()
  }
  return { dx, dy }
}
