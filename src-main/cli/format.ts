/** Text renderings for the terminal: pure functions so they are tested without a terminal. */

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--'
  const s = Math.round(seconds)
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  const sec = s % 60
  const mm = String(m).padStart(2, '0')
  const ss = String(sec).padStart(2, '0')
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`
}

export interface ProgressLine {
  epoch: number
  epochs: number
  batch: number
  batchesPerEpoch: number
  loss: number
  accuracy: number
  imagesPerSec: number
  etaSeconds: number
}

/** One terminal line: `epoch 2/5 [#####-----] 50% loss 0.4312 acc 84.1% 812 img/s ETA 01:23`. */
export function formatProgress(p: ProgressLine, width = 24): string {
  const done = p.batchesPerEpoch > 0 ? Math.min(1, (p.batch + 1) / p.batchesPerEpoch) : 0
  const filled = Math.round(done * width)
  const bar = '#'.repeat(filled) + '-'.repeat(width - filled)
  return (
    `epoch ${p.epoch}/${p.epochs} [${bar}] ${String(Math.round(done * 100)).padStart(3)}% ` +
    `loss ${p.loss.toFixed(4)} acc ${(p.accuracy * 100).toFixed(1)}% ` +
    `${Math.round(p.imagesPerSec)} img/s ETA ${formatDuration(p.etaSeconds)}`
  )
}

export function percent(x: number): string {
  return `${(x * 100).toFixed(2)}%`
}

/** A text table with right-aligned columns after the first. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)))
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n')
}

/**
 * The tutorial's heatmap as text: one row per shift ("-5 pixels"), one column per class, two
 * decimals, and the row's predicted class marked with '*'.
 */
export function formatShiftTable(shifts: number[], classNames: string[], probabilities: number[][], predicted: number[]): string {
  const header = ['shift', ...classNames]
  const rows = shifts.map((s, r) => [
    `${s} pixels`,
    ...probabilities[r].map((p, c) => (c === predicted[r] ? '*' : '') + p.toFixed(2))
  ])
  return formatTable(header, rows)
}

/** confusion[actual][predicted] with class names down the side. */
export function formatConfusion(classNames: string[], confusion: number[][]): string {
  const header = ['actual \\ predicted', ...classNames.map((_, i) => String(i))]
  const rows = confusion.map((row, i) => [`${i} ${classNames[i] ?? ''}`, ...row.map(String)])
  return formatTable(header, rows)
}
