import { formatters } from '@renderer/i18n'

/**
 * Numbers as a student reads them, in the interface language's format (read during render, so
 * they follow a switch of language): integers plain, others to a few decimals without trailing zeros.
 */
export function fmt(v: number, digits = 3): string {
  if (!Number.isFinite(v)) return v > 0 ? '∞' : v < 0 ? '−∞' : 'NaN'
  const s = formatters().upTo(v, digits)
  return /^-0(\.0*)?$/.test(s) ? '0' : s
}

/** A difference between engine and hand: tiny numbers in scientific notation, which reads the same in every language. */
export function fmtDiff(d: number): string {
  if (d === 0) return '0'
  return d < 1e-3 ? d.toExponential(1) : formatters().fixed(d, 4)
}

/** Seven significant digits, enough to see float32 agree with float64. */
export function fmtPrecise(v: number): string {
  if (v === 0) return '0'
  return Math.abs(v) < 1e-4 || Math.abs(v) >= 1e5 ? v.toExponential(6) : formatters().fixed(v, Math.max(0, 6 - Math.floor(Math.log10(Math.abs(v)))))
}

export function grid(rows: number, cols: number, fill = 0): number[][] {
  return Array.from({ length: rows }, () => new Array<number>(cols).fill(fill))
}

/** Resizes a matrix, keeping what fits and filling new cells. */
export function resized(m: number[][], rows: number, cols: number, fill = 0): number[][] {
  return Array.from({ length: rows }, (_, y) => Array.from({ length: cols }, (_, x) => m[y]?.[x] ?? fill))
}
