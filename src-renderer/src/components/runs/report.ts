/**
 * What a run's details export for a report as text: the summary table as Markdown (the
 * torchsummary text is formatSummary's), the confusion matrix and the training curves as CSV, headed in the interface's language (the
 * torchsummary text stays torchsummary's own). Pure but for the language, so tested as text.
 */
import type { BatchRecord, EpochRecord, RunDetail } from '@shared/contract'
import type { ModelSpec } from '@shared/layers'
import { formatFixed2, formatSummary, formatThousands, summarize } from '@shared/summary'
import { fileSafeName } from '@shared/file-name'
import { csvField } from '@renderer/components/shift/heatmap'
import { currentLocale, t } from '@renderer/i18n'
import { localClassName } from '@renderer/i18n/class-names'

export type ReportKind = 'summary-text' | 'summary-markdown' | 'confusion-csv' | 'curves-csv'

/** A table cell: pipes would end the cell early, line breaks the row. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s*[\r\n]+\s*/g, ' ')
}

/** The summary as a GitHub Markdown table with torchsummary's columns and totals, under the
 * model's name and input. An impossible stack gives its valid rows and the error. */
export function summaryMarkdown(spec: ModelSpec): string {
  const s = summarize(spec)
  const lines = [
    `**${cell(spec.name)}** · ${t('runs.report.input', { shape: spec.inputShape.join('×') })}`,
    '',
    `| ${t('runs.report.layerType')} | ${t('runs.report.outputShape')} | ${t('runs.report.params')} |`,
    '| --- | --- | ---: |',
    ...s.rows.map((r) => `| ${cell(r.name)} | [${r.outputShape.join(', ')}] | ${formatThousands(r.params)} |`),
    ''
  ]
  if (s.error) {
    lines.push(t('runs.report.error', { message: cell(s.error.message) }))
  } else {
    const n = s.totals
    lines.push(
      `| ${t('runs.report.total')} | |`,
      '| --- | ---: |',
      `| ${t('runs.report.totalParams')} | ${formatThousands(n.totalParams)} |`,
      `| ${t('runs.report.trainableParams')} | ${formatThousands(n.trainableParams)} |`,
      `| ${t('runs.report.nonTrainableParams')} | ${formatThousands(n.nonTrainableParams)} |`,
      `| ${t('runs.report.inputSize')} | ${formatFixed2(n.inputSizeMB)} |`,
      `| ${t('runs.report.passSize')} | ${formatFixed2(n.forwardBackwardSizeMB)} |`,
      `| ${t('runs.report.paramsSize')} | ${formatFixed2(n.paramsSizeMB)} |`,
      `| ${t('runs.report.totalSize')} | ${formatFixed2(n.totalSizeMB)} |`
    )
  }
  return `${lines.join('\n')}\n`
}

/** The confusion matrix as CSV: one row per true class, one column per predicted class, counts. */
export function confusionCsv(confusion: readonly (readonly number[])[], classNames: readonly string[]): string {
  if (confusion.length !== classNames.length || confusion.some((row) => row.length !== classNames.length)) {
    throw new RangeError(`A ${classNames.length}-class confusion matrix needs ${classNames.length}x${classNames.length} counts.`)
  }
  const names = classNames.map((name) => localClassName(name, currentLocale()))
  const lines = [[t('runs.report.corner'), ...names].map(csvField).join(',')]
  confusion.forEach((row, actual) => lines.push([names[actual], ...row.map(String)].map(csvField).join(',')))
  return `${lines.join('\n')}\n`
}

const number = (n: number | undefined): string => (n === undefined ? '' : String(n))

/**
 * Every series of the training curves as CSV, one row per record: each batch's loss and accuracy,
 * then its epoch's row with the epoch's train and validation values. `step` counts batches from
 * the start of the run, as TensorBoard's x axis; an epoch's row has the step of its last batch.
 * Values keep full precision.
 */
export function curvesCsv(batches: readonly BatchRecord[], epochs: readonly EpochRecord[]): string {
  const perEpoch = Math.max(0, ...batches.map((b) => b.batch))
  const header = ['epoch', 'batch', 'step', 'batchLoss', 'batchAccuracy', 'epochLoss', 'epochAccuracy', 'valLoss', 'valAccuracy'] as const
  const lines = [header.map((h) => csvField(t(`runs.report.curves.${h}`))).join(',')]
  const epochNumbers = [...new Set([...batches.map((b) => b.epoch), ...epochs.map((e) => e.epoch)])].sort((a, b) => a - b)
  for (const n of epochNumbers) {
    const inEpoch = batches.filter((b) => b.epoch === n).sort((a, b) => a.batch - b.batch)
    for (const b of inEpoch) lines.push([n, b.batch, (n - 1) * perEpoch + b.batch, b.loss, b.accuracy, '', '', '', ''].map((v) => (typeof v === 'number' ? String(v) : v)).join(','))
    const e = epochs.find((r) => r.epoch === n)
    if (e) lines.push([String(n), '', perEpoch ? String(n * perEpoch) : '', '', '', number(e.loss), number(e.accuracy), number(e.valLoss), number(e.valAccuracy)].join(','))
  }
  return `${lines.join('\n')}\n`
}

/** One report file of a run: its name (the run's, made safe), content and type; none when the
 * run has no test results to tabulate. */
export function runReport(run: RunDetail, kind: ReportKind): { fileName: string; content: string; type: string } | null {
  const stem = fileSafeName(run.name, 'run')
  switch (kind) {
    case 'summary-text':
      return { fileName: `${stem}-summary.txt`, content: formatSummary(run.model), type: 'text/plain' }
    case 'summary-markdown':
      return { fileName: `${stem}-summary.md`, content: summaryMarkdown(run.model), type: 'text/markdown' }
    case 'confusion-csv':
      return run.test ? { fileName: `${stem}-confusion.csv`, content: confusionCsv(run.test.confusion, run.classNames), type: 'text/csv' } : null
    case 'curves-csv':
      return run.batches.length || run.epochs.length ? { fileName: `${stem}-curves.csv`, content: curvesCsv(run.batches, run.epochs), type: 'text/csv' } : null
  }
}
