import { describe, expect, it } from 'vitest'
import { DataError } from '../../src-main/data/errors'
import { loadToy, toyDefinition, toyFromMatrices } from '../../src-main/data/toy'

const A = [
  [1, 2, 3, 4],
  [2, 3, 4, 5],
  [5, 6, 7, 8],
  [1, 3, 4, 5]
]
const B = [
  [-1, 2, 3, -4],
  [2, -3, 4, 5],
  [-5, 6, -7, 8],
  [-1, -3, -4, -5]
]

describe('the tutorial toy set', () => {
  it('ships the tutorial matrices as integers with divisor 8 and labels 0 and 1', () => {
    expect(toyDefinition()).toMatchObject({ divisor: 8, images: [A, B], labels: [0, 1], classNames: ['0', '1'] })
  })

  it('loads as two 1x4x4 images divided by 8', () => {
    const toy = loadToy()
    expect(toy.shape).toEqual([1, 4, 4])
    expect(Array.from(toy.images)).toEqual([...A.flat(), ...B.flat()].map((v) => v / 8))
    expect(Array.from(toy.labels)).toEqual([0, 1])
    expect(toy.classNames).toEqual(['0', '1'])
  })
})

describe('toyFromMatrices', () => {
  function fails(fn: () => unknown): string {
    try {
      fn()
    } catch (err) {
      expect(err).toBeInstanceOf(DataError)
      return (err as Error).message
    }
    throw new Error('accepted')
  }

  it('builds a set from edited matrices of any size, class names defaulting to the label numbers', () => {
    const d = toyFromMatrices([[[2, 4, 6]], [[0, -2, 8]], [[1, 1, 1]]], [0, 2, 1], { divisor: 2 })
    expect(d.shape).toEqual([1, 1, 3])
    expect(Array.from(d.images)).toEqual([1, 2, 3, 0, -1, 4, 0.5, 0.5, 0.5])
    expect(d.classNames).toEqual(['0', '1', '2'])
  })

  it('rejects matrices of different sizes', () => {
    expect(fails(() => toyFromMatrices([A, [[1, 2]]], [0, 1]))).toBe('Toy image 2 is not 4x4 like image 1.')
    expect(fails(() => toyFromMatrices([[[1, 2], [3]]], [0]))).toBe('Toy image 1 is not 2x2 like image 1.')
  })

  it('rejects non-numbers, a zero divisor, label count and label range errors', () => {
    expect(fails(() => toyFromMatrices([[[1, Number.NaN]]], [0]))).toBe(
      'Toy image 1 has NaN at row 1, column 2; values must be numbers.'
    )
    expect(fails(() => toyFromMatrices([A], [0], { divisor: 0 }))).toBe('The divisor must be a non-zero number, not 0.')
    expect(fails(() => toyFromMatrices([A, B], [0]))).toBe('The toy set has 2 images but 1 labels.')
    expect(fails(() => toyFromMatrices([A], [1.5]))).toBe('Toy image 1 has label 1.5; labels must be whole numbers from 0.')
    expect(fails(() => toyFromMatrices([A], [2], { classNames: ['a', 'b'] }))).toBe(
      'Toy image 1 has label 2 but there are only 2 class names.'
    )
    expect(fails(() => toyFromMatrices([], []))).toBe('The toy set needs at least one image.')
    expect(fails(() => toyFromMatrices([[]], [0]))).toBe('Toy image 1 is empty.')
  })
})
