import * as tf from '@tensorflow/tfjs'
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { initBackend, useBackend } from '../../src-main/engine/backends'
import { convMethod, filterGradientMethod, forceConvMethod, inputGradientMethod, recordedForGradient, type ConvMethod } from '../../src-main/engine/kernels/wasm/gemm-kernels'
import { kernelBuild, nativeKernels, nativeKernelsWanted, useKernelBuild, type KernelBuild, type NativeKernels } from '../../src-main/engine/kernels/wasm/native-kernels'
import { buildModel } from '../../src-main/engine/model/build-model'
import { getPreset } from '../../src-main/shared/presets'
import { valuesOn } from '../fixtures/engine/backend-values'

/** False in the unit-native-off project (CONVLAB_NATIVE_KERNELS=0): there every convolution is tfjs's. */
const native = nativeKernelsWanted()

type Pad = 'same' | 'valid' | number
/** [batch, height, width, in channels, filter height, filter width, out channels, stride, padding] */
type Case = [number, number, number, number, number, number, number, number | [number, number], Pad]

// Strides 1-3, 'same' padding that is uneven (even filters, stride 2 on even sizes), explicit padding,
// channels 1-64 with tails that are not multiples of 4 or 8, output sizes that are odd (a Winograd
// tile past the edge), output channels in multiples of 8, maps smaller than the
// filter's reach, and batches of 1 to 9.
const CASES: Case[] = [
  [1, 5, 5, 1, 3, 3, 1, 1, 'valid'],
  [2, 9, 8, 3, 3, 3, 5, 1, 'same'],
  [3, 12, 11, 7, 3, 3, 13, 2, 'same'],
  [1, 28, 28, 1, 3, 3, 64, 1, 'valid'],
  [4, 13, 13, 64, 3, 3, 128, 1, 'valid'],
  [2, 10, 9, 2, 4, 4, 3, 3, 'same'],
  [2, 8, 8, 6, 2, 2, 9, 2, 'same'],
  [1, 7, 6, 5, 3, 3, 4, 1, 1],
  [9, 6, 7, 4, 3, 3, 8, 1, 'same'],
  [2, 11, 10, 16, 5, 5, 12, 1, 'same'],
  [2, 14, 14, 33, 3, 3, 17, 2, 'valid'],
  [1, 9, 10, 8, 1, 1, 24, 1, 'valid'],
  [3, 15, 15, 10, 3, 3, 7, [1, 2], 'same'],
  [2, 2, 3, 9, 3, 3, 6, 1, 'same'],
  [1, 6, 6, 100, 3, 3, 10, 1, 'same'],
  [5, 4, 4, 12, 3, 3, 5, 1, 'valid'],
  [2, 8, 8, 2, 2, 2, 16, 2, 'same'],
  [3, 11, 10, 3, 5, 5, 8, [2, 1], 'same'],
  [1, 7, 9, 1, 3, 3, 16, 3, 1],
  // The direct kernel's edges: fewer output pixels than a pass (4) takes, pixel counts that leave a
  // last pass overlapping the one before, output channels past the last block of 8 (5, 4 and 3 of
  // them), 'same' padding with nothing on top and left (stride 2), batch 1.
  [3, 3, 3, 1, 3, 3, 6, 1, 'valid'],
  [1, 5, 4, 3, 2, 3, 13, 2, 'same'],
  [2, 9, 7, 2, 3, 3, 20, 1, 'valid'],
  [1, 8, 8, 1, 3, 3, 7, 2, 'same'],
  [2, 7, 7, 3, 3, 3, 11, 1, 'same']
]

const normal = (shape: number[], seed: number): tf.Tensor => tf.randomNormal(shape, 0, 1, 'float32', seed)

interface Conv {
  bias: boolean
  activation: 'linear' | 'relu'
}

function conv([n, h, w, c, kh, kw, cout, stride, pad]: Case, { bias, activation }: Conv): tf.Tensor {
  return tf.fused.conv2d({
    x: normal([n, h, w, c], 1) as tf.Tensor4D,
    filter: normal([kh, kw, c, cout], 2) as tf.Tensor4D,
    bias: bias ? normal([cout], 3) : undefined,
    strides: stride,
    pad: pad as 'same',
    activation
  })
}

/** The largest difference relative to the largest value (at least 1). */
function relativeError(actual: Float32Array, expected: Float32Array): number {
  expect(actual.length).toBe(expected.length)
  let worst = 0
  let scale = 1
  for (let i = 0; i < expected.length; i++) {
    worst = Math.max(worst, Math.abs(actual[i] - expected[i]))
    scale = Math.max(scale, Math.abs(expected[i]))
  }
  return worst / scale
}

/** Counts the calls of the native convolutions (and of the Winograd filter gradient) while `body` runs. */
async function countingNativeConvs<T>(
  body: () => Promise<T>
): Promise<{ result: T; winograd: number; winograd4x4: number; gemm: number; direct: number; winogradFilter: number }> {
  await useBackend('wasm')
  const kernels = nativeKernels(tf.backend() as BackendWasm) as NativeKernels
  const { conv2dWinograd, conv2dWinograd4x4, conv2dForward, conv2dDirect, conv2dWinogradFilterGrad } = kernels
  const counts = { winograd: 0, winograd4x4: 0, gemm: 0, direct: 0, winogradFilter: 0 }
  const mutable = kernels as { -readonly [K in keyof NativeKernels]: NativeKernels[K] }
  mutable.conv2dWinograd = (...args) => (counts.winograd++, conv2dWinograd(...args))
  mutable.conv2dWinograd4x4 = (...args) => (counts.winograd4x4++, conv2dWinograd4x4(...args))
  mutable.conv2dForward = (...args) => (counts.gemm++, conv2dForward(...args))
  mutable.conv2dDirect = (...args) => (counts.direct++, conv2dDirect(...args))
  mutable.conv2dWinogradFilterGrad = (...args) => (counts.winogradFilter++, conv2dWinogradFilterGrad(...args))
  try {
    return { result: await body(), ...counts }
  } finally {
    mutable.conv2dWinograd = conv2dWinograd
    mutable.conv2dWinograd4x4 = conv2dWinograd4x4
    mutable.conv2dForward = conv2dForward
    mutable.conv2dDirect = conv2dDirect
    mutable.conv2dWinogradFilterGrad = conv2dWinogradFilterGrad
  }
}

/**
 * Runs `body` with every native forward convolution's output filled with NaN before the kernel
 * writes it, so an output cell the kernel leaves unwritten fails the comparison instead of keeping
 * what an earlier method left in the same heap block.
 */
async function poisoningOutputs<T>(body: () => Promise<T>): Promise<T> {
  await useBackend('wasm')
  const kernels = nativeKernels(tf.backend() as BackendWasm) as NativeKernels
  const { conv2dWinograd, conv2dWinograd4x4, conv2dForward, conv2dDirect } = kernels
  const mutable = kernels as { -readonly [K in keyof NativeKernels]: NativeKernels[K] }
  const poison = (y: number, floats: number): void => kernels.writeFloats(y, new Float32Array(floats).fill(NaN))
  mutable.conv2dWinograd = (...args) => (poison(args[9], args[1][0] * args[6][0] * args[6][1] * args[4]), conv2dWinograd(...args))
  mutable.conv2dWinograd4x4 = (...args) => (poison(args[8], args[1][0] * args[5][0] * args[5][1] * args[3]), conv2dWinograd4x4(...args))
  mutable.conv2dForward = (...args) => (poison(args[10], args[1][0] * args[7][0] * args[7][1] * args[4]), conv2dForward(...args))
  mutable.conv2dDirect = (...args) => (poison(args[10], args[1][0] * args[7][0] * args[7][1] * args[4]), conv2dDirect(...args))
  try {
    return await body()
  } finally {
    mutable.conv2dWinograd = conv2dWinograd
    mutable.conv2dWinograd4x4 = conv2dWinograd4x4
    mutable.conv2dForward = conv2dForward
    mutable.conv2dDirect = conv2dDirect
  }
}

/** Runs `body` counting the wasm heap's blocks it allocates and does not free. */
async function heapBlocksLeftBy(body: () => Promise<void> | void): Promise<number> {
  await useBackend('wasm')
  const heap = (tf.backend() as BackendWasm).wasm as unknown as { _malloc(bytes: number): number; _free(ptr: number): void }
  const { _malloc: malloc, _free: free } = heap
  const live = new Set<number>()
  heap._malloc = (bytes) => {
    const ptr = malloc(bytes)
    live.add(ptr)
    return ptr
  }
  heap._free = (ptr) => {
    live.delete(ptr)
    free(ptr)
  }
  try {
    await body()
    return live.size
  } finally {
    heap._malloc = malloc
    heap._free = free
  }
}

const VARIANTS: Conv[] = [
  { bias: false, activation: 'linear' },
  { bias: true, activation: 'linear' },
  { bias: true, activation: 'relu' },
  { bias: false, activation: 'relu' }
]

beforeAll(async () => {
  await initBackend({ force: 'wasm' })
})

afterEach(() => forceConvMethod(null))

const BUILDS: KernelBuild[] = ['simd', 'relaxed-simd']
const METHODS: ConvMethod[] = native ? ['winograd', 'winograd-4x4', 'gemm', 'direct', 'tfjs'] : ['tfjs']
/** F(4x4, 3x3) and the direct kernel run only forward passes no gradient records, so the gradients have the others. */
const GRADIENT_METHODS = METHODS.filter((m) => m !== 'winograd-4x4' && m !== 'direct')

describe.each(BUILDS)('the forward convolution on wasm (%s build)', (build) => {
  const before = kernelBuild()
  beforeAll(() => useKernelBuild(build))
  afterAll(() => useKernelBuild(before))

  it.each(CASES)('%i x %i x %i x %i by %i x %i x %i, stride %j, padding %j: each method matches the cpu backend and XNNPACK', async (...c) => {
    for (const [v, variant] of VARIANTS.entries()) {
      // All four variants on the first cases; one each after that, taking turns.
      if (CASES.indexOf(c) > 3 && v !== CASES.indexOf(c) % VARIANTS.length) continue
      const reference = await valuesOn('cpu', () => conv(c, variant))
      forceConvMethod('tfjs')
      const xnnpack = await valuesOn('wasm', () => conv(c, variant))
      expect(xnnpack.shape).toEqual(reference.shape)
      for (const method of METHODS) {
        forceConvMethod(method)
        const ours = native ? await poisoningOutputs(() => valuesOn('wasm', () => conv(c, variant))) : await valuesOn('wasm', () => conv(c, variant))
        expect(ours.shape).toEqual(reference.shape)
        expect(relativeError(ours.values, reference.values)).toBeLessThan(1e-5)
        expect(relativeError(ours.values, xnnpack.values)).toBeLessThan(1e-5)
      }
    }
  })
})

/** The input (dx) or filter (dW) gradient of sum(conv(x, f) * w) alone. */
function gradient(of: 'input' | 'filter', [n, h, w, c, kh, kw, cout, stride, pad]: Case): tf.Tensor {
  const x = normal([n, h, w, c], 1) as tf.Tensor4D
  const f = normal([kh, kw, c, cout], 2) as tf.Tensor4D
  const weights = normal(tf.conv2d(x, f, stride, pad as 'same').shape, 3)
  const loss = (a: tf.Tensor, b: tf.Tensor): tf.Scalar => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, pad as 'same'), weights))
  return of === 'input' ? tf.grad((a: tf.Tensor) => loss(a, f))(x) : tf.grad((b: tf.Tensor) => loss(x, b))(f)
}

const GRADIENT_CASES: Case[] = [
  [2, 9, 8, 3, 3, 3, 5, 1, 'same'],
  [3, 13, 13, 8, 3, 3, 16, 1, 'valid'],
  [1, 7, 6, 5, 3, 3, 4, 1, 1],
  [2, 2, 3, 9, 3, 3, 6, 1, 'same'],
  [2, 6, 7, 70, 3, 3, 3, 1, 'valid']
]

// The filter gradient's transforms add: output sizes that leave a tile's right column or bottom row
// past the edge, channel counts that are not multiples of 4 on either side (their scalar tails), and
// more tiles than one block of 96 (seed-cnn's second layer takes a minute on the cpu backend: its
// shape is counted below instead).
const FILTER_GRADIENT_CASES: Case[] = [
  ...GRADIENT_CASES,
  [5, 4, 4, 12, 3, 3, 5, 1, 'valid'],
  [4, 13, 13, 16, 3, 3, 24, 1, 'valid'],
  [7, 11, 10, 6, 3, 3, 9, 1, 'same']
]

const GRADIENTS = BUILDS.flatMap((build) => [['input', build, GRADIENT_CASES] as const, ['filter', build, FILTER_GRADIENT_CASES] as const])

describe.each(GRADIENTS)('the 3 x 3 stride-1 %s gradient (%s build)', (of, build, cases) => {
  const before = kernelBuild()
  beforeAll(() => useKernelBuild(build))
  afterAll(() => useKernelBuild(before))

  it.each(cases)('%i x %i x %i x %i by %i x %i x %i, stride %j, padding %j: Winograd and the GEMM match the cpu backend', async (...c) => {
    const reference = await valuesOn('cpu', () => gradient(of, c))
    for (const method of GRADIENT_METHODS) {
      forceConvMethod(method)
      const ours = await valuesOn('wasm', () => gradient(of, c))
      expect(ours.shape).toEqual(reference.shape)
      expect(relativeError(ours.values, reference.values)).toBeLessThan(1e-5)
    }
  })
})

describe.runIf(native)('which convolutions run natively', () => {
  const infoOf = (x: number[], f: number[], stride: number, pad: 'same' | 'valid'): tf.backend_util.Conv2DInfo =>
    tf.backend_util.computeConv2DInfo(x as [number, number, number, number], f as [number, number, number, number], stride, 1, pad, undefined, false, 'channelsLast')

  it("follows the measured rule: Winograd for 3 x 3 stride 1 from 4 channels in and out, the GEMM from 96, XNNPACK otherwise (seed-cnn's first layer)", () => {
    expect(convMethod(infoOf([32, 28, 28, 1], [3, 3, 1, 64], 1, 'valid'))).toBe('tfjs')
    expect(convMethod(infoOf([32, 13, 13, 64], [3, 3, 64, 128], 1, 'valid'))).toBe('winograd')
    expect(convMethod(infoOf([32, 28, 28, 4], [3, 3, 4, 8], 1, 'same'))).toBe('winograd')
    expect(convMethod(infoOf([32, 28, 28, 16], [3, 3, 16, 2], 1, 'same'))).toBe('tfjs')
    expect(convMethod(infoOf([32, 14, 14, 128], [3, 3, 128, 128], 2, 'same'))).toBe('gemm')
    expect(convMethod(infoOf([32, 14, 14, 64], [5, 5, 64, 64], 1, 'same'))).toBe('tfjs')
    expect(convMethod(infoOf([32, 14, 14, 256], [1, 1, 256, 256], 1, 'valid'))).toBe('gemm')
  })

  it("takes seed-cnn's first layer directly only where no gradient tape records it (inference): up to 4 input channels, at least 4 multiply-adds an output", () => {
    const first = infoOf([87, 28, 28, 1], [3, 3, 1, 64], 1, 'valid')
    expect(convMethod(first, true)).toBe('direct')
    expect(convMethod(first)).toBe('tfjs')
    expect(convMethod(first, false)).toBe('tfjs')
    expect(convMethod(infoOf([16, 32, 32, 3], [3, 3, 3, 32], 1, 'same'), true)).toBe('direct')
    expect(convMethod(infoOf([16, 28, 28, 4], [3, 3, 4, 64], 1, 'valid'), true)).toBe('direct')
    expect(convMethod(infoOf([16, 28, 28, 1], [2, 2, 1, 64], 2, 'same'), true)).toBe('direct')
    expect(convMethod(infoOf([16, 28, 28, 3], [1, 1, 3, 32], 1, 'valid'), true)).toBe('tfjs')
    expect(convMethod(infoOf([16, 28, 28, 8], [3, 3, 8, 64], 1, 'valid'), true)).toBe('winograd-4x4')
    expect(convMethod(infoOf([4, 28, 28, 8], [3, 3, 8, 64], 1, 'valid'), true)).toBe('winograd')
    expect(convMethod(infoOf([32, 14, 14, 16], [3, 3, 16, 16], 2, 'same'), true)).toBe('tfjs')
    expect(recordedForGradient()).toBe(false)
    const seen: boolean[] = []
    tf.dispose(
      tf.grad((x: tf.Tensor) => {
        seen.push(recordedForGradient())
        return tf.sum(x)
      })(tf.ones([2]))
    )
    expect(seen).toEqual([true])
  })

  it("takes F(4x4, 3x3) for inference where its tiles cut the products by a quarter, over 8 images or more (seed-cnn's second layer), never for training", () => {
    const second = (n: number): tf.backend_util.Conv2DInfo => infoOf([n, 13, 13, 64], [3, 3, 64, 128], 1, 'valid')
    expect(convMethod(second(87), true)).toBe('winograd-4x4')
    expect(convMethod(second(8), true)).toBe('winograd-4x4')
    expect(convMethod(second(7), true)).toBe('winograd')
    expect(convMethod(second(87))).toBe('winograd')
    // A 5 x 5 output: four 4 x 4 tiles of 36 against nine 2 x 2 tiles of 16, no fewer products.
    expect(convMethod(infoOf([32, 7, 7, 64], [3, 3, 64, 64], 1, 'valid'), true)).toBe('winograd')
    expect(convMethod(infoOf([32, 28, 28, 16], [3, 3, 16, 32], 1, 'same'), true)).toBe('winograd-4x4')
    expect(convMethod(infoOf([32, 28, 28, 1], [3, 3, 1, 64], 1, 'valid'), true)).toBe('direct')
    expect(convMethod(infoOf([32, 14, 14, 128], [3, 3, 128, 128], 2, 'same'), true)).toBe('gemm')
  })

  it("runs seed-cnn's second layer by F(4x4, 3x3) in a forward pass no gradient records, and by F(2x2, 3x3) inside a training step's", async () => {
    const counts = await countingNativeConvs(async () => {
      const x = normal([8, 13, 13, 64], 1) as tf.Tensor4D
      const f = normal([3, 3, 64, 128], 2) as tf.Tensor4D
      const y = tf.conv2d(x, f, 1, 'valid')
      const df = tf.grad((b: tf.Tensor) => tf.sum(tf.conv2d(x, b as tf.Tensor4D, 1, 'valid')))(f)
      tf.dispose([x, f, y, df])
    })
    expect({ winograd4x4: counts.winograd4x4, winograd: counts.winograd, winogradFilter: counts.winogradFilter }).toEqual({ winograd4x4: 1, winograd: 1, winogradFilter: 1 })
  })

  it.each([
    ['input', inputGradientMethod],
    ['filter', filterGradientMethod]
  ] as const)('takes the %s gradient of a 3 x 3 stride-1 filter by Winograd from 4 channels in and out, by the GEMM otherwise', (_, method) => {
    expect(method(infoOf([32, 13, 13, 64], [3, 3, 64, 128], 1, 'valid'))).toBe('winograd')
    expect(method(infoOf([32, 28, 28, 4], [3, 3, 4, 4], 1, 'same'))).toBe('winograd')
    expect(method(infoOf([32, 13, 13, 64], [3, 3, 64, 3], 1, 'same'))).toBe('gemm')
    expect(method(infoOf([32, 28, 28, 1], [3, 3, 1, 64], 1, 'valid'))).toBe('gemm')
    expect(method(infoOf([32, 14, 14, 64], [3, 3, 64, 64], 2, 'same'))).toBe('gemm')
    expect(method(infoOf([32, 14, 14, 64], [5, 5, 64, 64], 1, 'same'))).toBe('gemm')
  })

  it("runs seed-cnn's second layer's filter gradient as one Winograd call, and its first layer's by the GEMM", async () => {
    const { winogradFilter } = await countingNativeConvs(async () => {
      const x1 = normal([2, 28, 28, 1], 1) as tf.Tensor4D
      const x2 = normal([2, 13, 13, 64], 2) as tf.Tensor4D
      const f1 = normal([3, 3, 1, 64], 3) as tf.Tensor4D
      const f2 = normal([3, 3, 64, 128], 4) as tf.Tensor4D
      const df1 = tf.grad((b: tf.Tensor) => tf.sum(tf.conv2d(x1, b as tf.Tensor4D, 1, 'valid')))(f1)
      const df2 = tf.grad((b: tf.Tensor) => tf.sum(tf.conv2d(x2, b as tf.Tensor4D, 1, 'valid')))(f2)
      tf.dispose([x1, x2, f1, f2, df1, df2])
    })
    expect(winogradFilter).toBe(1)
  })

  it('falls back to the GEMM-free ops form when Winograd has no memory for its scratch, with the same answer and nothing left behind', async () => {
    const c: Case = [3, 13, 13, 8, 3, 3, 16, 1, 'valid']
    const reference = await valuesOn('cpu', () => gradient('filter', c))
    await useBackend('wasm')
    const kernels = nativeKernels(tf.backend() as BackendWasm) as NativeKernels
    const mutable = kernels as { -readonly [K in keyof NativeKernels]: NativeKernels[K] }
    const { conv2dWinogradFilterGrad } = kernels
    let refused = 0
    mutable.conv2dWinogradFilterGrad = () => (refused++, false)
    const tensors = tf.memory().numTensors
    try {
      let ours: Awaited<ReturnType<typeof valuesOn>> | undefined
      const left = await heapBlocksLeftBy(async () => {
        ours = await valuesOn('wasm', () => gradient('filter', c))
      })
      expect(refused).toBe(1)
      expect(left).toBe(0)
      expect(tf.memory().numTensors).toBe(tensors)
      expect(relativeError(ours!.values, reference.values)).toBeLessThan(1e-5)
    } finally {
      mutable.conv2dWinogradFilterGrad = conv2dWinogradFilterGrad
    }
  })

  it("runs seed-cnn's second layer's input gradient as one Winograd call", async () => {
    const { winograd, gemm } = await countingNativeConvs(async () => {
      const x = normal([2, 13, 13, 64], 1) as tf.Tensor4D
      const f = normal([3, 3, 64, 128], 2) as tf.Tensor4D
      const dx = tf.grad((a: tf.Tensor) => tf.sum(tf.conv2d(a as tf.Tensor4D, f, 1, 'valid')))(x)
      tf.dispose([x, f, dx])
    })
    // One for the forward pass, one for dx.
    expect({ winograd, gemm }).toEqual({ winograd: 2, gemm: 0 })
  })

  it("runs seed-cnn's second layer as one Winograd call and its first directly outside a gradient tape, in Conv2D and FusedConv2D alike", async () => {
    const { winograd, gemm, direct } = await countingNativeConvs(async () => {
      const x = normal([2, 28, 28, 1], 1) as tf.Tensor4D
      const y1 = tf.conv2d(x, normal([3, 3, 1, 64], 2) as tf.Tensor4D, 1, 'valid')
      const pooled = tf.maxPool(y1, 2, 2, 'valid')
      const y2 = tf.fused.conv2d({ x: pooled, filter: normal([3, 3, 64, 128], 3) as tf.Tensor4D, bias: normal([128], 4), activation: 'relu', strides: 1, pad: 'valid' })
      const y3 = tf.conv2d(pooled, normal([3, 3, 64, 8], 5) as tf.Tensor4D, 1, 'same')
      tf.dispose([x, y1, pooled, y2, y3])
    })
    expect({ winograd, gemm, direct }).toEqual({ winograd: 2, gemm: 0, direct: 1 })
  })

  it("runs seed-cnn's first layer directly in predict and on XNNPACK in a training step, whose forward pass keeps the kernels it was measured with", async () => {
    await useBackend('wasm')
    const spec = getPreset('seed-cnn')
    if (!spec) throw new Error('no seed-cnn preset')
    const model = buildModel(spec, { seed: 1 })
    const x = normal([2, ...spec.inputShape], 1)
    const labels = tf.oneHot(tf.tensor1d([3, 7], 'int32'), 10)
    try {
      const predict = await countingNativeConvs(async () => tf.dispose(model.predict(x) as tf.Tensor))
      expect(predict).toMatchObject({ direct: 1, winograd: 1 })
      const vars = model.trainableWeights.map((w) => w.read() as tf.Variable)
      const step = await countingNativeConvs(async () => {
        const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(labels, model.apply(x, { training: true }) as tf.Tensor), vars)
        tf.dispose([value, ...Object.values(grads)])
      })
      // Winograd: the second layer's forward pass and its input gradient; the first layer's forward pass on XNNPACK.
      expect(step).toMatchObject({ direct: 0, winograd: 2 })
    } finally {
      tf.dispose([x, labels])
      model.dispose()
    }
  })

  it('leaves dilations, other activations and PReLU weights to XNNPACK, with the same answers as the cpu backend', async () => {
    const x = (): tf.Tensor4D => normal([2, 9, 9, 8], 1) as tf.Tensor4D
    const f = (): tf.Tensor4D => normal([3, 3, 8, 6], 2) as tf.Tensor4D
    const cases: (() => tf.Tensor)[] = [
      () => tf.conv2d(x(), f(), 1, 'same', 'NHWC', 2),
      () => tf.fused.conv2d({ x: x(), filter: f(), bias: normal([6], 3), activation: 'elu', strides: 1, pad: 'same' }),
      () => tf.fused.conv2d({ x: x(), filter: f(), activation: 'prelu', preluActivationWeights: normal([6], 4), strides: 1, pad: 'same' })
    ]
    for (const make of cases) {
      const reference = await valuesOn('cpu', make)
      const { result, winograd, gemm } = await countingNativeConvs(() => valuesOn('wasm', make))
      expect({ winograd, gemm }).toEqual({ winograd: 0, gemm: 0 })
      expect(relativeError(result.values, reference.values)).toBeLessThan(1e-5)
    }
  })
})

describe('the forward convolution and the filter gradient leave nothing behind', () => {
  it('no tensors, and no heap memory once their outputs are disposed', async () => {
    await useBackend('wasm')
    // 16 input channels, and 2 (which the direct kernel takes)
    const inputs = [normal([3, 12, 11, 16], 1), normal([3, 12, 11, 2], 5)] as tf.Tensor4D[]
    const filters = [normal([3, 3, 16, 8], 2), normal([2, 2, 16, 8], 3), normal([3, 3, 2, 8], 6)] as tf.Tensor4D[]
    const bias = normal([8], 4)
    const tensors = tf.memory().numTensors
    try {
      const left = await heapBlocksLeftBy(() => {
        for (const method of METHODS) {
          forceConvMethod(method)
          for (const filter of filters) {
            const x = inputs.find((t) => t.shape[3] === filter.shape[2])!
            tf.dispose([tf.conv2d(x, filter, 1, 'same'), tf.fused.conv2d({ x, filter, bias, activation: 'relu', strides: 2, pad: 'same' })])
            tf.dispose(tf.grad((b: tf.Tensor) => tf.sum(tf.conv2d(x, b as tf.Tensor4D, 1, 'same')))(filter))
          }
        }
      })
      expect(tf.memory().numTensors).toBe(tensors)
      expect(left).toBe(0)
    } finally {
      tf.dispose([...inputs, ...filters, bias])
    }
  })
})
