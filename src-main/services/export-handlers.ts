/**
 * The Runs view's export: a trained run written as a PyTorch project into the data folder's
 * exports/ (the same files as `lab export --format pytorch`), replacing an earlier export of the
 * same run. The answer names the folder, so the window can show where it went.
 */
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { EngineClient } from '../engine/client'
import { exportFolderName, pytorchSourceFromRun } from '../export/from-run'
import { pytorchExport } from '../export/pytorch'
import { ExportError } from '../export/torch-modules'
import { writeExportFolder } from '../export/write-export'
import { LabError, type RunDetail } from '../shared/contract'
import type { LabHandlers } from './dispatch'

export interface ExportDeps {
  engine: EngineClient
  dataDir: string
  convlabVersion: string
  finishedRun(runId: string): Promise<RunDetail>
  modelOf(runId: string): { dir: string }
}

export function createExportHandlers({ engine, dataDir, convlabVersion, finishedRun, modelOf }: ExportDeps): Pick<LabHandlers, 'runs/export'> {
  return {
    async 'runs/export'({ runId, format }) {
      const run = await finishedRun(runId)
      const weights = await engine.request('model/weights', { model: modelOf(runId) })
      const exportsDir = join(dataDir, 'exports')
      const dir = join(exportsDir, exportFolderName(run, format))
      // The data folder exists (the service refuses to start without it); its exports/ is ours to make.
      await mkdir(exportsDir, { recursive: true })
      try {
        const files = await writeExportFolder(dir, pytorchExport(pytorchSourceFromRun(run, weights, convlabVersion)), { force: true })
        return { dir, files }
      } catch (err) {
        if (err instanceof ExportError) throw new LabError('data', err.message)
        throw err
      }
    }
  }
}
