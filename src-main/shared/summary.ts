/**
 * torchsummary's table, character for character, so the tutorial's printed summary can be
 * compared with the app's. The numbers are exported too, for UIs that draw their own table.
 */
import type { ModelSpec } from './layers'
import { inferShapes, type ShapeError, type ShapeReport } from './shapes'

const DASHES = '-'.repeat(64)
const EQUALS = '='.repeat(64)
/** torchsummary assumes float32 everywhere. */
const BYTES_PER_VALUE = 4
const MB = 1024 ** 2

export interface SummaryRow {
  /** e.g. `Conv2d-1`. */
  name: string
  /** With torchsummary's batch placeholder first: [-1, C, H, W] or [-1, N]. */
  outputShape: number[]
  params: number
}

export interface SummaryTotals {
  totalParams: number
  trainableParams: number
  nonTrainableParams: number
  inputSizeMB: number
  /** Every layer's output, counted twice (forward values and their gradients). */
  forwardBackwardSizeMB: number
  paramsSizeMB: number
  totalSizeMB: number
}

/** Totals only for a possible stack: torchsummary could not have run an impossible one. */
export type ModelSummary =
  | { rows: SummaryRow[]; totals: SummaryTotals; error?: undefined }
  | { rows: SummaryRow[]; totals?: undefined; error: ShapeError }

const product = (xs: readonly number[]): number => xs.reduce((a, b) => a * b, 1)

export function summarize(spec: ModelSpec, report: ShapeReport = inferShapes(spec)): ModelSummary {
  const rows = report.rows.map((r) => ({ name: r.name, outputShape: [-1, ...r.outputShape], params: r.params }))
  if (report.error) return { rows, error: report.error }
  const inputSizeMB = (product(spec.inputShape) * BYTES_PER_VALUE) / MB
  const forwardBackwardSizeMB = (2 * rows.reduce((s, r) => s + product(r.outputShape.slice(1)), 0) * BYTES_PER_VALUE) / MB
  const paramsSizeMB = (report.totals.params * BYTES_PER_VALUE) / MB
  return {
    rows,
    totals: {
      totalParams: report.totals.params,
      trainableParams: report.totals.trainableParams,
      nonTrainableParams: report.totals.nonTrainableParams,
      inputSizeMB,
      forwardBackwardSizeMB,
      paramsSizeMB,
      // torchsummary's order of addition, so float rounding matches too.
      totalSizeMB: paramsSizeMB + forwardBackwardSizeMB + inputSizeMB
    }
  }
}

/** Python's `"{0:,}".format(n)` for integers. */
export function formatThousands(n: number): string {
  const sign = n < 0 ? '-' : ''
  return sign + String(Math.abs(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',')
}

/**
 * Python's `"%0.2f" % x`. `toFixed` rounds exact halves up, Python to even; with float32 sizes
 * (multiples of 2^-18 MB) such halves are real, e.g. 32,768 params = 0.125 MB prints "0.12".
 */
export function formatFixed2(x: number): string {
  const eighths = x * 8
  // A value lies exactly halfway between two hundredths only when it is an odd number of eighths.
  if (!Number.isInteger(eighths) || Math.abs(eighths) % 2 !== 1) return x.toFixed(2)
  const hundredths = Math.floor(Math.abs(x) * 100)
  const even = hundredths % 2 === 0 ? hundredths : hundredths + 1
  return `${x < 0 ? '-' : ''}${Math.floor(even / 100)}.${String(even % 100).padStart(2, '0')}`
}

/** Python's `str(list)` of ints: `[-1, 1, 2, 2]`. */
function pyList(xs: readonly number[]): string {
  return `[${xs.join(', ')}]`
}

function row(name: string, shape: string, params: string): string {
  return `${name.padStart(20)}  ${shape.padStart(25)} ${params.padStart(15)}`
}

/** torchsummary's text, ending with a newline as its `summary_string` does. An impossible stack
 * prints its valid rows, then `Error: <message>` in place of the totals. */
export function formatSummary(spec: ModelSpec, report: ShapeReport = inferShapes(spec)): string {
  const s = summarize(spec, report)
  const lines = [DASHES, row('Layer (type)', 'Output Shape', 'Param #'), EQUALS]
  for (const r of s.rows) lines.push(row(r.name, pyList(r.outputShape), formatThousands(r.params)))
  lines.push(EQUALS)
  if (s.error) {
    lines.push(`Error: ${s.error.message}`)
  } else {
    const t = s.totals
    lines.push(
      `Total params: ${formatThousands(t.totalParams)}`,
      `Trainable params: ${formatThousands(t.trainableParams)}`,
      `Non-trainable params: ${formatThousands(t.nonTrainableParams)}`,
      DASHES,
      `Input size (MB): ${formatFixed2(t.inputSizeMB)}`,
      `Forward/backward pass size (MB): ${formatFixed2(t.forwardBackwardSizeMB)}`,
      `Params size (MB): ${formatFixed2(t.paramsSizeMB)}`,
      `Estimated Total Size (MB): ${formatFixed2(t.totalSizeMB)}`
    )
  }
  lines.push(DASHES)
  return lines.join('\n') + '\n'
}
