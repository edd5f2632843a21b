/**
 * What every data source (Fashion-MNIST, the toy set, a folder of images) turns into, and what
 * the engine trains on. Plain typed arrays so it crosses process boundaries by structured clone.
 */
import { z } from 'zod'

export const FASHION_MNIST_CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot'
] as const

/** Where the files are published; the offline app only ever names it, so the user can fetch them. */
export const FASHION_MNIST_URL = 'https://github.com/zalandoresearch/fashion-mnist/tree/master/data/fashion'

export interface Dataset {
  /** Human name, e.g. "Fashion-MNIST (train)". */
  name: string
  /** Per-sample shape, channels first: [C, H, W]. */
  shape: [number, number, number]
  /** N*C*H*W values, channels first, already scaled (Fashion-MNIST: pixel / 255). */
  images: Float32Array
  /** N class indices. */
  labels: Int32Array
  classNames: string[]
  /** Files of an image folder that could not be read as images, with why: said, never dropped silently. */
  skipped?: { file: string; reason: string }[]
}

export function datasetSize(d: Dataset): number {
  return d.labels.length
}

export const DataSource = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('fashion-mnist'),
    /** A folder the user chose; otherwise the usual places are searched. */
    dir: z.string().min(1).max(4096).optional()
  }),
  z.object({
    kind: z.literal('toy'),
    /** The tutorial's matrices as the user edited them (before the divisor); the shipped set when absent. */
    images: z.array(z.array(z.array(z.number().finite()).min(1).max(64)).min(1).max(64)).min(1).max(64).optional(),
    labels: z.array(z.number().int().min(0).max(64)).max(64).optional(),
    divisor: z.number().finite().optional()
  }),
  z.object({ kind: z.literal('folder'), dir: z.string().min(1).max(4096) })
])
export type DataSource = z.infer<typeof DataSource>

export const Split = z.enum(['train', 'test'])
export type Split = z.infer<typeof Split>
