/**
 * The first layer with weights sees only data, so the gradient with respect to its input is
 * never needed. tfjs's Conv2D and Dense layers call fused ops whose custom gradient computes
 * every input's gradient at once, so that one is computed anyway: for seed-cnn a whole
 * Conv2DBackpropInput per step (8.5 ms of 157 on wasm), for seed-mlp a third of the backward
 * GEMMs. For that layer the forward pass is made of unfused ops instead, whose gradients tfjs
 * computes only when something needs them; it costs one bias add. The layer is patched on the
 * instance, so it still saves, loads and reports as a plain Conv2D or Dense.
 */
import * as tf from '@tensorflow/tfjs'

export type FusableActivation = 'linear' | 'relu' | 'sigmoid' | 'tanh' | 'softmax'

const ACTIVATE: Record<FusableActivation, (t: tf.Tensor) => tf.Tensor> = {
  linear: (t) => t,
  relu: (t) => tf.relu(t),
  sigmoid: (t) => tf.sigmoid(t),
  tanh: (t) => tf.tanh(t),
  softmax: (t) => tf.softmax(t)
}

export type InputLayerOp = { kind: 'dense' } | { kind: 'conv2d'; strides: [number, number]; padding: 'same' | 'valid' }

export function skipInputGradient(layer: tf.layers.Layer, op: InputLayerOp, activation: FusableActivation): void {
  const fused = layer.call.bind(layer)
  layer.call = (inputs, kwargs) => {
    const x = Array.isArray(inputs) ? inputs[0] : inputs
    if (op.kind === 'dense' ? x.rank !== 2 : x.rank !== 4) return fused(inputs, kwargs)
    return tf.tidy(() => {
      const [kernel, bias] = layer.weights.map((w) => w.read())
      let y = op.kind === 'dense' ? tf.matMul(x, kernel) : tf.conv2d(x as tf.Tensor4D, kernel as tf.Tensor4D, op.strides, op.padding)
      if (bias) y = tf.add(y, bias)
      return ACTIVATE[activation](y)
    })
  }
}
