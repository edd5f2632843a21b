import { describe, expect, it } from 'vitest'
import { shiftBatch, shiftImage, shiftRange } from '../../src-main/engine/shift'

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
