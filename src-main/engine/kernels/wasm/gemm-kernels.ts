/**
 * tfjs kernels on the wasm backend that run on ConvLab's GEMM (kernels.c) instead of XNNPACK:
 * matrix products whose operands change every training step (XNNPACK repacks them on every call,
 * and its transposed path is a scalar loop), the convolution's filter and input gradients, and
 * the forward convolution where it measured faster (Winograd for 3 x 3 filters). Each falls back
 * to the kernel it replaces for cases it does not cover (other dtypes, broadcasting it does not
 * handle, fused activations other than ReLU).
 */
import * as tf from '@tensorflow/tfjs'
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm'
import { heapOffset, nativeKernels, type NativeKernels } from './native-kernels'

export interface MatMulPlan {
  batch: number
  m: number
  n: number
  k: number
  /** Floats between consecutive batch matrices; 0 when one matrix serves the whole batch. */
  strideA: number
  strideB: number
  lda: number
  ldb: number
  outShape: number[]
}

const product = (dims: number[]): number => dims.reduce((p, d) => p * d, 1)

/**
 * How a (batched) matrix product maps onto GEMM calls, or null when the batch dimensions
 * broadcast in a way other than "equal" or "one side is a single matrix".
 */
export function planMatMul(aShape: number[], bShape: number[], transposeA: boolean, transposeB: boolean): MatMulPlan | null {
  if (aShape.length < 2 || bShape.length < 2) return null
  const [ar, ac] = aShape.slice(-2)
  const [br, bc] = bShape.slice(-2)
  const [m, k] = transposeA ? [ac, ar] : [ar, ac]
  const [kb, n] = transposeB ? [bc, br] : [br, bc]
  if (k !== kb) return null
  const aBatch = aShape.slice(0, -2)
  const bBatch = bShape.slice(0, -2)
  let batchDims: number[]
  let strideA = m * k
  let strideB = k * n
  if (aBatch.length === bBatch.length && aBatch.every((d, i) => d === bBatch[i])) {
    batchDims = aBatch
  } else if (product(aBatch) === 1 && aBatch.length <= bBatch.length) {
    batchDims = bBatch
    strideA = 0
  } else if (product(bBatch) === 1 && bBatch.length <= aBatch.length) {
    batchDims = aBatch
    strideB = 0
  } else {
    return null
  }
  return { batch: product(batchDims), m, n, k, strideA, strideB, lda: ac, ldb: bc, outShape: [...batchDims, m, n] }
}

interface MatMulAttrs {
  transposeA: boolean
  transposeB: boolean
}

interface FusedAttrs extends MatMulAttrs {
  activation?: string
}

/** Runs the plan's GEMMs into a new output; null when the native kernels are unavailable. */
function runMatMul(backend: BackendWasm, a: tf.TensorInfo, b: tf.TensorInfo, plan: MatMulPlan, attrs: MatMulAttrs): tf.TensorInfo | null {
  const native = nativeKernels(backend)
  if (!native) return null
  const out = backend.makeOutput(plan.outShape, 'float32')
  if (plan.batch * plan.m * plan.n === 0) return out
  const [pa, pb, pc] = [heapOffset(backend, a), heapOffset(backend, b), heapOffset(backend, out)]
  for (let i = 0; i < plan.batch; i++) {
    native.sgemm(attrs.transposeA, attrs.transposeB, plan.m, plan.n, plan.k, pa + 4 * i * plan.strideA, plan.lda, pb + 4 * i * plan.strideB, plan.ldb, pc + 4 * i * plan.m * plan.n, plan.n, false)
  }
  return out
}

export function nativeBatchMatMul(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo }
    const attrs = args.attrs as unknown as MatMulAttrs
    const plan = a.dtype === 'float32' && b.dtype === 'float32' ? planMatMul(a.shape, b.shape, attrs.transposeA, attrs.transposeB) : null
    return (plan && runMatMul(args.backend as BackendWasm, a, b, plan, attrs)) ?? original(args)
  }
}

/** Dense layers' forward pass: GEMM, then bias and (only) ReLU in one sweep. */
export function nativeFusedMatMul(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { a, b, bias, preluActivationWeights } = args.inputs as Record<string, tf.TensorInfo | undefined>
    const attrs = args.attrs as unknown as FusedAttrs
    const activation = attrs.activation ?? 'linear'
    if (!a || !b || preluActivationWeights || (activation !== 'linear' && activation !== 'relu')) return original(args)
    const plan = a.dtype === 'float32' && b.dtype === 'float32' ? planMatMul(a.shape, b.shape, attrs.transposeA, attrs.transposeB) : null
    if (!plan || (bias && (bias.dtype !== 'float32' || product(bias.shape) !== plan.n || bias.shape[bias.shape.length - 1] !== plan.n))) return original(args)
    const backend = args.backend as BackendWasm
    const out = runMatMul(backend, a, b, plan, attrs)
    if (!out) return original(args)
    if ((bias || activation === 'relu') && plan.batch * plan.m * plan.n > 0) {
      nativeKernels(backend)!.biasRelu(heapOffset(backend, out), plan.batch * plan.m, plan.n, bias ? heapOffset(backend, bias) : 0, activation === 'relu')
    }
    return out
  }
}

/** A convolution's sizes as its patch matrix sees them: one row per output position. */
interface PatchGeometry {
  shape: [number, number, number, number]
  kernel: [number, number]
  strides: [number, number]
  pads: [number, number]
  out: [number, number]
  rows: number
  cols: number
  outChannels: number
}

/**
 * Runs `body` with a heap buffer for the patch matrix of `info` and returns `outShape`'s output
 * it filled; null (nothing allocated) when the kernels are unavailable or cannot take the case.
 */
function withPatches(
  backend: BackendWasm,
  info: tf.backend_util.Conv2DInfo,
  inputs: tf.TensorInfo[],
  outShape: number[],
  body: (native: NativeKernels, g: PatchGeometry, col: number, out: number) => void
): tf.TensorInfo | null {
  const native = nativeKernels(backend)
  if (!native || inputs.some((t) => t.dtype !== 'float32') || info.dilationHeight !== 1 || info.dilationWidth !== 1) return null
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow, filterHeight: kh, filterWidth: kw } = info
  const g: PatchGeometry = {
    shape: [n, h, w, c],
    kernel: [kh, kw],
    strides: [info.strideHeight, info.strideWidth],
    pads: [info.padInfo.top, info.padInfo.left],
    out: [oh, ow],
    rows: n * oh * ow,
    cols: kh * kw * c,
    outChannels: info.outChannels
  }
  const col = native.malloc(Math.max(4, g.rows * g.cols * 4))
  if (!col) return null
  try {
    const out = backend.makeOutput(outShape, 'float32')
    if (outShape.every((d) => d > 0)) body(native, g, col, heapOffset(backend, out))
    return out
  } finally {
    native.free(col)
  }
}

/**
 * Runs `body` into a new output of `shape` and returns it; null (nothing allocated) when the kernels
 * are unavailable or an input is not float32, or when `body` had no memory (false).
 */
function intoNewOutput(backend: BackendWasm, inputs: tf.TensorInfo[], shape: number[], body: (native: NativeKernels, out: number) => boolean): tf.TensorInfo | null {
  const native = nativeKernels(backend)
  if (!native || inputs.some((t) => t.dtype !== 'float32')) return null
  const out = backend.makeOutput(shape, 'float32')
  if (product(shape) === 0 || body(native, heapOffset(backend, out))) return out
  backend.disposeData(out.dataId)
  return null
}

/**
 * dW = im2col(x)^T dy: one GEMM over every output position of the batch; for a 3 x 3 stride-1
 * filter, by Winograd (see filterGradientMethod) with the forward's padding.
 */
export function nativeConv2dFilterGradient(backend: BackendWasm, x: tf.TensorInfo, dy: tf.TensorInfo, info: tf.backend_util.Conv2DInfo): tf.TensorInfo | null {
  const shape = [info.filterHeight, info.filterWidth, info.inChannels, info.outChannels]
  if (filterGradientMethod(info) === 'winograd') {
    return intoNewOutput(backend, [x, dy], shape, (native, out) =>
      native.conv2dWinogradFilterGrad(
        heapOffset(backend, x),
        [info.batchSize, info.inHeight, info.inWidth, info.inChannels],
        heapOffset(backend, dy),
        info.outChannels,
        [info.padInfo.top, info.padInfo.left],
        [info.outHeight, info.outWidth],
        out
      )
    )
  }
  return withPatches(backend, info, [x, dy], shape, (native, g, col, out) => {
    native.im2col(heapOffset(backend, x), g.shape, g.kernel, g.strides, g.pads, g.out, col)
    native.sgemm(true, false, g.cols, g.outChannels, g.rows, col, g.cols, heapOffset(backend, dy), g.outChannels, out, g.outChannels, false)
  })
}

/**
 * dx = col2im(dy W^T): one GEMM gives every patch's gradient, which is added back where the
 * patch was read. Replaces a convolution of the dilated, padded dy with the rotated filter,
 * whose multiply-adds on padding zeros were 40% of its work for seed-cnn's second layer.
 * A 3 x 3 stride-1 filter needs no dilation, so there that convolution runs by Winograd
 * (see inputGradientMethod), padded by 2 - the forward padding on each side.
 */
export function nativeConv2dInputGradient(backend: BackendWasm, dy: tf.TensorInfo, filter: tf.TensorInfo, info: tf.backend_util.Conv2DInfo): tf.TensorInfo | null {
  const shape = [info.batchSize, info.inHeight, info.inWidth, info.inChannels]
  if (inputGradientMethod(info) === 'winograd') {
    return intoNewOutput(backend, [dy, filter], shape, (native, out) =>
      native.conv2dWinograd(
        heapOffset(backend, dy),
        [info.batchSize, info.outHeight, info.outWidth, info.outChannels],
        heapOffset(backend, filter),
        true,
        info.inChannels,
        [2 - info.padInfo.top, 2 - info.padInfo.left],
        [info.inHeight, info.inWidth],
        0,
        false,
        out
      )
    )
  }
  return withPatches(backend, info, [dy, filter], shape, (native, g, col, out) => {
    native.sgemm(false, true, g.rows, g.cols, g.outChannels, heapOffset(backend, dy), g.outChannels, heapOffset(backend, filter), g.outChannels, col, g.cols, false)
    native.col2im(col, g.shape, g.kernel, g.strides, g.pads, g.out, out)
  })
}

/** Max pooling's gradient on NHWC, or null when the kernels are unavailable. */
export function nativeMaxPoolGrad(backend: BackendWasm, dy: tf.TensorInfo, input: tf.TensorInfo, info: tf.backend_util.Conv2DInfo): tf.TensorInfo | null {
  const native = nativeKernels(backend)
  if (!native || dy.dtype !== 'float32' || input.dtype !== 'float32') return null
  const [n, h, w, c] = input.shape
  const out = backend.makeOutput(input.shape, 'float32')
  if (n * h * w * c === 0) return out
  native.maxPoolGrad(
    heapOffset(backend, input),
    heapOffset(backend, dy),
    heapOffset(backend, out),
    [n, h, w, c],
    [info.filterHeight, info.filterWidth],
    [info.strideHeight, info.strideWidth],
    [info.padInfo.top, info.padInfo.left],
    [info.outHeight, info.outWidth]
  )
  return out
}

/**
 * Gathering whole rows (axis 0), as every training batch does from the uploaded dataset: one
 * memory copy per row instead of tfjs's per-element loop. Other gathers keep the original.
 */
export function nativeGather(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { x, indices } = args.inputs as { x: tf.TensorInfo; indices: tf.TensorInfo }
    const { axis, batchDims } = args.attrs as unknown as { axis: number; batchDims: number }
    const backend = args.backend as BackendWasm
    const native = nativeKernels(backend)
    const fourBytes = x.dtype === 'float32' || x.dtype === 'int32'
    if (!native || !fourBytes || indices.dtype !== 'int32' || batchDims !== 0 || (axis !== 0 && axis !== -x.shape.length) || x.shape.length < 1) return original(args)
    const rows = x.shape[0]
    const ids = backend.typedArrayFromHeap(indices) as Int32Array
    for (const id of ids) {
      if (id < 0 || id >= rows) throw new Error(`GatherV2: the index value ${id} is not in [0, ${rows - 1}]`)
    }
    const row = product(x.shape.slice(1))
    const out = backend.makeOutput([...indices.shape, ...x.shape.slice(1)], x.dtype)
    if (ids.length * row > 0) native.gatherRows(heapOffset(backend, x), heapOffset(backend, indices), ids.length, row, heapOffset(backend, out))
    return out
  }
}

/**
 * Sums over leading axes (what every bias gradient asks for: all axes but channels) straight
 * down the rows; tfjs's wasm Sum transposes the reduced axes innermost first, a full copy of a
 * conv layer's output per step. Other reductions keep the original.
 */
export function nativeSum(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo }
    const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean }
    const backend = args.backend as BackendWasm
    const native = nativeKernels(backend)
    const rank = x.shape.length
    const axes = [...new Set((Array.isArray(axis) ? axis : [axis]).map((a) => (a < 0 ? a + rank : a)))].sort((a, b) => a - b)
    const leading = axes.length > 0 && axes.length < rank && axes.every((a, i) => a === i)
    if (!native || x.dtype !== 'float32' || !leading) return original(args)
    const kept = x.shape.slice(axes.length)
    const out = backend.makeOutput(keepDims ? [...axes.map(() => 1), ...kept] : kept, 'float32')
    const cols = product(kept)
    if (cols > 0) native.sumRows(heapOffset(backend, x), product(x.shape.slice(0, axes.length)), cols, heapOffset(backend, out))
    return out
  }
}

interface ConvAttrs {
  strides: [number, number] | number
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding
  dataFormat: 'NHWC' | 'NCHW'
  dilations: [number, number] | number
  dimRoundingMode?: 'floor' | 'round' | 'ceil'
  activation?: string
}

/** How a convolution runs: Winograd, patch GEMM or direct in kernels.c, or tfjs's XNNPACK kernel. */
export type ConvMethod = 'winograd' | 'winograd-4x4' | 'gemm' | 'direct' | 'tfjs'

let forcedConvMethod: ConvMethod | null = null

/** Makes every convolution kernels.c can take run one way (null: by convMethod's rule), for the tests and timings that compare them. */
export function forceConvMethod(method: ConvMethod | null): void {
  forcedConvMethod = method
}

/**
 * Winograd's 16 GEMMs are as deep as the input channels and as wide as the output channels, in
 * panels of 8: below 4 of either they do mostly padding. Seed-cnn's first layer (1 -> 64) ran
 * 1.5x slower than XNNPACK that way, and an input gradient with 1 output channel 2.8x slower
 * than the GEMM and col2im.
 */
const winogradFits = (info: tf.backend_util.Conv2DInfo): boolean =>
  info.filterHeight === 3 && info.filterWidth === 3 && info.strideHeight === 1 && info.strideWidth === 1 && info.dilationHeight === 1 && info.dilationWidth === 1

/** A 3 x 3 stride-1 filter with at least 4 input and output channels, where Winograd measured faster in every direction. */
const winogradPays = (info: tf.backend_util.Conv2DInfo): boolean => winogradFits(info) && info.inChannels >= 4 && info.outChannels >= 4

/**
 * F(4x4, 3x3) covers the output in 4 x 4 tiles of 36 products per channel pair, F(2x2, 3x3) in 2 x 2
 * tiles of 16: the larger tiles pay when they cut the products by a quarter or more after the
 * padding of the last row and column of tiles (seed-cnn's 11 x 11: 324 against 576 an image; a 5 x 5
 * output: 144 both ways), and over enough images to outweigh its filter transform, 2.25 times
 * F(2x2)'s. Seed-cnn's second layer, CPU time per image on one core (AMD EPYC Zen 3, relaxed SIMD):
 * 298 against 435 us at 87 images, 390 against 423 at 16, 1,690 against 1,230 at one.
 */
function fourByFourPays(info: tf.backend_util.Conv2DInfo): boolean {
  const products = (tile: number, per: number): number => Math.ceil(info.outHeight / tile) * Math.ceil(info.outWidth / tile) * per
  return info.batchSize >= 8 && products(4, 36) <= 0.75 * products(2, 16)
}

/**
 * Whether a gradient tape records the kernel call running now: a training step's forward pass.
 * Those keep the kernels every training figure in the README was measured with (a change of
 * rounding changes a seeded run's path); a forward pass nothing differentiates (evaluate,
 * predict, the shift study) may take kernels that only inference uses.
 */
export const recordedForGradient = (): boolean => tf.engine().state.gradientDepth > 0

/** Input channels conv2d_direct takes: its passes splat each input once per cell of the filter. */
const DIRECT_MAX_IN_CHANNELS = 4

const directFits = (info: tf.backend_util.Conv2DInfo): boolean => info.inChannels <= DIRECT_MAX_IN_CHANNELS

/**
 * Up to 4 input channels, and at least 4 multiply-adds per output (filter cells times input
 * channels): below that each block of 8 output channels does too little between loading its bias
 * and storing (1 x 1 filters on 3 channels ran 1.26x slower than XNNPACK, on 1 channel even;
 * 2 x 2 on 1 channel 0.82x, 1 x 1 on 4 channels 0.97x).
 */
const directPays = (info: tf.backend_util.Conv2DInfo): boolean => directFits(info) && info.filterHeight * info.filterWidth * info.inChannels >= 4

/**
 * The fastest on this shape, as measured side by side in CPU time (batch 32, relaxed SIMD, 2-core
 * Xeon): Winograd for 3 x 3 stride-1 filters with at least 4 input and output channels (0.67x of
 * XNNPACK's time for seed-cnn's second layer, 0.54-0.92x from 4 to 128 channels); the patch GEMM
 * from 96 input channels up (0.79-0.95x), where XNNPACK was as fast or faster below that (1.06x at
 * 5 x 5 x 64, 1.2-2.5x at 1-16 channels).
 *
 * With `inference` (no gradient tape records the call; see recordedForGradient), Winograd's
 * F(4x4, 3x3) where fourByFourPays, and the direct kernel for up to 4 input channels (directPays),
 * which comes first. Measured side by side in CPU time on a 2-core AMD EPYC
 * (Zen 3, AVX2, no AVX-512; relaxed SIMD, best of 7-15 rounds taken in turn, other jobs on the
 * machine): seed-cnn's first layer (28 x 28 x 1 -> 64, 3 x 3) in 0.52-0.56x of XNNPACK's time at
 * batch 87 and 16 (the patch GEMM 1.4-1.9x); 0.52-0.63x for 1 channel to 8, 32 and 64 on 28 x 28,
 * 0.63-0.72x for 3 channels on 32 x 32, 0.59-0.80x for 2 and 4, 0.45-0.78x for 5 x 5 filters and
 * stride 2. At 4 channels Winograd took 1.23x; at 8 the two were even (0.73-0.94x against
 * 0.73-0.88x), so Winograd keeps those.
 */
export function convMethod(info: tf.backend_util.Conv2DInfo, inference = false): ConvMethod {
  if (forcedConvMethod) return (forcedConvMethod.startsWith('winograd') && !winogradFits(info)) || (forcedConvMethod === 'direct' && !directFits(info)) ? 'gemm' : forcedConvMethod
  if (inference && directPays(info)) return 'direct'
  if (winogradPays(info)) return inference && fourByFourPays(info) ? 'winograd-4x4' : 'winograd'
  return info.inChannels >= 96 ? 'gemm' : 'tfjs'
}

/** A gradient's way under forceConvMethod (Winograd where it fits, else the GEMM) or by winogradPays. */
function gradientMethod(info: tf.backend_util.Conv2DInfo): 'winograd' | 'gemm' {
  if (forcedConvMethod) return forcedConvMethod === 'winograd' && winogradFits(info) ? 'winograd' : 'gemm'
  return winogradPays(info) ? 'winograd' : 'gemm'
}

/**
 * How a convolution's input gradient runs. For a 3 x 3 stride-1 filter it is itself such a
 * convolution of dy by the filter rotated, from the output channels to the input channels, which
 * Winograd takes with at least 4 of each (0.77x of the GEMM and col2im's time for seed-cnn's
 * second layer at batch 32, 0.2-0.6x at 4-32 channels); the GEMM and col2im otherwise.
 */
export function inputGradientMethod(info: tf.backend_util.Conv2DInfo): 'winograd' | 'gemm' {
  return gradientMethod(info)
}

/**
 * How a convolution's filter gradient runs: for a 3 x 3 stride-1 filter with at least 4 input and
 * output channels by Winograd (16 GEMMs as deep as the tiles, between the forward's input transform
 * and a transform of dy); the patch GEMM otherwise. Measured side by side in CPU time on a 2-core
 * EPYC (Zen 3, relaxed SIMD, loaded): 0.60-0.79x of the patch GEMM's time for seed-cnn's second
 * layer at batch 16 and 32, 0.36-0.85x from 4 to 128 channels; 2x slower with 1 input channel.
 */
export function filterGradientMethod(info: tf.backend_util.Conv2DInfo): 'winograd' | 'gemm' {
  return gradientMethod(info)
}

/**
 * Conv2D and FusedConv2D (bias, then linear or ReLU) through kernels.c where convMethod finds it
 * faster: inference and every training step's forward pass. Everything else (NCHW, dilations,
 * other activations, PReLU weights, a bias that is not one value per output channel, other
 * dtypes) goes to `original`, tfjs's XNNPACK kernel.
 */
export function nativeConv2D(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { x, filter, bias, preluActivationWeights } = args.inputs as Record<string, tf.TensorInfo | undefined>
    const attrs = args.attrs as unknown as ConvAttrs
    const activation = attrs.activation ?? 'linear'
    const dilated = (Array.isArray(attrs.dilations) ? attrs.dilations : [attrs.dilations, attrs.dilations]).some((d) => d !== 1)
    if (!x || !filter || preluActivationWeights || attrs.dataFormat === 'NCHW' || dilated || (activation !== 'linear' && activation !== 'relu')) return original(args)
    if (x.dtype !== 'float32' || filter.dtype !== 'float32' || x.shape.length !== 4 || filter.shape.length !== 4) return original(args)
    const outChannels = filter.shape[3]
    if (bias && (bias.dtype !== 'float32' || product(bias.shape) !== outChannels || bias.shape[bias.shape.length - 1] !== outChannels)) return original(args)
    const backend = args.backend as BackendWasm
    const native = nativeKernels(backend)
    if (!native) return original(args)
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      filter.shape as [number, number, number, number],
      attrs.strides,
      1,
      attrs.pad,
      attrs.dimRoundingMode,
      false,
      'channelsLast'
    )
    const method = convMethod(info, !recordedForGradient())
    if (method === 'tfjs') return original(args)
    const out = backend.makeOutput(info.outShape, 'float32')
    if (product(info.outShape) === 0) return out
    const shape: [number, number, number, number] = [info.batchSize, info.inHeight, info.inWidth, info.inChannels]
    const pads: [number, number] = [info.padInfo.top, info.padInfo.left]
    const outSize: [number, number] = [info.outHeight, info.outWidth]
    const [xAt, filterAt, biasAt, outAt, relu] = [heapOffset(backend, x), heapOffset(backend, filter), bias ? heapOffset(backend, bias) : 0, heapOffset(backend, out), activation === 'relu']
    const kernel: [number, number] = [info.filterHeight, info.filterWidth]
    const strides: [number, number] = [info.strideHeight, info.strideWidth]
    const run: Record<Exclude<ConvMethod, 'tfjs'>, () => boolean> = {
      winograd: () => native.conv2dWinograd(xAt, shape, filterAt, false, outChannels, pads, outSize, biasAt, relu, outAt),
      'winograd-4x4': () => native.conv2dWinograd4x4(xAt, shape, filterAt, outChannels, pads, outSize, biasAt, relu, outAt),
      direct: () => native.conv2dDirect(xAt, shape, filterAt, kernel, outChannels, strides, pads, outSize, biasAt, relu, outAt),
      gemm: () => native.conv2dForward(xAt, shape, filterAt, kernel, outChannels, strides, pads, outSize, biasAt, relu, outAt)
    }
    if (run[method]()) return out
    backend.disposeData(out.dataId)
    return original(args)
  }
}
