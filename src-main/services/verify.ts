/**
 * The tutorial's check, for any trained stack: the engine's output of every layer beside the
 * same layer computed by hand in plain TypeScript (shared/forward.ts) from the trained weights.
 * Used by `lab verify`; the Learn view runs the same hand pass in the renderer (stores/learn.ts).
 */
import type { EngineClient } from '../engine/process/client'
import type { EngineParams } from '../engine/process/protocol'
import { compareLayer, forwardPass } from '../shared/forward'
import { describeHead, type OutputKind } from '../shared/shapes'

/** Values of a layer are listed in the report only up to this size: the toy net shows all of
 * them, a 64x26x26 feature map is summarised by its largest difference. */
export const LISTED_VALUES = 64

/** Enough images per engine call to amortise it, few enough to keep each answer small. */
const CHUNK = 20

export interface VerifiedLayer {
  index: number
  name: string
  shape: number[]
  maxDiff: number
  engine?: number[]
  hand?: number[]
}

export interface VerifiedSample {
  /** Dataset index, or the position among the given pixels. */
  index: number
  label?: number
  layers: VerifiedLayer[]
  /** The last layer's values, whatever their number: the model's answer. */
  output: { engine: number[]; hand: number[] }
  /** The class the engine's output picks, when the stack is a classifier. */
  predicted?: number
  maxDiff: number
}

export interface VerifyReport {
  model: string
  samples: VerifiedSample[]
  /** Per layer, the largest difference over all samples. */
  layers: { index: number; name: string; shape: number[]; maxDiff: number }[]
  maxDiff: number
}

export type VerifyImages = EngineParams<'model/activations'>['images']

export async function verifyModel(engine: EngineClient, modelDir: string, images: VerifyImages): Promise<VerifyReport> {
  const model = { dir: modelDir }
  const weights = await engine.request('model/weights', { model })
  const spec = weights.spec
  const head = describeHead(spec)
  const total = images.kind === 'pixels' ? images.values.length : images.indices.length
  const samples: VerifiedSample[] = []
  for (let start = 0; start < total; start += CHUNK) {
    const end = Math.min(total, start + CHUNK)
    const chunk =
      images.kind === 'pixels'
        ? { kind: 'pixels' as const, values: images.values.slice(start, end) }
        : { ...images, indices: images.indices.slice(start, end) }
    const act = await engine.request('model/activations', { model, images: chunk })
    const per = act.inputShape.reduce((a, b) => a * b, 1)
    for (let n = 0; n < end - start; n++) {
      const hand = forwardPass(spec, weights.layers, act.inputs.subarray(n * per, (n + 1) * per))
      const layers = hand.map((h, i): VerifiedLayer => {
        const size = h.output.values.length
        const engineValues = act.layers[i].values.subarray(n * size, (n + 1) * size)
        const cmp = compareLayer(h, engineValues)
        const listed = size <= LISTED_VALUES ? { engine: Array.from(engineValues), hand: Array.from(h.output.values) } : {}
        return { index: h.index, name: h.name, shape: h.output.shape, maxDiff: cmp.maxDiff, ...listed }
      })
      const output = lastOutput(hand.at(-1)?.output.values, act.layers.at(-1)?.values, n)
      samples.push({
        index: images.kind === 'pixels' ? start + n : images.indices[start + n],
        ...(act.labels ? { label: act.labels[n] } : {}),
        layers,
        output,
        ...(head.ok ? { predicted: predictedClass(head.kind, output.engine) } : {}),
        maxDiff: Math.max(0, ...layers.map((l) => l.maxDiff))
      })
    }
  }
  const layers = spec.layers.map((_, i) => {
    const first = samples[0].layers[i]
    return { index: i, name: first.name, shape: first.shape, maxDiff: Math.max(...samples.map((s) => s.layers[i].maxDiff)) }
  })
  return { model: spec.name, samples, layers, maxDiff: Math.max(0, ...layers.map((l) => l.maxDiff)) }
}

function lastOutput(hand: Float64Array | undefined, engine: Float32Array | undefined, n: number): VerifiedSample['output'] {
  if (!hand || !engine) return { engine: [], hand: [] }
  return { engine: Array.from(engine.subarray(n * hand.length, (n + 1) * hand.length)), hand: Array.from(hand) }
}

function predictedClass(kind: OutputKind, output: number[]): number {
  if (kind === 'sigmoid') return output[0] >= 0.5 ? 1 : 0
  if (kind === 'sigmoid-logits') return output[0] >= 0 ? 1 : 0
  return output.reduce((best, v, i) => (v > output[best] ? i : best), 0)
}
