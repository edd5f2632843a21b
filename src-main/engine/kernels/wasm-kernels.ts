/**
 * Gradient kernels the wasm backend does not ship (tfjs#8474): without Conv2DBackpropFilter no
 * CNN can train on wasm, and the pure-JS cpu backend trains the tutorial CNN at under one image
 * per second. The kernels are built from operations wasm does have, so they run on XNNPACK;
 * two slow shipped kernels (Conv2DBackpropInput, transposed BatchMatMul) are replaced the same way.
 */
import * as tf from '@tensorflow/tfjs'
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm'
import { BLUR_KERNELS } from './blur'
import { OPTIMIZER_KERNELS } from './optimizer'
import { nativeBatchMatMul, nativeConv2D, nativeConv2dFilterGradient, nativeConv2dInputGradient, nativeFusedMatMul, nativeGather, nativeMaxPoolGrad, nativeSum } from './wasm/gemm-kernels'

/** Kernels a layer type's backward pass needs beyond what every backend has. */
export const GRADIENT_KERNELS_BY_LAYER: Readonly<Record<string, readonly string[]>> = {
  conv2d: ['Conv2DBackpropFilter', 'Conv2DBackpropInput'],
  maxpool2d: ['MaxPoolGrad'],
  avgpool2d: ['AvgPoolGrad'],
  blurpool: ['MaxPoolGrad', 'Conv2DBackpropInput']
}

interface BackpropFilterAttrs {
  strides: [number, number] | number
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding
  dataFormat: 'NHWC' | 'NCHW'
  dimRoundingMode?: 'floor' | 'round' | 'ceil'
  filterShape: [number, number, number, number]
}

/**
 * dW[kh, kw, ci, co] = sum over n, oh, ow of xPadded[n, oh*s + kh, ow*s + kw, ci] * dy[n, oh, ow, co].
 * Read with ci as the batch, n as the input channel and (oh, ow) as a kernel dilated by the
 * stride, that sum is itself a forward convolution of x^T with dy^T: one Conv2D call.
 * The output can overhang the filter by up to stride - 1 rows/columns (positions no output
 * pixel reached), which are sliced off.
 *
 * @param x  [N, H, W, Cin]
 * @param dy [N, OH, OW, Cout]
 * @returns  [KH, KW, Cin, Cout]
 */
export function conv2dFilterGradient(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: [number, number, number, number],
  strides: [number, number] | number,
  pad: BackpropFilterAttrs['pad'],
  dimRoundingMode?: BackpropFilterAttrs['dimRoundingMode']
): tf.Tensor4D {
  return tf.tidy(() => {
    const info = tf.backend_util.computeConv2DInfo(
      x.shape,
      filterShape,
      strides,
      1,
      pad,
      dimRoundingMode,
      false,
      'channelsLast'
    )
    const { top, bottom, left, right } = info.padInfo
    const [kh, kw] = [filterShape[0], filterShape[1]]
    // Rows past the last one any output reads are never used; padding only what is read
    // keeps bottom/right negative-free and the conv as small as possible.
    const neededH = (info.outHeight - 1) * info.strideHeight + kh
    const neededW = (info.outWidth - 1) * info.strideWidth + kw
    let xp: tf.Tensor4D = x
    if (top || bottom || left || right) {
      xp = tf.pad(x, [
        [0, 0],
        [top, Math.max(0, bottom)],
        [left, Math.max(0, right)],
        [0, 0]
      ])
    }
    if (xp.shape[1] > neededH || xp.shape[2] > neededW) {
      xp = tf.slice(xp, [0, 0, 0, 0], [-1, Math.min(neededH, xp.shape[1]), Math.min(neededW, xp.shape[2]), -1])
    }
    const xT = tf.transpose(xp, [3, 1, 2, 0]) // [Cin, H', W', N]
    const dyT = tf.transpose(dy, [1, 2, 0, 3]) // [OH, OW, N, Cout]
    const g = tf.conv2d(xT, dyT, 1, 'valid', 'NHWC', [info.strideHeight, info.strideWidth]) // [Cin, >=KH, >=KW, Cout]
    const gk = g.shape[1] === kh && g.shape[2] === kw ? g : tf.slice(g, [0, 0, 0, 0], [-1, kh, kw, -1])
    return tf.transpose(gk, [1, 2, 0, 3])
  })
}

/** ConvLab's im2col + GEMM where its wasm kernels load, else the forward-convolution form above. */
const conv2DBackpropFilterWasm: tf.KernelFunc = ({ inputs, attrs, backend }) => {
  const { x, dy } = inputs as { x: tf.Tensor4D; dy: tf.Tensor4D }
  const a = attrs as unknown as BackpropFilterAttrs
  if (a.dataFormat === 'NCHW') {
    throw new Error('Conv2DBackpropFilter on wasm supports NHWC only')
  }
  const info = tf.backend_util.computeConv2DInfo(x.shape, a.filterShape, a.strides, 1, a.pad, a.dimRoundingMode, false, 'channelsLast')
  return nativeConv2dFilterGradient(backend as BackendWasm, x, dy, info) ?? conv2dFilterGradient(x, dy, a.filterShape, a.strides, a.pad, a.dimRoundingMode)
}

/**
 * dx = a stride-1 convolution of dy, dilated by the stride (zeros between rows/columns), with
 * the filter rotated 180 degrees and its in/out channels swapped; padded so the output is x's
 * size. wasm's own Conv2DBackpropInput is a scalar loop, ~10x slower than this on XNNPACK.
 *
 * @param dy [N, OH, OW, Cout]
 * @returns  [N, H, W, Cin]
 */
export function conv2dInputGradient(
  inputShape: [number, number, number, number],
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  strides: [number, number] | number,
  pad: BackpropFilterAttrs['pad'],
  dimRoundingMode?: BackpropFilterAttrs['dimRoundingMode']
): tf.Tensor4D {
  return tf.tidy(() => {
    const info = tf.backend_util.computeConv2DInfo(inputShape, filter.shape, strides, 1, pad, dimRoundingMode, false, 'channelsLast')
    const [n, oh, ow, cout] = dy.shape
    const [sh, sw] = [info.strideHeight, info.strideWidth]
    const [kh, kw] = [filter.shape[0], filter.shape[1]]
    const [h, w] = [inputShape[1], inputShape[2]]
    let d: tf.Tensor4D = dy
    if (sh > 1 || sw > 1) {
      const spread = tf.pad(tf.reshape(dy, [n, oh, 1, ow, 1, cout]), [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]])
      d = tf.slice(tf.reshape<tf.Rank.R4>(spread, [n, oh * sh, ow * sw, cout]), [0, 0, 0, 0], [n, (oh - 1) * sh + 1, (ow - 1) * sw + 1, cout])
    }
    const top = kh - 1 - info.padInfo.top
    const left = kw - 1 - info.padInfo.left
    const bottom = h + kh - 1 - d.shape[1] - top
    const right = w + kw - 1 - d.shape[2] - left
    d = tf.pad(d, [[0, 0], [Math.max(0, top), Math.max(0, bottom)], [Math.max(0, left), Math.max(0, right)], [0, 0]])
    if (top < 0 || left < 0 || bottom < 0 || right < 0) {
      const t0 = Math.max(0, -top)
      const l0 = Math.max(0, -left)
      d = tf.slice(d, [0, t0, l0, 0], [n, d.shape[1] - t0 - Math.max(0, -bottom), d.shape[2] - l0 - Math.max(0, -right), cout])
    }
    const rotated = tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2])
    return tf.conv2d(d, rotated, 1, 'valid')
  })
}

/** ConvLab's Winograd or GEMM + col2im where its wasm kernels load, else the convolution form above. */
const conv2DBackpropInputWasm: tf.KernelFunc = ({ inputs, attrs, backend }) => {
  const { dy, filter } = inputs as { dy: tf.Tensor4D; filter: tf.Tensor4D }
  const a = attrs as unknown as Omit<BackpropFilterAttrs, 'filterShape'> & { inputShape: [number, number, number, number] }
  if (a.dataFormat === 'NCHW') throw new Error('Conv2DBackpropInput on wasm supports NHWC only')
  const info = tf.backend_util.computeConv2DInfo(a.inputShape, filter.shape, a.strides, 1, a.pad, a.dimRoundingMode, false, 'channelsLast')
  return nativeConv2dInputGradient(backend as BackendWasm, dy, filter, info) ?? conv2dInputGradient(a.inputShape, dy, filter, a.strides, a.pad, a.dimRoundingMode)
}

/**
 * wasm's BatchMatMul with transposeA/B is ~10x slower than transposing first (its transposed
 * path misses XNNPACK), and every dense layer's backward pass asks for exactly that.
 */
function fastTransposedMatMul(original: tf.KernelFunc): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean }
    if (!transposeA && !transposeB) return original({ inputs, backend, attrs })
    const { a, b } = inputs as { a: tf.Tensor; b: tf.Tensor }
    const swapLast = (t: tf.Tensor): tf.Tensor => {
      const perm = t.shape.map((_, i) => i)
      perm.push(...perm.splice(-2).reverse())
      return tf.transpose(t, perm)
    }
    const aT = transposeA ? swapLast(a) : a
    const bT = transposeB ? swapLast(b) : b
    try {
      return original({ inputs: { a: aT, b: bT }, backend, attrs: { ...attrs, transposeA: false, transposeB: false } })
    } finally {
      if (aT !== a) aT.dispose()
      if (bT !== b) bT.dispose()
    }
  }
}

/**
 * tfjs's wasm BatchMatMul leaves its output uninitialised when the shared dimension is 0, where
 * every entry is an empty sum: zero. ConvLab's GEMM covers that case; this covers it without it.
 */
function emptyProductsAreZero(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { a } = args.inputs as { a: tf.TensorInfo }
    const { transposeA } = args.attrs as { transposeA: boolean }
    const out = original(args) as tf.TensorInfo
    if (a.shape[a.shape.length - (transposeA ? 2 : 1)] === 0) ((args.backend as BackendWasm).typedArrayFromHeap(out) as Float32Array).fill(0)
    return out
  }
}

interface MaxPoolGradAttrs {
  filterSize: [number, number] | number
  strides: [number, number] | number
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding
  dimRoundingMode?: 'floor' | 'round' | 'ceil'
}

/**
 * wasm's shipped MaxPoolGrad took a sixth of a seed-cnn training step (24 ms of 157 for the
 * first pool at batch 32). This one reads and writes the wasm heap directly in one pass: each
 * output's gradient goes to the first maximum of its window in row-major order, as the cpu
 * backend does, so ties resolve the same way; padded cells never win.
 */
const maxPoolGradWasm: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { dy, input } = inputs as { dy: tf.TensorInfo; input: tf.TensorInfo }
  const a = attrs as unknown as MaxPoolGradAttrs
  const wasm = backend as BackendWasm
  const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode)
  const native = nativeMaxPoolGrad(wasm, dy, input, info)
  if (native) return native
  const [n, h, w, c] = input.shape
  const { outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw } = info
  const { top, left } = info.padInfo
  const out = wasm.makeOutput(input.shape, 'float32')
  const dx = wasm.typedArrayFromHeap(out) as Float32Array
  dx.fill(0)
  const x = wasm.typedArrayFromHeap(input) as Float32Array
  const g = wasm.typedArrayFromHeap(dy) as Float32Array
  // Channels innermost: every read is contiguous, and the window bounds are computed once.
  const best = new Float32Array(c)
  const at = new Int32Array(c)
  for (let b = 0; b < n; b++) {
    const xb = b * h * w * c
    for (let r = 0; r < oh; r++) {
      const r0 = r * sh - top
      const i0 = Math.max(0, r0)
      const i1 = Math.min(h, r0 + fh)
      for (let q = 0; q < ow; q++) {
        const q0 = q * sw - left
        const j0 = Math.max(0, q0)
        const j1 = Math.min(w, q0 + fw)
        if (i0 >= i1 || j0 >= j1) continue
        best.fill(-Infinity)
        at.fill(-1)
        for (let i = i0; i < i1; i++) {
          for (let j = j0; j < j1; j++) {
            const base = xb + (i * w + j) * c
            for (let ch = 0; ch < c; ch++) {
              const v = x[base + ch]
              if (v > best[ch] || at[ch] < 0) {
                best[ch] = v
                at[ch] = base + ch
              }
            }
          }
        }
        const gBase = ((b * oh + r) * ow + q) * c
        for (let ch = 0; ch < c; ch++) dx[at[ch]] += g[gBase + ch]
      }
    }
  }
  return out
}

/**
 * tfjs clones every tensor it saves for a backward pass, and wasm's Identity copies the data,
 * where the cpu backend shares it. A training step saved the dataset tensor its batch is
 * gathered from: 188 MB copied per step for Fashion-MNIST, more than the step's math. Tensors
 * are immutable, so sharing the data (as wasm's own Reshape does) is safe.
 */
const identityWasm: tf.KernelFunc = ({ inputs, backend }) => {
  const { x } = inputs as { x: tf.TensorInfo }
  const wasm = backend as BackendWasm
  if (x.dtype === 'string') return tf.tensor(wasm.readSync(x.dataId) as Uint8Array[], x.shape, x.dtype)
  wasm.incRef(x.dataId)
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype }
}

let registered = false

/** Idempotent: registering a kernel twice is an error in tfjs. */
export function registerWasmGradientKernels(): void {
  if (registered) return
  if (!tf.getKernel('Conv2DBackpropFilter', 'wasm')) {
    tf.registerKernel({ kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: conv2DBackpropFilterWasm })
  }
  if (tf.getKernel('Conv2DBackpropInput', 'wasm')) tf.unregisterKernel('Conv2DBackpropInput', 'wasm')
  tf.registerKernel({ kernelName: 'Conv2DBackpropInput', backendName: 'wasm', kernelFunc: conv2DBackpropInputWasm })
  if (tf.getKernel('MaxPoolGrad', 'wasm')) tf.unregisterKernel('MaxPoolGrad', 'wasm')
  tf.registerKernel({ kernelName: 'MaxPoolGrad', backendName: 'wasm', kernelFunc: maxPoolGradWasm })
  const matMul = tf.getKernel('BatchMatMul', 'wasm')
  if (matMul) {
    tf.unregisterKernel('BatchMatMul', 'wasm')
    tf.registerKernel({ ...matMul, kernelFunc: nativeBatchMatMul(emptyProductsAreZero(fastTransposedMatMul(matMul.kernelFunc))) })
  }
  if (tf.getKernel('Identity', 'wasm')) tf.unregisterKernel('Identity', 'wasm')
  tf.registerKernel({ kernelName: 'Identity', backendName: 'wasm', kernelFunc: identityWasm })
  const sum = tf.getKernel('Sum', 'wasm')
  if (sum) {
    tf.unregisterKernel('Sum', 'wasm')
    tf.registerKernel({ ...sum, kernelFunc: nativeSum(sum.kernelFunc) })
  }
  const gather = tf.getKernel('GatherV2', 'wasm')
  if (gather) {
    tf.unregisterKernel('GatherV2', 'wasm')
    tf.registerKernel({ ...gather, kernelFunc: nativeGather(gather.kernelFunc) })
  }
  const fusedMatMul = tf.getKernel('_FusedMatMul', 'wasm')
  if (fusedMatMul) {
    tf.unregisterKernel('_FusedMatMul', 'wasm')
    tf.registerKernel({ ...fusedMatMul, kernelFunc: nativeFusedMatMul(fusedMatMul.kernelFunc) })
  }
  for (const name of ['Conv2D', 'FusedConv2D']) {
    const conv = tf.getKernel(name, 'wasm')
    if (!conv) continue
    tf.unregisterKernel(name, 'wasm')
    tf.registerKernel({ ...conv, kernelFunc: nativeConv2D(conv.kernelFunc) })
  }
  // ConvLab's own: BlurPool's blur and the one-pass optimizer steps.
  for (const config of [...BLUR_KERNELS, ...OPTIMIZER_KERNELS]) tf.registerKernel(config)
  registered = true
}

/** Which gradient kernels a backend lacks for these layer types (empty: it can train them). */
export function missingGradientKernels(backendName: string, layerTypes: Iterable<string>): string[] {
  const missing = new Set<string>()
  for (const type of layerTypes) {
    for (const kernel of GRADIENT_KERNELS_BY_LAYER[type] ?? []) {
      if (!tf.getKernel(kernel, backendName)) missing.add(kernel)
    }
  }
  return [...missing]
}
