/**
 * The tutorial's heatmap conventions as pure functions, shared by the on-screen grid, the PNG
 * export and the CSV export so the three can never disagree.
 */
import type { ShiftResult } from '@shared/contract'

/** The tutorial's row labels, `f'{px} pixels'`: "-5 pixels" … "5 pixels". */
export const shiftLabel = (shift: number): string => `${shift} pixels`

export const HEATMAP_TITLE = 'Probability of each class for various translations'

/** The words on a heatmap and its exports: the tutorial's English, or the interface's language. */
export interface HeatmapWords {
  title: string
  shiftLabel(shift: number): string
  className(name: string): string
  /** The CSV's column names for the run, the shift, the predicted class and the true label. */
  columns: { run: string; shift: string; predicted: string; label: string }
  /** The exported figure's context: which image, its true label, what the colours measure. */
  figure: { datasetImage(split: 'train' | 'test', index: number): string; trueLabel(name: string): string; probability: string }
}

export const TUTORIAL_WORDS: HeatmapWords = {
  title: HEATMAP_TITLE,
  shiftLabel,
  className: (name) => name,
  columns: { run: 'run', shift: 'shift', predicted: 'predicted', label: 'label' },
  figure: {
    datasetImage: (split, index) => `Fashion-MNIST ${split} image ${index}`,
    trueLabel: (name) => `True label: ${name}`,
    probability: 'probability'
  }
}

/** Two decimals, as the tutorial annotates each cell. */
export const formatProbability = (p: number): string => p.toFixed(2)

/** Matplotlib's "gray" map: 0 is black, 1 is white. */
export function greyLevel(p: number): number {
  return Math.round(Math.min(1, Math.max(0, p)) * 255)
}

export function cellFill(p: number): string {
  const v = greyLevel(p)
  return `rgb(${v}, ${v}, ${v})`
}

/**
 * Dark text on light cells and light text on dark ones. The switch sits below mid-grey because
 * black on grey 0.45 keeps more contrast than white does.
 */
export function cellInk(p: number): string {
  return p >= 0.45 ? '#111418' : '#f4f6f8'
}

/** One CSV field, quoted when it holds a comma, a quote or a line break (RFC 4180). */
export function csvField(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value
}

export interface HeatmapExport {
  /** The run's name, written in a column so two runs can share one file. */
  run: string
  result: ShiftResult
}

/** One row per run and shift: the full-precision probabilities, then the predicted class. */
export function heatmapCsv(panels: HeatmapExport[], words: HeatmapWords = TUTORIAL_WORDS): string {
  const name = words.className
  const classNames = (panels[0]?.result.classNames ?? []).map(name)
  const { columns } = words
  const header = [columns.run, columns.shift, ...classNames, columns.predicted, columns.label]
  const lines = [header.map(csvField).join(',')]
  for (const { run, result } of panels) {
    const label = result.label === undefined ? '' : name(result.classNames[result.label])
    result.shifts.forEach((shift, row) => {
      const values = [run, String(shift), ...result.probabilities[row].map(String), name(result.classNames[result.predicted[row]]), label]
      lines.push(values.map(csvField).join(','))
    })
  }
  return `${lines.join('\n')}\n`
}

/** How many rows keep the unshifted image's prediction: the tutorial's point in one number. */
export function rowsKeepingPrediction(result: ShiftResult): number {
  const centre = result.shifts.indexOf(0)
  if (centre < 0) return 0
  return result.predicted.filter((c) => c === result.predicted[centre]).length
}
