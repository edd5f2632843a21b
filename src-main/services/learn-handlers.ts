/**
 * The Learn view's calls: a run's trained weights and every layer's output for one image, so
 * the renderer can compute the forward pass by hand (shared/forward.ts) beside the engine's
 * and draw feature maps and filters. Typed arrays become plain numbers here because web mode
 * carries JSON.
 */
import type { EngineClient } from '../engine/process/client'
import { LabError, type RunDetail } from '../shared/contract'
import type { LabHandlers } from './dispatch'

export type LearnHandlers = Pick<LabHandlers, 'runs/weights' | 'runs/activations'>

export interface LearnDeps {
  engine: EngineClient
  /** The run, refused when it is still training or failed. */
  finishedRun(runId: string): Promise<RunDetail>
  modelOf(runId: string): { dir: string }
}

export function createLearnHandlers({ engine, finishedRun, modelOf }: LearnDeps): LearnHandlers {
  return {
    async 'runs/weights'({ runId, layers }) {
      await finishedRun(runId)
      const result = await engine.request('model/weights', { model: modelOf(runId) })
      const wanted = layers ? new Set(layers) : undefined
      return {
        spec: result.spec,
        classNames: result.classNames,
        layers: result.layers
          .filter((l) => !wanted || wanted.has(l.index))
          .map((l) => ({ index: l.index, type: l.type, tensors: l.tensors.map((t) => ({ name: t.name, shape: t.shape, values: Array.from(t.values) })) }))
      }
    },
    async 'runs/activations'({ runId, image }) {
      const run = await finishedRun(runId)
      let images
      if (image.kind === 'dataset') {
        images = { kind: 'dataset' as const, data: run.data, split: image.split, indices: [image.index] }
      } else {
        const shape = run.model.inputShape
        const { width, height } = image.image
        if (shape.length !== 3 || shape[0] !== 1 || shape[1] !== height || shape[2] !== width) {
          throw new LabError('invalid-payload', `The image is ${width}x${height} grey but run ${runId} expects ${shape.join('x')} input.`)
        }
        images = { kind: 'pixels' as const, values: [Float32Array.from(image.image.pixels)] }
      }
      const act = await engine.request('model/activations', { model: modelOf(runId), images })
      return {
        classNames: run.classNames,
        inputShape: act.inputShape,
        input: Array.from(act.inputs),
        ...(act.labels ? { label: act.labels[0] } : {}),
        layers: act.layers.map((l) => ({ index: l.index, type: l.type, shape: l.shape, values: Array.from(l.values) }))
      }
    }
  }
}
