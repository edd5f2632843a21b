/**
 * What a PyTorch export of a trained run holds, the same from the CLI and from the Runs view:
 * the weights the engine read out in PyTorch's layouts, and train.py's recipe for a
 * Fashion-MNIST run.
 */
import type { EngineResult } from '../engine/protocol'
import type { RunDetail } from '../shared/contract'
import { lossFor } from '../shared/shapes'
import type { PytorchSource } from './pytorch'

export function pytorchSourceFromRun(run: RunDetail, weights: EngineResult<'model/weights'>, convlabVersion: string): PytorchSource {
  return {
    spec: weights.spec,
    classNames: weights.classNames,
    weights: weights.layers,
    recipe: run.data.kind === 'fashion-mnist' ? { config: run.config, loss: lossFor(weights.spec) } : undefined,
    origin: `run ${run.name}, ${run.id}`,
    convlabVersion
  }
}

/** A folder name for a run's export: the run's name as typed (Unicode kept), less what file
 * systems forbid, then its id so two runs of one name do not collide. */
export function exportFolderName(run: Pick<RunDetail, 'id' | 'name'>, format: string): string {
  const name = run.name
    .replace(/[<>:"/\\|?*\u0000-\u001f\u007f]/g, '-')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^\.+/, '')
    .slice(0, 80)
  return `${name ? `${name} ` : ''}${run.id}-${format}`
}
