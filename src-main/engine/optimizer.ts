/**
 * The optimizers training uses. On wasm, Adam runs as one kernel per variable (kernels.c's
 * adam_step) instead of tfjs's dozen element-wise ops, each a full pass over the parameters:
 * for seed-cnn about 6 ms of a 100 ms step. It performs tfjs's float32 operations in tfjs's order,
 * so it gives the same weights.
 */
import * as tf from '@tensorflow/tfjs'
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm'
import type { TrainConfig } from '../shared/contract'
import { heapOffset, nativeKernels, type AdamConstants } from './wasm/native-kernels'

const ADAM_KERNEL = 'ConvLabAdamStep'

const adamStepWasm: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { value, m, v, g } = inputs as Record<'value' | 'm' | 'v' | 'g', tf.TensorInfo>
  const wasm = backend as BackendWasm
  const native = nativeKernels(wasm)
  if (!native) throw new Error('ConvLab wasm kernels are not loaded')
  const [valueOut, mOut, vOut] = [0, 1, 2].map(() => wasm.makeOutput(value.shape, 'float32'))
  const at = (t: tf.TensorInfo): number => heapOffset(wasm, t)
  const size = value.shape.reduce((p, d) => p * d, 1)
  if (size > 0) {
    native.adamStep(
      { value: at(value), m: at(m), v: at(v), g: at(g), valueOut: at(valueOut), mOut: at(mOut), vOut: at(vOut) },
      size,
      attrs as unknown as AdamConstants
    )
  }
  return [valueOut, mOut, vOut]
}

let registered = false
function registerAdamKernel(): void {
  if (registered) return
  tf.registerKernel({ kernelName: ADAM_KERNEL, backendName: 'wasm', kernelFunc: adamStepWasm })
  registered = true
}

/** Adam with PyTorch's defaults, one wasm kernel per variable per step. */
export class FusedAdam extends tf.Optimizer {
  static get className(): string {
    return 'ConvLabFusedAdam'
  }

  private readonly moments = new Map<string, { m: tf.Variable; v: tf.Variable }>()
  /** beta^t in float32, as tfjs's Adam accumulates it. */
  private accBeta1: number
  private accBeta2: number

  constructor(
    private readonly learningRate: number,
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly epsilon = 1e-8
  ) {
    super()
    registerAdamKernel()
    this.accBeta1 = Math.fround(beta1)
    this.accBeta2 = Math.fround(beta2)
  }

  override applyGradients(variableGradients: Parameters<tf.Optimizer['applyGradients']>[0]): void {
    const pairs: [string, tf.Tensor][] = Array.isArray(variableGradients) ? variableGradients.map((g) => [g.name, g.tensor]) : Object.entries(variableGradients)
    const f = Math.fround
    const constants: AdamConstants = {
      beta1: f(this.beta1),
      oneMinusBeta1: f(1 - this.beta1),
      beta2: f(this.beta2),
      oneMinusBeta2: f(1 - this.beta2),
      oneMinusAccBeta1: f(1 - this.accBeta1),
      oneMinusAccBeta2: f(1 - this.accBeta2),
      epsilon: f(this.epsilon),
      negLearningRate: f(-this.learningRate)
    }
    for (const [name, g] of pairs) {
      if (g == null) continue
      const value = tf.engine().registeredVariables[name]
      let state = this.moments.get(name)
      if (!state) {
        state = tf.tidy(() => ({ m: tf.zerosLike(value).variable(false), v: tf.zerosLike(value).variable(false) }))
        this.moments.set(name, state)
      }
      const [newValue, newM, newV] = tf.engine().runKernel(ADAM_KERNEL, { value, m: state.m, v: state.v, g }, constants as unknown as tf.NamedAttrMap) as tf.Tensor[]
      state.m.assign(newM)
      state.v.assign(newV)
      value.assign(newValue)
      tf.dispose([newValue, newM, newV])
    }
    this.accBeta1 = f(this.accBeta1 * f(this.beta1))
    this.accBeta2 = f(this.accBeta2 * f(this.beta2))
    this.incrementIterations()
  }

  override dispose(): void {
    for (const { m, v } of this.moments.values()) tf.dispose([m, v])
    this.moments.clear()
    super.dispose()
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon }
  }
}

export function makeOptimizer(config: Pick<TrainConfig, 'optimizer' | 'learningRate'>): tf.Optimizer {
  if (config.optimizer === 'sgd') return tf.train.sgd(config.learningRate)
  // PyTorch's Adam epsilon (1e-8), not Keras's 1e-7.
  if (tf.getBackend() === 'wasm' && nativeKernels(tf.backend() as BackendWasm)) return new FusedAdam(config.learningRate, 0.9, 0.999, 1e-8)
  return tf.train.adam(config.learningRate, 0.9, 0.999, 1e-8)
}
