/**
 * What a run's details export for a report: the summary table as Markdown (the torchsummary text
 * is formatSummary's) and the confusion matrix as CSV, headed in the interface's language (the
 * torchsummary text stays torchsummary's own). Pure but for the language, so tested as text.
 */
import type { RunDetail } from '@shared/contract'
import type { ModelSpec } from '@shared/layers'
import { formatFixed2, formatSummary, formatThousands, summarize } from '@shared/summary'
import { fileSafeName } from '@shared/file-name'
import { csvField } from '@renderer/components/shift/heatmap'
import { currentLocale, t } from '@renderer/i18n'
import { localClassName } from '@renderer/i18n/class-names'

export type ReportKind = 'summary-text' | 'summary-markdown' | 'confusion-csv'

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
  }
}
