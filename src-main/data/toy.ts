/**
 * The tutorial's two-sample 4x4 set for the CNN checked by hand. Shipped as integer matrices plus
 * a divisor so the JSON reads like the tutorial and a UI can edit the matrices before scaling.
 */
import { z } from 'zod'
import toyJson from '../../resources/toy/toy.json'
import type { Dataset } from '../shared/dataset'
import { DataError } from './errors'

/** A single-channel image as rows of numbers, as the tutorial writes it. */
export type Matrix = number[][]

export const ToyDefinition = z.object({
  divisor: z.number(),
  images: z.array(z.array(z.array(z.number()))),
  labels: z.array(z.number()),
  classNames: z.array(z.string()).optional()
})
export type ToyDefinition = z.infer<typeof ToyDefinition>

/** Builds a [1,H,W] dataset from matrices, values divided by `divisor`; every matrix must be the same size. */
export function toyFromMatrices(
  images: Matrix[],
  labels: number[],
  opts: { divisor?: number; classNames?: string[]; name?: string } = {}
): Dataset {
  const divisor = opts.divisor ?? 1
  if (!Number.isFinite(divisor) || divisor === 0) {
    throw new DataError(`The divisor must be a non-zero number, not ${divisor}.`)
  }
  if (images.length === 0) throw new DataError('The toy set needs at least one image.')
  if (labels.length !== images.length) {
    throw new DataError(`The toy set has ${images.length} images but ${labels.length} labels.`)
  }
  const height = images[0].length
  const width = height === 0 ? 0 : images[0][0].length
  if (height === 0 || width === 0) throw new DataError('Toy image 1 is empty.')
  labels.forEach((label, n) => {
    if (!Number.isInteger(label) || label < 0) {
      throw new DataError(`Toy image ${n + 1} has label ${label}; labels must be whole numbers from 0.`)
    }
  })
  const classNames = opts.classNames ?? Array.from({ length: Math.max(...labels) + 1 }, (_, i) => String(i))
  const pixels = new Float32Array(images.length * height * width)
  images.forEach((matrix, n) => {
    if (matrix.length !== height || matrix.some((row) => row.length !== width)) {
      throw new DataError(`Toy image ${n + 1} is not ${height}x${width} like image 1.`)
    }
    matrix.forEach((row, y) =>
      row.forEach((value, x) => {
        if (!Number.isFinite(value)) {
          throw new DataError(`Toy image ${n + 1} has ${value} at row ${y + 1}, column ${x + 1}; values must be numbers.`)
        }
        pixels[(n * height + y) * width + x] = value / divisor
      })
    )
  })
  labels.forEach((label, n) => {
    if (label >= classNames.length) {
      throw new DataError(`Toy image ${n + 1} has label ${label} but there are only ${classNames.length} class names.`)
    }
  })
  return {
    name: opts.name ?? 'Toy 4x4 (tutorial)',
    shape: [1, height, width],
    images: pixels,
    labels: Int32Array.from(labels),
    classNames: [...classNames]
  }
}

/** The toy set exactly as the tutorial defines it. */
export function toyDefinition(): ToyDefinition {
  return ToyDefinition.parse(toyJson)
}

export function loadToy(): Dataset {
  const def = toyDefinition()
  return toyFromMatrices(def.images, def.labels, { divisor: def.divisor, classNames: def.classNames })
}
