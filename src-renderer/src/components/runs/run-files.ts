/**
 * The files a run's details offer for a report, text and pictures, and saving one: named after
 * the run, made from the details already loaded so they download at once.
 */
import type { RunDetail } from '@shared/contract'
import { fileSafeName } from '@shared/file-name'
import type { CurvesView } from '@renderer/charts/run-curves'
import { confusionToPng } from '@renderer/figures/confusion-png'
import { curvesToPng } from '@renderer/figures/curves-png'
import { downloadBlob } from '@renderer/components/shift/download'
import { describeError, request as ask } from '@renderer/api/client'
import { t } from '@renderer/i18n'
import { useNoticeStore } from '@renderer/stores/notices'
import { runReport, type ReportKind } from './report'

export type RunFileRequest = { kind: ReportKind } | { kind: 'curves-png'; view: CurvesView } | { kind: 'confusion-png' }

/** The file's name and content; none when the run has nothing of that kind (no test results, no history). */
export async function runFile(run: RunDetail, request: RunFileRequest): Promise<{ fileName: string; blob: Blob } | null> {
  const stem = fileSafeName(run.name, 'run')
  switch (request.kind) {
    case 'curves-png':
      return run.batches.length || run.epochs.length ? { fileName: `${stem}-curves.png`, blob: await curvesToPng(run, request.view) } : null
    case 'confusion-png':
      return run.test ? { fileName: `${stem}-confusion.png`, blob: await confusionToPng(run) } : null
    default: {
      const file = runReport(run, request.kind)
      return file && { fileName: file.fileName, blob: new Blob([file.content], { type: file.type }) }
    }
  }
}

/** Downloads the file; a figure the browser cannot draw is said in a notice. */
export async function saveRunFile(run: RunDetail, request: RunFileRequest): Promise<void> {
  try {
    const file = await runFile(run, request)
    if (file) downloadBlob(file.blob, file.fileName)
  } catch (err) {
    useNoticeStore().push('error', t('runs.detail.fileFailed', { error: describeError(err) }))
  }
}

/** The same for a run known by its id, as Train knows the run it just finished: its details as saved. */
export async function saveRunFileById(runId: string, request: RunFileRequest): Promise<void> {
  try {
    await saveRunFile(await ask('runs/get', { runId }), request)
  } catch (err) {
    useNoticeStore().push('error', t('runs.detail.fileFailed', { error: describeError(err) }))
  }
}
