/**
 * The window's exports: a trained run (Runs view), or a stack's code alone (Build view), written
 * as a PyTorch project into the data folder's exports/ (the same files as `lab export --format
 * pytorch`), replacing an earlier export of the same run or stack name. The answer names the
 * folder, so the window can show where it went.
 */
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { EngineClient } from '../engine/process/client'
import { exportFolderName, pytorchSourceFromRun, pytorchSourceFromStack, stackExportFolderName } from '../export/from-run'
import { pytorchExport, type PytorchSource } from '../export/pytorch'
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

export function createExportHandlers({ engine, dataDir, convlabVersion, finishedRun, modelOf }: ExportDeps): Pick<LabHandlers, 'runs/export' | 'stacks/export'> {
  async function write(folderName: string, source: PytorchSource): Promise<{ dir: string; files: string[] }> {
    const exportsDir = join(dataDir, 'exports')
    const dir = join(exportsDir, folderName)
    // The data folder exists (the service refuses to start without it); its exports/ is ours to make.
    await mkdir(exportsDir, { recursive: true })
    try {
      const files = await writeExportFolder(dir, pytorchExport(source), { force: true })
      return { dir, files }
    } catch (err) {
      // A stack PyTorch cannot express is refused with the layer named, as the CLI does.
      if (err instanceof ExportError) throw new LabError('data', err.message)
      throw err
    }
  }

  return {
    async 'runs/export'({ runId, format }) {
      const run = await finishedRun(runId)
      const weights = await engine.request('model/weights', { model: modelOf(runId) })
      return write(exportFolderName(run, format), pytorchSourceFromRun(run, weights, convlabVersion))
    },
    async 'stacks/export'({ spec, format }) {
      return write(stackExportFolderName(spec.name, format), pytorchSourceFromStack(spec, convlabVersion))
    }
  }
}
