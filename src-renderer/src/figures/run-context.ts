/** The lines that say which run a figure is of: model, data, start date, test accuracy. */
import type { RunDetail } from '@shared/contract'
import { formatters, t } from '@renderer/i18n'
import { dataLabel, dateLabel } from '@renderer/components/runs/format'

export function runContextLines(run: RunDetail): string[] {
  const lines = [
    [t('runs.report.figure.model', { name: run.modelName }), t('runs.report.figure.data', { data: dataLabel(run.data) }), t('runs.report.figure.started', { date: dateLabel(run.createdAt) })].join(' · ')
  ]
  if (run.test) {
    lines.push(t('runs.report.figure.testAccuracy', { accuracy: formatters().percent(run.test.accuracy, 2), n: formatters().int(run.test.count) }))
  }
  return lines
}
