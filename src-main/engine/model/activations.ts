/**
 * Every spec layer's output for a batch of images, channels first, as the hand-computed
 * forward pass and the feature-map views read them. The tfjs graph has more layers than the
 * spec (the NCHW<->NHWC transposes, explicit padding, a separate LeakyReLU after a fused one);
 * build-model.ts names all of them `l<index>_...`, so the spec layer's output is that of the
 * last tfjs layer carrying its prefix.
 */
import * as tf from '@tensorflow/tfjs'
import type { LayerType } from '../../shared/layers'
import { inputTensor, sampleSize } from '../inference'
import type { LoadedModel } from './model-io'

export interface LayerActivation {
  /** 0-based position in spec.layers. */
  index: number
  type: LayerType
  /** Per sample, channels first: [C, H, W] or [N]. */
  shape: number[]
  /** count x shape values, sample after sample. */
  values: Float32Array
}

/** Sub-models that expose every spec layer; they share the loaded model's weights. */
const probes = new WeakMap<tf.LayersModel, tf.LayersModel>()

/** The tfjs layer whose output is spec layer `index`'s output. */
function lastLayerOf(model: tf.LayersModel, index: number): tf.layers.Layer {
  const prefix = `l${index}_`
  const matching = model.layers.filter((l) => l.name.startsWith(prefix))
  const last = matching.at(-1)
  if (!last) throw new Error(`The saved model has no layer for spec layer ${index + 1} (${prefix}*)`)
  return last
}

function probeOf(loaded: LoadedModel): tf.LayersModel {
  const cached = probes.get(loaded.model)
  if (cached) return cached
  const outputs = loaded.meta.spec.layers.map((_, i) => lastLayerOf(loaded.model, i).output as tf.SymbolicTensor)
  // Not disposed on its own: disposing it would dispose the layers it shares with the model.
  const probe = tf.model({ inputs: loaded.model.inputs, outputs })
  probes.set(loaded.model, probe)
  return probe
}

/**
 * @param images `count` samples of spec.inputShape, channels first
 */
export async function layerActivations(loaded: LoadedModel, images: Float32Array, count: number): Promise<LayerActivation[]> {
  const { spec } = loaded.meta
  if (spec.layers.length === 0) return []
  const per = sampleSize(spec.inputShape)
  if (images.length !== count * per) {
    throw new Error(`Expected ${count} images of ${spec.inputShape.join('x')} (${count * per} values), got ${images.length} values`)
  }
  const probe = probeOf(loaded)
  const tensors = tf.tidy(() => {
    const out = probe.predict(inputTensor(images, count, spec.inputShape))
    return (Array.isArray(out) ? out : [out]).map((t) => (t.rank === 4 ? tf.transpose(t, [0, 3, 1, 2]) : t.clone()))
  })
  try {
    const values = await Promise.all(tensors.map((t) => t.data() as Promise<Float32Array>))
    return spec.layers.map((layer, i) => ({ index: i, type: layer.type, shape: tensors[i].shape.slice(1), values: values[i] }))
  } finally {
    tf.dispose(tensors)
  }
}
