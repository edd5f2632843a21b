/**
 * BlurPool's blur: reflection padding then the fixed binomial kernel at a stride, on NHWC.
 *
 * `blurWithOps` builds it from ops every backend can differentiate: tfjs's MirrorPad gradient
 * ignores the reflected cells and wasm has no depthwise-conv gradient, so the padding is slices
 * and the blur an ordinary one-channel conv over channels folded into the batch. On wasm that
 * cost seed-cnn with BlurPool about 100 ms of a 196 ms training step (Reverse, SplitV, Slice and a
 * one-channel Conv2DBackpropInput), so there `blur` runs kernels.c's blur_forward and its adjoint
 * instead: one pass each, the same weights in the same order of taps.
 */
import * as tf from '@tensorflow/tfjs'
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm'
import { binomialTaps, blurPads, type BlurSize } from '../../shared/layers'
import { heapOffset, nativeKernels, requireNativeKernels } from './wasm/native-kernels'

const FORWARD = 'ConvLabBlur'
const BACKWARD = 'ConvLabBlurGrad'

interface BlurAttrs {
  size: number
  before: number
  stride: number
  /** blurKernel(size): passed by value, so the gradient needs no tensor kept alive for it. */
  weights: number[]
}

/** The b x b kernel, each weight computed as the ops path computes it. */
function blurKernel(size: BlurSize): number[] {
  const taps = binomialTaps(size)
  return taps.flatMap((a) => taps.map((b) => a * b))
}

/** Padding adds size - 1 cells and the valid window removes them again: ceil(d / stride). */
function outputSize(d: number, stride: number): number {
  return Math.ceil(d / stride)
}

/** Reflection padding of an NHWC tensor along `axis` (1: H, 2: W), edge not repeated. */
function reflectPad(x: tf.Tensor4D, axis: 1 | 2, before: number, after: number): tf.Tensor4D {
  if (!before && !after) return x
  const n = x.shape[axis]
  const along = (start: number, size: number): tf.Tensor4D => {
    const begin: [number, number, number, number] = [0, 0, 0, 0]
    const sizes: [number, number, number, number] = [-1, -1, -1, -1]
    begin[axis] = start
    sizes[axis] = size
    return tf.reverse(tf.slice(x, begin, sizes), axis)
  }
  const parts = [...(before ? [along(1, before)] : []), x, ...(after ? [along(n - 1 - after, after)] : [])]
  return tf.concat(parts, axis)
}

export function blurWithOps(x: tf.Tensor4D, size: BlurSize, stride: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [before, after] = blurPads(size)
    const padded = reflectPad(reflectPad(x, 1, before, after), 2, before, after)
    const [n, h, w, c] = padded.shape
    const kernel = tf.tensor4d(blurKernel(size), [size, size, 1, 1])
    const planes = tf.reshape<tf.Rank.R4>(tf.transpose(padded, [0, 3, 1, 2]), [n * c, h, w, 1])
    const blurred = tf.conv2d(planes, kernel, stride, 'valid')
    const [, oh, ow] = blurred.shape
    return tf.transpose(tf.reshape(blurred, [n, c, oh, ow]), [0, 2, 3, 1])
  })
}

/** Runs blur_forward (from x) or blur_backward (from dy, back to `inShape`) into a new tensor. */
function runNative(direction: 'forward' | 'backward', backend: unknown, input: tf.TensorInfo, attrs: BlurAttrs & { inShape?: number[] }): tf.TensorInfo {
  const { wasm, native } = requireNativeKernels(backend)
  const { size, before, stride, weights } = attrs
  const [n, h, w, c] = (direction === 'forward' ? input.shape : attrs.inShape!) as [number, number, number, number]
  const [oh, ow] = [outputSize(h, stride), outputSize(w, stride)]
  const out = wasm.makeOutput(direction === 'forward' ? [n, oh, ow, c] : [n, h, w, c], 'float32')
  if (n * h * w * c === 0) return out
  const kernel = native.malloc(weights.length * 4)
  try {
    native.writeFloats(kernel, weights)
    const run = direction === 'forward' ? native.blurForward : native.blurBackward
    run(heapOffset(wasm, input), [n, h, w, c], kernel, size, before, stride, [oh, ow], heapOffset(wasm, out))
  } finally {
    native.free(kernel)
  }
  return out
}

/** Registered with the other wasm kernels (wasm-kernels.ts). */
export const BLUR_KERNELS: tf.KernelConfig[] = [
  {
    kernelName: FORWARD,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => runNative('forward', backend, inputs.x as tf.TensorInfo, attrs as unknown as BlurAttrs)
  },
  {
    kernelName: BACKWARD,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => runNative('backward', backend, inputs.dy as tf.TensorInfo, attrs as unknown as BlurAttrs & { inShape: number[] })
  }
]

/** The blur of NHWC x (reflection-padded by blurPads(size)) at `stride`, differentiable on every backend. */
export function blur(x: tf.Tensor4D, size: BlurSize, stride: number): tf.Tensor4D {
  if (tf.getBackend() !== 'wasm' || !nativeKernels(tf.backend() as BackendWasm)) return blurWithOps(x, size, stride)
  const attrs: BlurAttrs = { size, before: blurPads(size)[0], stride, weights: blurKernel(size) }
  const withGradient = tf.customGrad((input: tf.Tensor | tf.GradSaveFunc) => {
    const shape = (input as tf.Tensor).shape
    return {
      value: tf.engine().runKernel(FORWARD, { x: input as tf.Tensor }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor4D,
      gradFunc: (dy: tf.Tensor | tf.Tensor[]) => tf.engine().runKernel(BACKWARD, { dy: dy as tf.Tensor }, { ...attrs, inShape: shape } as unknown as tf.NamedAttrMap) as tf.Tensor
    }
  })
  return withGradient(x) as tf.Tensor4D
}
