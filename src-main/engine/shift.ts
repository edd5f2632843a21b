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
