import { describe, expect, it } from 'vitest'
import * as tf from '@tensorflow/tfjs'
import { gatherShifted } from '../../src-main/engine/train/augment'
import { batchShiftIndex, drawShifts, shiftBatch, shiftImage, shiftRange } from '../../src-main/engine/shift'
import { mulberry32 } from '../../src-main/shared/rng'

// One channel, 3 rows x 4 columns:
//  1  2  3  4
//  5  6  7  8
//  9 10 11 12
const img = Float32Array.from({ length: 12 }, (_, i) => i + 1)
const shape = [1, 3, 4] as const
const grid = (a: Float32Array, w = 4): number[][] =>
  Array.from({ length: a.length / w }, (_, r) => Array.from(a.subarray(r * w, (r + 1) * w)))

describe('shiftImage', () => {
  it('rolls right along x like np.roll(img, 1, axis=1)', () => {
    expect(grid(shiftImage(img, shape, 1, 'x', 'roll'))).toEqual([
      [4, 1, 2, 3],
      [8, 5, 6, 7],
      [12, 9, 10, 11]
    ])
  })

  it('rolls left along x for negative shifts, wrapping more than the width', () => {
    expect(grid(shiftImage(img, shape, -2, 'x', 'roll'))).toEqual([
      [3, 4, 1, 2],
      [7, 8, 5, 6],
      [11, 12, 9, 10]
    ])
    expect(shiftImage(img, shape, -6, 'x', 'roll')).toEqual(shiftImage(img, shape, -2, 'x', 'roll'))
  })

  it('rolls down along y like np.roll(img, 1, axis=0)', () => {
    expect(grid(shiftImage(img, shape, 1, 'y', 'roll'))).toEqual([
      [9, 10, 11, 12],
      [1, 2, 3, 4],
      [5, 6, 7, 8]
    ])
  })

  it('fills vacated cells with zeros in zero mode', () => {
    expect(grid(shiftImage(img, shape, 2, 'x', 'zero'))).toEqual([
      [0, 0, 1, 2],
      [0, 0, 5, 6],
      [0, 0, 9, 10]
    ])
    expect(grid(shiftImage(img, shape, -1, 'y', 'zero'))).toEqual([
      [5, 6, 7, 8],
      [9, 10, 11, 12],
      [0, 0, 0, 0]
    ])
    expect(Array.from(shiftImage(img, shape, 5, 'x', 'zero'))).toEqual(new Array(12).fill(0))
  })

  it('returns a copy for shift 0 and shifts every channel alike', () => {
    const two = Float32Array.from([1, 2, 3, 4, 10, 20, 30, 40])
    expect(Array.from(shiftImage(two, [2, 2, 2], 0, 'x', 'roll'))).toEqual(Array.from(two))
    expect(Array.from(shiftImage(two, [2, 2, 2], 1, 'x', 'roll'))).toEqual([2, 1, 4, 3, 20, 10, 40, 30])
  })

  it('rejects an image of the wrong size', () => {
    expect(() => shiftImage(new Float32Array(5), shape, 1, 'x', 'roll')).toThrow(/expected 1x3x4/)
  })
})

describe('shiftRange and shiftBatch', () => {
  it('lists the offsets inclusively', () => {
    expect(shiftRange(-5, 5)).toHaveLength(11)
    expect(shiftRange(-2, 1)).toEqual([-2, -1, 0, 1])
    expect(() => shiftRange(2, 1)).toThrow()
  })

  it('stacks every shifted copy in order', () => {
    const batch = shiftBatch(img, shape, [-1, 0, 1], 'x', 'roll')
    expect(batch.length).toBe(36)
    expect(Array.from(batch.subarray(12, 24))).toEqual(Array.from(img))
    expect(Array.from(batch.subarray(24, 28))).toEqual([4, 1, 2, 3])
    expect(Array.from(batch.subarray(0, 4))).toEqual([2, 3, 4, 1])
  })
})

describe('augmentation: shifted batches read straight from the dataset', () => {
  /** Two 2-channel 3x4 images, all values distinct. */
  const data = Float32Array.from({ length: 2 * 24 }, (_, i) => i + 1)
  const shape2 = [2, 3, 4] as const
  const image = (k: number): Float32Array => data.subarray(k * 24, (k + 1) * 24)
  const byHand = (k: number, dx: number, dy: number, mode: 'roll' | 'zero'): number[] =>
    Array.from(shiftImage(shiftImage(image(k), shape2, dx, 'x', mode), shape2, dy, 'y', mode))

  it.each(['roll', 'zero'] as const)('batchShiftIndex gives what shiftImage gives on x then y (%s)', (mode) => {
    const ids = [1, 0, 1]
    const dx = [1, -2, 5]
    const dy = [-1, 2, 0]
    const { index, mask } = batchShiftIndex(ids, shape2, dx, dy, mode)
    expect(mask === null).toBe(mode === 'roll')
    const gathered = Array.from(index, (j, i) => (mask && mask[i] === 0 ? 0 : data[j]))
    ids.forEach((k, i) => expect(gathered.slice(i * 24, (i + 1) * 24)).toEqual(byHand(k, dx[i], dy[i], mode)))
  })

  it('gatherShifted applies the index to a tensor without leaking', () => {
    const x = tf.tensor(data, [2, ...shape2])
    const shifts = batchShiftIndex([0, 1], shape2, [2, 0], [0, -1], 'zero')
    const before = tf.memory().numTensors
    const out = gatherShifted(x, shifts)
    expect(out.shape).toEqual([2, 2, 3, 4])
    expect(Array.from(out.dataSync())).toEqual([...byHand(0, 2, 0, 'zero'), ...byHand(1, 0, -1, 'zero')])
    out.dispose()
    expect(tf.memory().numTensors).toBe(before)
    x.dispose()
  })

  it('drawShifts stays within -k..k, only on the axes asked for, and repeats with the seed', () => {
    const a = drawShifts(500, 3, 'x', mulberry32(1))
    expect(Math.min(...a.dx)).toBe(-3)
    expect(Math.max(...a.dx)).toBe(3)
    expect(a.dy.every((v) => v === 0)).toBe(true)
    const b = drawShifts(500, 2, 'xy', mulberry32(1))
    expect(new Set(b.dy).size).toBe(5)
    expect(drawShifts(500, 2, 'xy', mulberry32(1))).toEqual(b)
  })
})
