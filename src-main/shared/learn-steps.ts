/**
 * The step-by-step pieces the Learn view animates: every window of a convolution or a pooling
 * with its products, the output-size formula, and a parameter count comparison; written with the
 * same padding rules as the hand forward pass (windows.ts).
 */
import { pair, type Padding } from './layers'
import { axisPadding, padsOf, type Pads } from './windows'

export interface OutputSize {
  input: number
  kernel: number
  stride: number
  padBefore: number
  padAfter: number
  output: number
  /** The arithmetic with the numbers filled in, e.g. `floor((4 + 0 + 0 - 3) / 1) + 1 = 2`. */
  formula: string
}

/** Output length along one axis, with the formula that gives it (PyTorch's floor rule). */
export function outputSize(input: number, kernel: number, stride: number, padding: 'valid' | 'same' | number): OutputSize {
  const [padBefore, padAfter] = axisPadding(input, kernel, stride, padding)
  const span = input + padBefore + padAfter - kernel
  const output = span < 0 ? 0 : Math.floor(span / stride) + 1
  const formula = `floor((${input} + ${padBefore} + ${padAfter} - ${kernel}) / ${stride}) + 1 = ${output}`
  return { input, kernel, stride, padBefore, padAfter, output, formula }
}

/** [C][H][W] */
export type Volume = number[][][]

export interface ConvProduct {
  channel: number
  /** Position in the filter. */
  ky: number
  kx: number
  /** Position in the unpadded input; outside it for a padded cell. */
  y: number
  x: number
  padded: boolean
  input: number
  weight: number
  product: number
}

export interface ConvStep {
  filter: number
  outY: number
  outX: number
  /** Top-left corner of the window in padded coordinates. */
  top: number
  left: number
  products: ConvProduct[]
  sum: number
  bias: number
  output: number
}

export interface ConvolutionSteps {
  pads: Pads
  outH: number
  outW: number
  /** [filters][outH][outW] */
  output: Volume
  /** Filter by filter, then row by row: the order the explainer walks. */
  steps: ConvStep[]
}

/**
 * Every window of a convolution with its products, as the explainer shows them.
 * @param input [C][H][W]
 * @param filters [N][C][kh][kw], PyTorch's layout
 * @param bias N values
 */
export function convolutionSteps(
  input: Volume,
  filters: number[][][][],
  bias: number[],
  stride: number | [number, number],
  padding: Padding
): ConvolutionSteps {
  const c = input.length
  const h = input[0]?.length ?? 0
  const w = input[0]?.[0]?.length ?? 0
  const kh = filters[0]?.[0]?.length ?? 0
  const kw = filters[0]?.[0]?.[0]?.length ?? 0
  if (filters.some((f) => f.length !== c)) throw new Error(`every filter needs ${c} channels, one per input channel`)
  const [sh, sw] = pair(stride)
  const pads = padsOf(h, w, [kh, kw], [sh, sw], padding)
  const outH = Math.max(0, Math.floor((h + pads.top + pads.bottom - kh) / sh) + 1)
  const outW = Math.max(0, Math.floor((w + pads.left + pads.right - kw) / sw) + 1)
  const steps: ConvStep[] = []
  const output: Volume = filters.map(() => Array.from({ length: outH }, () => new Array<number>(outW).fill(0)))
  filters.forEach((filter, f) => {
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        const products: ConvProduct[] = []
        let sum = 0
        for (let ci = 0; ci < c; ci++) {
          for (let ky = 0; ky < kh; ky++) {
            for (let kx = 0; kx < kw; kx++) {
              const y = oy * sh + ky - pads.top
              const x = ox * sw + kx - pads.left
              const padded = y < 0 || y >= h || x < 0 || x >= w
              const value = padded ? 0 : input[ci][y][x]
              const weight = filter[ci][ky][kx]
              const product = value * weight
              sum += product
              products.push({ channel: ci, ky, kx, y, x, padded, input: value, weight, product })
            }
          }
        }
        const b = bias[f] ?? 0
        const out = sum + b
        output[f][oy][ox] = out
        steps.push({ filter: f, outY: oy, outX: ox, top: oy * sh, left: ox * sw, products, sum, bias: b, output: out })
      }
    }
  })
  return { pads, outH, outW, output, steps }
}

export interface PoolCell {
  y: number
  x: number
  padded: boolean
  value: number
}

export interface PoolStep {
  outY: number
  outX: number
  top: number
  left: number
  cells: PoolCell[]
  /** Max pooling: index in `cells` of the value kept. */
  kept?: number
  output: number
}

export interface PoolingSteps {
  pads: Pads
  outH: number
  outW: number
  output: number[][]
  steps: PoolStep[]
}

/** Every block of a pooling over one channel, with PyTorch's padding rules for explicit padding. */
export function poolSteps(
  input: number[][],
  kind: 'max' | 'avg',
  pool: number | [number, number],
  stride?: number | [number, number],
  padding: Padding = 'valid'
): PoolingSteps {
  const h = input.length
  const w = input[0]?.length ?? 0
  const [kh, kw] = pair(pool)
  const [sh, sw] = pair(stride ?? pool)
  const pads = padsOf(h, w, [kh, kw], [sh, sw], padding)
  const outH = Math.max(0, Math.floor((h + pads.top + pads.bottom - kh) / sh) + 1)
  const outW = Math.max(0, Math.floor((w + pads.left + pads.right - kw) / sw) + 1)
  const countPadding = padding !== 'same'
  const output = Array.from({ length: outH }, () => new Array<number>(outW).fill(0))
  const steps: PoolStep[] = []
  for (let oy = 0; oy < outH; oy++) {
    for (let ox = 0; ox < outW; ox++) {
      const cells: PoolCell[] = []
      for (let ky = 0; ky < kh; ky++) {
        for (let kx = 0; kx < kw; kx++) {
          const y = oy * sh + ky - pads.top
          const x = ox * sw + kx - pads.left
          const padded = y < 0 || y >= h || x < 0 || x >= w
          cells.push({ y, x, padded, value: padded ? (kind === 'max' ? -Infinity : 0) : input[y][x] })
        }
      }
      let kept: number | undefined
      let value: number
      if (kind === 'max') {
        kept = 0
        cells.forEach((cell, i) => {
          if (cell.value > cells[kept!].value) kept = i
        })
        value = cells[kept].value
      } else {
        const counted = countPadding ? cells : cells.filter((cell) => !cell.padded)
        value = counted.reduce((s, cell) => s + cell.value, 0) / counted.length
      }
      output[oy][ox] = value
      steps.push({ outY: oy, outX: ox, top: oy * sh, left: ox * sw, cells, ...(kept !== undefined ? { kept } : {}), output: value })
    }
  }
  return { pads, outH, outW, output, steps }
}

/** Weights of a Linear layer on a flattened C x H x W input, and of a conv layer doing the same job. */
export function parameterComparison(
  input: [number, number, number],
  units: number,
  conv: { filters: number; kernel: number }
): { dense: number; conv: number; ratio: number } {
  const [c, h, w] = input
  const denseParams = c * h * w * units + units
  const convParams = conv.filters * c * conv.kernel * conv.kernel + conv.filters
  return { dense: denseParams, conv: convParams, ratio: denseParams / convParams }
}
