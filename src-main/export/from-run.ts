/**
 * What a PyTorch export holds, the same from the CLI and from the window: for a trained run, the
 * weights the engine read out in PyTorch's layouts and train.py's recipe for a Fashion-MNIST run;
 * for a stack from Build, its code alone.
 */
import { fileSafeName } from '../shared/file-name'
import type { EngineResult } from '../engine/process/protocol'
import type { RunDetail } from '../shared/contract'
import type { ModelSpec } from '../shared/layers'
import { describeHead, lossFor } from '../shared/shapes'
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

/** An untrained stack's export: its code, with placeholder class names (it has seen no data). */
export function pytorchSourceFromStack(spec: ModelSpec, convlabVersion: string): PytorchSource {
  const head = describeHead(spec)
  const count = head.ok ? head.classes : 0
  return { spec, classNames: Array.from({ length: count }, (_, i) => `class ${i}`), origin: 'a layer stack, untrained', convlabVersion }
}

/** A folder name for a run's export: the run's name, then its id so two runs of one name do not collide. */
export function exportFolderName(run: Pick<RunDetail, 'id' | 'name'>, format: string): string {
  const name = fileSafeName(run.name)
  return `${name ? `${name} ` : ''}${run.id}-${format}`
}

/** A folder name for a stack's export: its model name, as saved stacks are kept by name (so a
 * stack exported again replaces its earlier export), marked as a stack beside runs' exports. */
export function stackExportFolderName(modelName: string, format: string): string {
  const name = fileSafeName(modelName)
  return name ? `stack ${name}-${format}` : `stack-${format}`
}
