import type { Locale } from './locale'

/** Numbers, percentages and dates in a locale's own formats, through Intl. */
export interface Formatters {
  int(n: number): string
  /** `n` with exactly `digits` fraction digits: losses and other measured values. */
  fixed(n: number, digits: number): string
  /** `n` with at most `digits` fraction digits, trailing zeros dropped: values a student edits. */
  upTo(n: number, digits: number): string
  /** A fraction 0..1 as a percentage with `digits` fraction digits. */
  percent(fraction: number, digits?: number): string
  /** A large count in the locale's short form: 1.2M, 120万. */
  compact(n: number): string
  /** A large count in words: 90 million, 9000万. */
  compactWords(n: number): string
  date(value: string | number | Date): string
  /** A short date and time without the year, for lists of runs. */
  shortDate(value: string | number | Date): string
}

export function createFormatters(locale: Locale): Formatters {
  const ints = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 })
  const fixedCache = new Map<number, Intl.NumberFormat>()
  const fixedOf = (digits: number): Intl.NumberFormat => {
    let f = fixedCache.get(digits)
    if (!f) fixedCache.set(digits, (f = new Intl.NumberFormat(locale, { minimumFractionDigits: digits, maximumFractionDigits: digits })))
    return f
  }
  const upToCache = new Map<number, Intl.NumberFormat>()
  const upToOf = (digits: number): Intl.NumberFormat => {
    let f = upToCache.get(digits)
    if (!f) upToCache.set(digits, (f = new Intl.NumberFormat(locale, { maximumFractionDigits: digits })))
    return f
  }
  const dates = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' })
  const shortDates = new Intl.DateTimeFormat(locale, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false })
  const asDate = (value: string | number | Date): Date => (value instanceof Date ? value : new Date(value))
  return {
    int: (n) => ints.format(n),
    fixed: (n, digits) => fixedOf(digits).format(n),
    upTo: (n, digits) => upToOf(digits).format(n),
    percent: (fraction, digits = 1) =>
      new Intl.NumberFormat(locale, { style: 'percent', minimumFractionDigits: digits, maximumFractionDigits: digits }).format(fraction),
    compactWords: (n) => new Intl.NumberFormat(locale, { notation: 'compact', compactDisplay: 'long', maximumFractionDigits: 1 }).format(n),
    compact: (n) => new Intl.NumberFormat(locale, { notation: 'compact', maximumFractionDigits: 2 }).format(n),
    date: (value) => {
      const d = asDate(value)
      return Number.isNaN(d.getTime()) ? String(value) : dates.format(d)
    },
    shortDate: (value) => {
      const d = asDate(value)
      return Number.isNaN(d.getTime()) ? String(value) : shortDates.format(d)
    }
  }
}
