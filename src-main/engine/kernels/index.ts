/**
 * The one place the rest of the engine meets backend-specific kernels. Training, the model
 * builder, the threads and backend selection ask here for an optimizer, a blur, a tensor's values
 * or a backend's extra kernels, and get ConvLab's native wasm kernels when they are in use or
 * tfjs's own ops otherwise (another backend, or CONVLAB_NATIVE_KERNELS=0); none of them names
 * the wasm backend's internals.
 */
import * as tf from '@tensorflow/tfjs'
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm'
import type { BackendName } from '../../shared/contract'
import { registerWasmGradientKernels } from './wasm-kernels'

export { blur } from './blur'
export { makeOptimizer, type NamedTensor } from './optimizer'
export { missingGradientKernels } from './wasm-kernels'
export { kernelBuild, useKernelBuild, type KernelBuild } from './wasm/native-kernels'

/** Registers the kernels ConvLab adds to a backend it has just activated (wasm's gradients and its own). */
export function registerBackendKernels(backend: BackendName): void {
  if (backend === 'wasm') registerWasmGradientKernels()
}

/** A tensor's float32 values: on wasm a view of its heap (no copy), so read it before the next op. */
export function tensorValues(t: tf.Tensor): Float32Array {
  if (tf.getBackend() === 'wasm') return (tf.backend() as BackendWasm).typedArrayFromHeap(t) as Float32Array
  return t.dataSync() as Float32Array
}
