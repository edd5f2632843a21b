/**
 * Loads ConvLab's wasm SIMD kernels (kernels.c) into the tfjs wasm backend's own memory, so they
 * read and write its tensors where they lie. Loaded once per backend instance and build; when the
 * backend's memory cannot be shared (a threaded build's shared memory, a changed tfjs build), the
 * kernels are unavailable and callers fall back to tfjs's own. Of the two builds, the relaxed-SIMD
 * one is used where the engine validates relaxed SIMD (Node 22+, Electron 45), the plain one elsewhere
 * or when CONVLAB_RELAXED_SIMD=0.
 */
import type * as tf from '@tensorflow/tfjs'
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm'
import { KERNELS_RELAXED_SIMD_WASM_BASE64, KERNELS_WASM_BASE64 } from './kernels-binary'

/** Which build of kernels.c: plain SIMD, or relaxed SIMD (fused multiply-adds in the GEMM). */
export type KernelBuild = 'simd' | 'relaxed-simd'

/**
 * The smallest module that uses f32x4.relaxed_madd: (func (param v128 v128 v128) (result v128)
 * local.get 0 local.get 1 local.get 2 f32x4.relaxed_madd). An engine without relaxed SIMD rejects it.
 */
const RELAXED_MADD_PROBE = Uint8Array.from([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x01, 0x60, 0x03, 0x7b, 0x7b, 0x7b, 0x01, 0x7b, 0x03, 0x02, 0x01, 0x00, 0x0a, 0x0d, 0x01, 0x0b,
  0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfd, 0x85, 0x02, 0x0b
])

export function engineHasRelaxedSimd(): boolean {
  return WebAssembly.validate(RELAXED_MADD_PROBE)
}

/**
 * The build to use: relaxed SIMD where the engine has it, unless `setting` (CONVLAB_RELAXED_SIMD)
 * is 0; 1 asks for it and is an error where the engine lacks it.
 */
export function chooseKernelBuild(setting: string | undefined, relaxedAvailable: boolean): KernelBuild {
  const value = setting?.trim() ?? ''
  if (value === '0') return 'simd'
  if (value === '1') {
    if (!relaxedAvailable) throw new Error('CONVLAB_RELAXED_SIMD=1 asks for relaxed SIMD, which this JavaScript engine does not support')
    return 'relaxed-simd'
  }
  if (value !== '') throw new Error(`CONVLAB_RELAXED_SIMD must be 0 or 1, not "${value}"`)
  return relaxedAvailable ? 'relaxed-simd' : 'simd'
}

export interface NativeKernels {
  /** Which build of kernels.c this is. */
  readonly build: KernelBuild
  /** C = op(A) op(B) (or C += with `accumulate`); addresses are byte offsets into the heap. */
  sgemm(transA: boolean, transB: boolean, m: number, n: number, k: number, a: number, lda: number, b: number, ldb: number, c: number, ldc: number, accumulate: boolean): void
  /** Adds bias (0: none) to each row of C (m x n), then ReLU when asked. */
  biasRelu(c: number, m: number, n: number, bias: number, relu: boolean): void
  /**
   * y (NHWC) = the convolution of NHWC x by an HWIO filter, plus bias (0: none), then ReLU when asked;
   * see kernels.c. Allocates and frees its own scratch; false when there was no memory for it.
   */
  conv2dForward(x: number, shape: [number, number, number, number], filter: number, kernel: [number, number], outChannels: number, strides: [number, number], pads: [number, number], out: [number, number], bias: number, relu: boolean, y: number): boolean
  /**
   * The same computed directly, vectors of output channels at a time: for few input channels (see kernels.c's
   * conv2d_direct). False when there was no memory for its scratch.
   */
  conv2dDirect(x: number, shape: [number, number, number, number], filter: number, kernel: [number, number], outChannels: number, strides: [number, number], pads: [number, number], out: [number, number], bias: number, relu: boolean, y: number): boolean
  /**
   * The same for a 3 x 3 filter at stride 1, by Winograd's F(2x2, 3x3); with `flip`, the filter
   * (3, 3, outChannels, c) is rotated and transposed, as an input gradient needs. See kernels.c.
   */
  conv2dWinograd(x: number, shape: [number, number, number, number], filter: number, flip: boolean, outChannels: number, pads: [number, number], out: [number, number], bias: number, relu: boolean, y: number): boolean
  /** The same without `flip`, by Winograd's F(4x4, 3x3): fewer multiplies, a little more rounding (inference only; see kernels.c). */
  conv2dWinograd4x4(x: number, shape: [number, number, number, number], filter: number, outChannels: number, pads: [number, number], out: [number, number], bias: number, relu: boolean, y: number): boolean
  /**
   * The filter gradient (3, 3, c, outChannels) of a 3 x 3 stride-1 convolution of x by Winograd's
   * F(2x2, 3x3), from x and dy (n, out[0], out[1], outChannels); see kernels.c. False when there was no memory for it.
   */
  conv2dWinogradFilterGrad(x: number, shape: [number, number, number, number], dy: number, outChannels: number, pads: [number, number], out: [number, number], dw: number): boolean
  /** NHWC x -> [n*oh*ow, kh*kw*c] patches; see kernels.c. */
  im2col(x: number, shape: [number, number, number, number], kernel: [number, number], strides: [number, number], pads: [number, number], out: [number, number], col: number): void
  /** The adjoint of im2col, into dx (overwritten). */
  col2im(col: number, shape: [number, number, number, number], kernel: [number, number], strides: [number, number], pads: [number, number], out: [number, number], dx: number): void
  /** Max pooling's gradient on NHWC x into dx (overwritten). */
  maxPoolGrad(x: number, dy: number, dx: number, shape: [number, number, number, number], window: [number, number], strides: [number, number], pads: [number, number], out: [number, number]): void
  /** out[r] = x[rows[r]], rows of `row` 4-byte values; `rows` is a heap address of int32s. */
  gatherRows(x: number, rows: number, count: number, row: number, out: number): void
  /** out[j] = sum over i of x[i, j], for a rows x cols matrix. */
  sumRows(x: number, rows: number, cols: number, out: number): void
  /** One Adam step over n floats into new buffers; see kernels.c for the exact float order. */
  adamStep(ptrs: { value: number; m: number; v: number; g: number; valueOut: number; mOut: number; vOut: number }, n: number, k: AdamConstants): void
  /** BlurPool's reflect-padded blur of NHWC x by a b x b kernel at a stride, and its adjoint; see kernels.c. */
  blurForward(x: number, shape: [number, number, number, number], kernel: number, b: number, before: number, stride: number, out: [number, number], y: number): void
  blurBackward(dy: number, shape: [number, number, number, number], kernel: number, b: number, before: number, stride: number, out: [number, number], dx: number): void
  /** value' = g * negLearningRate + value over n floats, into valueOut. */
  sgdStep(value: number, g: number, n: number, negLearningRate: number, valueOut: number): void
  /** Copies `values` as float32 to heap address `ptr`. */
  writeFloats(ptr: number, values: ArrayLike<number>): void
  malloc(bytes: number): number
  free(ptr: number): void
}

/** Adam's float32 constants for one step. */
export interface AdamConstants {
  beta1: number
  oneMinusBeta1: number
  beta2: number
  oneMinusBeta2: number
  /** 1 - beta1^t and 1 - beta2^t. */
  oneMinusAccBeta1: number
  oneMinusAccBeta2: number
  epsilon: number
  negLearningRate: number
}

interface Exports {
  sgemm(...args: number[]): void
  sgemm_scratch_floats(): number
  bias_relu(...args: number[]): void
  conv2d_scratch_floats(kh: number, kw: number, c: number, cout: number): number
  conv2d_forward(...args: number[]): void
  direct_scratch_floats(kh: number, kw: number, c: number, cout: number, sh: number, sw: number, oh: number, ow: number): number
  conv2d_direct(...args: number[]): void
  winograd_scratch_floats(c: number, cout: number): number
  conv2d_winograd(...args: number[]): void
  winograd4_scratch_floats(c: number, cout: number): number
  conv2d_winograd4(...args: number[]): void
  winograd_filter_grad_scratch_floats(c: number, cout: number): number
  conv2d_winograd_filter_grad(...args: number[]): void
  im2col(...args: number[]): void
  col2im(...args: number[]): void
  maxpool_grad(...args: number[]): void
  gather_rows(...args: number[]): void
  sum_rows(...args: number[]): void
  adam_step(...args: number[]): void
  sgd_step(...args: number[]): void
  blur_forward(...args: number[]): void
  blur_backward(...args: number[]): void
}

interface EmscriptenModule {
  asm?: { memory?: unknown }
  _malloc(bytes: number): number
  _free(ptr: number): void
}

/** Per backend instance and build: its loaded kernels, or why they could not be loaded. */
const loaded = new WeakMap<object, Partial<Record<KernelBuild, NativeKernels | string>>>()
const compiled: Partial<Record<KernelBuild, WebAssembly.Module>> = {}
let lastError: string | null = null
let build: KernelBuild | null = null

/** The build the kernels load as, chosen on first use (see chooseKernelBuild). */
export function kernelBuild(): KernelBuild {
  build ??= chooseKernelBuild(process.env.CONVLAB_RELAXED_SIMD, engineHasRelaxedSimd())
  return build
}

/** Switches the build later loads use, for the bench to compare both in one run and the tests to cover both. */
export function useKernelBuild(next: KernelBuild): void {
  if (next === 'relaxed-simd' && !engineHasRelaxedSimd()) throw new Error('this JavaScript engine does not support relaxed SIMD')
  build = next
}

/** Why the kernels are not in use, or null when they are (or were never asked for). */
export function nativeKernelsError(): string | null {
  return lastError
}

/**
 * CONVLAB_NATIVE_KERNELS=0 turns ConvLab's kernels off, so every caller takes its tfjs fallback:
 * to rule them out when a result looks wrong, and to test the fallbacks. Read once: every kernel
 * call asks, and reading the environment costs about a microsecond.
 */
let wanted = process.env.CONVLAB_NATIVE_KERNELS?.trim() !== '0'

export function nativeKernelsWanted(): boolean {
  return wanted
}

/** Turns the kernels off or on again in this thread, so a test can compare both paths in one process. */
export function setNativeKernelsWanted(on: boolean): void {
  wanted = on
}

export function nativeKernels(backend: BackendWasm): NativeKernels | null {
  if (!nativeKernelsWanted()) {
    lastError = 'turned off by CONVLAB_NATIVE_KERNELS=0'
    return null
  }
  const which = kernelBuild()
  let builds = loaded.get(backend)
  if (!builds) loaded.set(backend, (builds = {}))
  let kernels = builds[which]
  if (kernels === undefined) {
    try {
      kernels = instantiate(backend.wasm as unknown as EmscriptenModule, which)
    } catch (err) {
      kernels = err instanceof Error ? err.message : String(err)
    }
    builds[which] = kernels
  }
  lastError = typeof kernels === 'string' ? kernels : null
  return typeof kernels === 'string' ? null : kernels
}

function instantiate(module: EmscriptenModule, which: KernelBuild): NativeKernels {
  const memory = module.asm?.memory
  if (!(memory instanceof WebAssembly.Memory)) throw new Error('the tfjs wasm backend does not expose its memory')
  const binary = which === 'relaxed-simd' ? KERNELS_RELAXED_SIMD_WASM_BASE64 : KERNELS_WASM_BASE64
  const x = new WebAssembly.Instance((compiled[which] ??= new WebAssembly.Module(Buffer.from(binary, 'base64'))), { env: { memory } }).exports as unknown as Exports
  const scratch = module._malloc(x.sgemm_scratch_floats() * 4)
  if (!scratch) throw new Error('no memory for the GEMM scratch space')
  /** Runs `body` with `floats` of scratch allocated for it; false when there was no memory. */
  const withScratch = (floats: number, body: (at: number) => void): boolean => {
    const at = module._malloc(floats * 4)
    if (!at) return false
    try {
      body(at)
    } finally {
      module._free(at)
    }
    return true
  }
  return {
    build: which,
    sgemm: (ta, tb, m, n, k, a, lda, b, ldb, c, ldc, acc) => x.sgemm(+ta, +tb, m, n, k, a, lda, b, ldb, c, ldc, +acc, scratch),
    biasRelu: (c, m, n, bias, relu) => x.bias_relu(c, m, n, bias, +relu),
    conv2dForward: (ptr, [n, h, w, c], filter, [kh, kw], cout, [sh, sw], [top, left], [oh, ow], bias, relu, y) =>
      withScratch(x.conv2d_scratch_floats(kh, kw, c, cout), (at) => x.conv2d_forward(ptr, n, h, w, c, filter, kh, kw, cout, sh, sw, top, left, oh, ow, bias, +relu, y, at)),
    conv2dDirect: (ptr, [n, h, w, c], filter, [kh, kw], cout, [sh, sw], [top, left], [oh, ow], bias, relu, y) =>
      withScratch(x.direct_scratch_floats(kh, kw, c, cout, sh, sw, oh, ow), (at) => x.conv2d_direct(ptr, n, h, w, c, filter, kh, kw, cout, sh, sw, top, left, oh, ow, bias, +relu, y, at)),
    conv2dWinograd: (ptr, [n, h, w, c], filter, flip, cout, [top, left], [oh, ow], bias, relu, y) =>
      withScratch(x.winograd_scratch_floats(c, cout), (at) => x.conv2d_winograd(ptr, n, h, w, c, filter, +flip, cout, top, left, oh, ow, bias, +relu, y, at)),
    conv2dWinograd4x4: (ptr, [n, h, w, c], filter, cout, [top, left], [oh, ow], bias, relu, y) =>
      withScratch(x.winograd4_scratch_floats(c, cout), (at) => x.conv2d_winograd4(ptr, n, h, w, c, filter, cout, top, left, oh, ow, bias, +relu, y, at)),
    conv2dWinogradFilterGrad: (ptr, [n, h, w, c], dy, cout, [top, left], [oh, ow], dw) =>
      withScratch(x.winograd_filter_grad_scratch_floats(c, cout), (at) => x.conv2d_winograd_filter_grad(ptr, n, h, w, c, dy, cout, top, left, oh, ow, dw, at, scratch)),
    im2col: (ptr, [n, h, w, c], [kh, kw], [sh, sw], [top, left], [oh, ow], col) => x.im2col(ptr, n, h, w, c, kh, kw, sh, sw, top, left, oh, ow, col),
    col2im: (col, [n, h, w, c], [kh, kw], [sh, sw], [top, left], [oh, ow], dx) => x.col2im(col, n, h, w, c, kh, kw, sh, sw, top, left, oh, ow, dx),
    maxPoolGrad: (ptr, dy, dx, [n, h, w, c], [fh, fw], [sh, sw], [top, left], [oh, ow]) => x.maxpool_grad(ptr, dy, dx, n, h, w, c, fh, fw, sh, sw, top, left, oh, ow),
    gatherRows: (ptr, rows, count, row, out) => x.gather_rows(ptr, rows, count, row, out),
    sumRows: (ptr, rows, cols, out) => x.sum_rows(ptr, rows, cols, out),
    adamStep: (p, n, k) =>
      x.adam_step(p.value, p.m, p.v, p.g, n, k.beta1, k.oneMinusBeta1, k.beta2, k.oneMinusBeta2, k.oneMinusAccBeta1, k.oneMinusAccBeta2, k.epsilon, k.negLearningRate, p.valueOut, p.mOut, p.vOut),
    blurForward: (ptr, [n, h, w, c], kernel, b, before, stride, [oh, ow], y) => x.blur_forward(ptr, n, h, w, c, kernel, b, before, stride, oh, ow, y),
    blurBackward: (dy, [n, h, w, c], kernel, b, before, stride, [oh, ow], dx) => x.blur_backward(dy, n, h, w, c, kernel, b, before, stride, oh, ow, dx),
    sgdStep: (value, g, n, negLearningRate, valueOut) => x.sgd_step(value, g, n, negLearningRate, valueOut),
    writeFloats: (ptr, values) => new Float32Array(memory.buffer, ptr, values.length).set(values),
    malloc: (bytes) => module._malloc(bytes) >>> 0,
    free: (ptr) => module._free(ptr)
  }
}

/** The kernels of the backend a ConvLab kernel function was called with; they must be loaded. */
export function requireNativeKernels(backend: unknown): { wasm: BackendWasm; native: NativeKernels } {
  const wasm = backend as BackendWasm
  const native = nativeKernels(wasm)
  if (!native) throw new Error('ConvLab wasm kernels are not loaded')
  return { wasm, native }
}

/** Byte offset of a tensor's data in the backend's heap. */
export function heapOffset(backend: BackendWasm, t: tf.TensorInfo): number {
  return backend.dataIdMap.get(t.dataId).memoryOffset
}
