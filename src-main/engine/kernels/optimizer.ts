/**
 * The optimizers training uses. On wasm, Adam and SGD run as one kernel per variable (kernels.c's
 * adam_step and sgd_step) instead of tfjs's element-wise ops, each a full pass over the
 * parameters: Adam's dozen cost seed-cnn about 6 ms of a 100 ms step, SGD's two cost seed-mlp
 * about 0.9 ms of an 8 ms one. They perform tfjs's float32 operations in tfjs's order, so they
 * give the same weights.
 */
import * as tf from '@tensorflow/tfjs'
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm'
import type { TrainConfig } from '../../shared/contract'
import { heapOffset, nativeKernels, requireNativeKernels, type AdamConstants, type NativeKernels } from './wasm/native-kernels'

const ADAM_KERNEL = 'ConvLabAdamStep'
const SGD_KERNEL = 'ConvLabSgdStep'

/** Runs `step` with the wasm backend's kernels and `count` new outputs shaped like `value`. */
function withOutputs(backend: unknown, value: tf.TensorInfo, count: number, step: (native: NativeKernels, at: (t: tf.TensorInfo) => number, size: number, outputs: tf.TensorInfo[]) => void): tf.TensorInfo[] {
  const { wasm, native } = requireNativeKernels(backend)
  const outputs = Array.from({ length: count }, () => wasm.makeOutput(value.shape, 'float32'))
  const size = value.shape.reduce((p, d) => p * d, 1)
  if (size > 0) step(native, (t) => heapOffset(wasm, t), size, outputs)
  return outputs
}

const adamStepWasm: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { value, m, v, g } = inputs as Record<'value' | 'm' | 'v' | 'g', tf.TensorInfo>
  return withOutputs(backend, value, 3, (native, at, size, [valueOut, mOut, vOut]) =>
    native.adamStep({ value: at(value), m: at(m), v: at(v), g: at(g), valueOut: at(valueOut), mOut: at(mOut), vOut: at(vOut) }, size, attrs as unknown as AdamConstants)
  )
}

const sgdStepWasm: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { value, g } = inputs as Record<'value' | 'g', tf.TensorInfo>
  const { negLearningRate } = attrs as { negLearningRate: number }
  return withOutputs(backend, value, 1, (native, at, size, [valueOut]) => native.sgdStep(at(value), at(g), size, negLearningRate, at(valueOut)))[0]
}

/** Registered with the other wasm kernels (wasm-kernels.ts). */
export const OPTIMIZER_KERNELS: tf.KernelConfig[] = [
  { kernelName: ADAM_KERNEL, backendName: 'wasm', kernelFunc: adamStepWasm },
  { kernelName: SGD_KERNEL, backendName: 'wasm', kernelFunc: sgdStepWasm }
]

type VariableGradients = Parameters<tf.Optimizer['applyGradients']>[0]
/** A (name, tensor) pair as tfjs's Optimizer.getWeights lists them; tfjs does not export the type. */
export type NamedTensor = Awaited<ReturnType<tf.Optimizer['getWeights']>>[number]

/** The (variable name, gradient) pairs of either form tfjs passes to applyGradients, without nulls. */
function gradientPairs(variableGradients: VariableGradients): [string, tf.Tensor][] {
  const pairs: [string, tf.Tensor | null][] = Array.isArray(variableGradients) ? variableGradients.map((g) => [g.name, g.tensor]) : Object.entries(variableGradients)
  return pairs.filter((p): p is [string, tf.Tensor] => p[1] != null)
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
    this.accBeta1 = Math.fround(beta1)
    this.accBeta2 = Math.fround(beta2)
  }

  override applyGradients(variableGradients: VariableGradients): void {
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
    for (const [name, g] of gradientPairs(variableGradients)) {
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

  /** tfjs's Adam layout: the step count, then every variable's m (named "<variable>/m"), then every v. */
  override async getWeights(): Promise<NamedTensor[]> {
    const states = [...this.moments.entries()]
    return [
      await this.saveIterations(),
      ...states.map(([name, s]) => ({ name: `${name}/m`, tensor: s.m })),
      ...states.map(([name, s]) => ({ name: `${name}/v`, tensor: s.v }))
    ]
  }

  /** Takes the layout getWeights gives; each moment goes to the variable its name ends in "/m" or "/v" after. */
  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const rest = await this.extractIterations(weightValues)
    const count = rest.length / 2
    for (const { m, v } of this.moments.values()) tf.dispose([m, v])
    this.moments.clear()
    for (let i = 0; i < count; i++) {
      const name = rest[i].name.replace(/\/m$/, '')
      this.moments.set(name, { m: rest[i].tensor.variable(false), v: rest[count + i].tensor.variable(false) })
    }
    // beta^(t+1) by the same float32 products the steps took, so the next step matches an unbroken run's.
    const f = Math.fround
    this.accBeta1 = f(this.beta1)
    this.accBeta2 = f(this.beta2)
    for (let t = 0; t < this.iterations; t++) {
      this.accBeta1 = f(this.accBeta1 * f(this.beta1))
      this.accBeta2 = f(this.accBeta2 * f(this.beta2))
    }
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

/** Plain SGD (no momentum), one wasm kernel per variable per step: tfjs's value + (-lr) g. */
export class FusedSgd extends tf.Optimizer {
  static get className(): string {
    return 'ConvLabFusedSgd'
  }

  constructor(private readonly learningRate: number) {
    super()
  }

  override applyGradients(variableGradients: VariableGradients): void {
    const attrs = { negLearningRate: Math.fround(-this.learningRate) }
    for (const [name, g] of gradientPairs(variableGradients)) {
      const value = tf.engine().registeredVariables[name]
      const newValue = tf.engine().runKernel(SGD_KERNEL, { value, g }, attrs) as tf.Tensor
      value.assign(newValue)
      newValue.dispose()
    }
    this.incrementIterations()
  }

  /** Plain SGD keeps nothing but the step count. */
  override async getWeights(): Promise<NamedTensor[]> {
    return [await this.saveIterations()]
  }

  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const rest = await this.extractIterations(weightValues)
    if (rest.length !== 0) throw new Error(`SGD keeps no moments, yet ${rest.length} were given`)
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate }
  }
}

export function makeOptimizer(config: Pick<TrainConfig, 'optimizer' | 'learningRate'>): tf.Optimizer {
  const fused = tf.getBackend() === 'wasm' && nativeKernels(tf.backend() as BackendWasm) !== null
  if (config.optimizer === 'sgd') return fused ? new FusedSgd(config.learningRate) : tf.train.sgd(config.learningRate)
  // PyTorch's Adam epsilon (1e-8), not Keras's 1e-7.
  return fused ? new FusedAdam(config.learningRate, 0.9, 0.999, 1e-8) : tf.train.adam(config.learningRate, 0.9, 0.999, 1e-8)
}
