import * as tf from '@tensorflow/tfjs'
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm'
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { initBackend, useBackend } from '../../src-main/engine/backends'
import { buildModel } from '../../src-main/engine/model/build-model'
import { FusedAdam, FusedSgd, makeOptimizer } from '../../src-main/engine/kernels/optimizer'
import { planMatMul } from '../../src-main/engine/kernels/wasm/gemm-kernels'
import {
  chooseKernelBuild,
  engineHasRelaxedSimd,
  kernelBuild,
  nativeKernels,
  nativeKernelsError,
  nativeKernelsWanted,
  setNativeKernelsWanted,
  useKernelBuild,
  type KernelBuild
} from '../../src-main/engine/kernels/wasm/native-kernels'
import { conv2dInputGradient } from '../../src-main/engine/kernels/wasm-kernels'
import { ModelSpec, type BlurSize } from '../../src-main/shared/layers'
import { blur } from '../../src-main/engine/kernels/blur'
import { valuesOn } from '../fixtures/engine/backend-values'

const root = resolve(__dirname, '../..')
/** False in the unit-native-off project (CONVLAB_NATIVE_KERNELS=0): the same checks then run tfjs's fallbacks. */
const native = nativeKernelsWanted()

/** Runs `make` on cpu and on wasm and returns both results as plain arrays. */
async function onBoth(make: () => tf.Tensor): Promise<{ cpu: Float32Array; wasm: Float32Array; shape: number[] }> {
  const cpu = await valuesOn('cpu', make)
  const wasm = await valuesOn('wasm', make)
  expect(wasm.shape).toEqual(cpu.shape)
  return { cpu: cpu.values, wasm: wasm.values, shape: cpu.shape }
}

function expectClose(actual: Float32Array, expected: Float32Array, relative = 1e-4): void {
  expect(actual.length).toBe(expected.length)
  const scale = expected.reduce((m, v) => Math.max(m, Math.abs(v)), 1)
  let worst = 0
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]))
  expect(worst / scale).toBeLessThan(relative)
}

const normal = (shape: number[], seed: number): tf.Tensor => tf.randomNormal(shape, 0, 1, 'float32', seed)

beforeAll(async () => {
  await initBackend({ force: 'wasm' })
})

describe('the native kernels module', () => {
  it.runIf(native)('loads into the wasm backend it serves', () => {
    expect(nativeKernels(tf.backend() as BackendWasm)).not.toBeNull()
    expect(nativeKernelsError()).toBeNull()
  })

  it.runIf(!native)('stays out of the way when CONVLAB_NATIVE_KERNELS=0, saying so', () => {
    expect(nativeKernels(tf.backend() as BackendWasm)).toBeNull()
    expect(nativeKernelsError()).toMatch(/CONVLAB_NATIVE_KERNELS=0/)
  })

  it('is the build of kernels.c that is committed (when this machine has the same clang)', (ctx) => {
    let version: string
    try {
      version = execFileSync('clang', ['--version'], { encoding: 'utf8' }).split('\n')[0].trim()
    } catch {
      ctx.skip()
      return
    }
    const committed = readFileSync(resolve(root, 'src-main/engine/kernels/wasm/kernels-binary.ts'), 'utf8')
    if (!committed.includes(JSON.stringify(version))) ctx.skip()
    const out = execFileSync(process.execPath, [resolve(root, 'scripts/build-wasm-kernels.mjs'), '--check'], { encoding: 'utf8' })
    expect(out).toMatch(/matches kernels.c \(SIMD and relaxed SIMD\)/)
  })
})

describe('the relaxed-SIMD build', () => {
  it('is what this Node (24, relaxed SIMD on by default) loads unless CONVLAB_RELAXED_SIMD=0 says otherwise', () => {
    expect(engineHasRelaxedSimd()).toBe(true)
    expect(kernelBuild()).toBe(process.env.CONVLAB_RELAXED_SIMD === '0' ? 'simd' : 'relaxed-simd')
  })

  it('is chosen from the setting and what the engine validates', () => {
    expect(chooseKernelBuild(undefined, true)).toBe('relaxed-simd')
    expect(chooseKernelBuild('', true)).toBe('relaxed-simd')
    expect(chooseKernelBuild(undefined, false)).toBe('simd')
    expect(chooseKernelBuild('0', true)).toBe('simd')
    expect(chooseKernelBuild('1', true)).toBe('relaxed-simd')
    expect(() => chooseKernelBuild('1', false)).toThrow(/does not support/)
    expect(() => chooseKernelBuild('yes', true)).toThrow(/CONVLAB_RELAXED_SIMD must be 0 or 1, not "yes"/)
  })

  // Only with the kernels on: the unit-native-off run has no module of either build to compare.
  it.skipIf(!native)('gives the plain build\'s products within float rounding, from its own module', async () => {
    await useBackend('wasm')
    const product = (build: KernelBuild): Float32Array => {
      useKernelBuild(build)
      expect(nativeKernels(tf.backend() as BackendWasm)?.build).toBe(build)
      return tf.tidy(() => tf.matMul(normal([37, 600], 1), normal([600, 29], 2))).dataSync() as Float32Array
    }
    const before = kernelBuild()
    try {
      expectClose(product('relaxed-simd'), product('simd'), 1e-5)
    } finally {
      useKernelBuild(before)
    }
  })
})

describe('planMatMul', () => {
  it('reads plain and transposed operands', () => {
    expect(planMatMul([3, 4], [4, 5], false, false)).toMatchObject({ batch: 1, m: 3, k: 4, n: 5, lda: 4, ldb: 5, outShape: [3, 5] })
    expect(planMatMul([4, 3], [5, 4], true, true)).toMatchObject({ batch: 1, m: 3, k: 4, n: 5, lda: 3, ldb: 4, outShape: [3, 5] })
  })

  it('maps equal batch dimensions to strided matrices and broadcasts a single matrix', () => {
    expect(planMatMul([2, 3, 3, 4], [2, 3, 4, 5], false, false)).toMatchObject({ batch: 6, strideA: 12, strideB: 20, outShape: [2, 3, 3, 5] })
    expect(planMatMul([1, 3, 4], [6, 4, 5], false, false)).toMatchObject({ batch: 6, strideA: 0, strideB: 20, outShape: [6, 3, 5] })
    expect(planMatMul([6, 3, 4], [4, 5], false, false)).toMatchObject({ batch: 6, strideA: 12, strideB: 0, outShape: [6, 3, 5] })
  })

  it('declines what it does not cover, so tfjs handles it', () => {
    expect(planMatMul([2, 1, 3, 4], [1, 5, 4, 5], false, false)).toBeNull()
    expect(planMatMul([3, 4], [5, 6], false, false)).toBeNull()
    expect(planMatMul([4], [4, 5], false, false)).toBeNull()
  })
})

const BUILDS: KernelBuild[] = ['simd', 'relaxed-simd']

describe.each(BUILDS)('GEMM on wasm (%s build) against the cpu backend', (build) => {
  const before = kernelBuild()
  beforeAll(() => useKernelBuild(build))
  afterAll(() => useKernelBuild(before))

  // Sizes cross every blocking edge in kernels.c: MR 6, NR 8, KC 512, MC 96, NC 1024, and last
  // panels of 1, 4 and 5 rows (the 4-row kernel, and the 6-row one with a row to spare).
  const sizes: [number, number, number][] = [
    [1, 1, 1],
    [7, 5, 3],
    [16, 40, 24],
    [11, 70, 33],
    [32, 784, 100],
    [97, 33, 17],
    [13, 600, 1030],
    [6, 8, 16]
  ]
  const cases = sizes.flatMap(([m, k, n]) =>
    [
      [false, false],
      [true, false],
      [false, true],
      [true, true]
    ].map(([ta, tb]) => [`${m}x${k}x${n}${ta ? ' A^T' : ''}${tb ? ' B^T' : ''}`, m, k, n, ta, tb] as const)
  )

  it.each(cases)('%s', async (_, m, k, n, ta, tb) => {
    const { cpu, wasm } = await onBoth(() => tf.matMul(normal(ta ? [k, m] : [m, k], 1), normal(tb ? [n, k] : [k, n], 2), ta, tb))
    expectClose(wasm, cpu)
  })

  it('batched and broadcast products', async () => {
    const same = await onBoth(() => tf.matMul(normal([2, 3, 5, 4], 3), normal([2, 3, 4, 7], 4), false, false))
    expectClose(same.wasm, same.cpu)
    const shared = await onBoth(() => tf.matMul(normal([4, 5], 5), normal([3, 6, 4], 6), true, true))
    expectClose(shared.wasm, shared.cpu)
    const unusual = await onBoth(() => tf.matMul(normal([2, 1, 3, 4], 7), normal([1, 3, 4, 2], 8)))
    expectClose(unusual.wasm, unusual.cpu)
  })

  it('zero-sized products give zeros of the right shape', async () => {
    const { cpu, wasm, shape } = await onBoth(() => tf.matMul(tf.zeros([3, 0]), tf.zeros([0, 4])))
    expect(shape).toEqual([3, 4])
    expect(Array.from(wasm)).toEqual(Array.from(cpu))
  })

  it('fused products with bias and ReLU, and with activations it leaves to tfjs', async () => {
    for (const activation of ['linear', 'relu', 'elu'] as const) {
      const { cpu, wasm } = await onBoth(() => tf.fused.matMul({ a: normal([9, 20], 9), b: normal([20, 11], 10), bias: normal([11], 11), activation }))
      expectClose(wasm, cpu)
    }
    const noBias = await onBoth(() => tf.fused.matMul({ a: normal([20, 9], 12), b: normal([11, 20], 13), transposeA: true, transposeB: true, activation: 'relu' }))
    expectClose(noBias.wasm, noBias.cpu)
  })

  it('leaves no tensors behind', async () => {
    await useBackend('wasm')
    const before = tf.memory().numTensors
    tf.tidy(() => tf.matMul(normal([40, 30], 1), normal([20, 30], 2), false, true)).dispose()
    tf.tidy(() => tf.fused.matMul({ a: normal([4, 3], 1), b: normal([3, 2], 2), bias: normal([2], 3), activation: 'relu' })).dispose()
    expect(tf.memory().numTensors).toBe(before)
  })
})

describe('row gathers on wasm', () => {
  it('gather rows of images and of int32 labels as the cpu backend does', async () => {
    const images = await onBoth(() => tf.gather(normal([10, 1, 3, 3], 1), tf.tensor1d([9, 0, 4, 4], 'int32')))
    expect(Array.from(images.wasm)).toEqual(Array.from(images.cpu))
    const labels = await onBoth(() => tf.gather(tf.tensor1d([5, 6, 7, 8], 'int32'), tf.tensor2d([[3, 0], [1, 1]], [2, 2], 'int32')).toFloat())
    expect(Array.from(labels.wasm)).toEqual([8, 5, 6, 6])
    const otherAxis = await onBoth(() => tf.gather(normal([3, 4], 2), tf.tensor1d([3, 1], 'int32'), 1))
    expect(Array.from(otherAxis.wasm)).toEqual(Array.from(otherAxis.cpu))
  })

  it('names an index out of range instead of reading past the data', async () => {
    await useBackend('wasm')
    const x = tf.zeros([4, 2])
    const idx = tf.tensor1d([1, 4], 'int32')
    expect(() => tf.gather(x, idx)).toThrow('GatherV2: the index value 4 is not in [0, 3]')
    tf.dispose([x, idx])
  })
})

describe.each(BUILDS)('Conv2D filter and input gradients through im2col and GEMM (%s build)', (build) => {
  const before = kernelBuild()
  beforeAll(() => useKernelBuild(build))
  afterAll(() => useKernelBuild(before))

  it('match the cpu backend on shapes with partial tiles', async () => {
    const grads = (): tf.Tensor => {
      const x = normal([3, 12, 11, 7], 1) as tf.Tensor4D
      const f = normal([3, 3, 7, 13], 2) as tf.Tensor4D
      const [dx, df] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, [2, 1], 'same'))))([x, f])
      return tf.concat([tf.reshape(dx, [-1]), tf.reshape(df, [-1])])
    }
    const { cpu, wasm } = await onBoth(grads)
    expectClose(wasm, cpu)
  })
})

/** Max pooling's input gradient; the input is rounded to halves so windows hold ties. */
function maxPoolGrad(shape: number[], pool: number, stride: number, pad: 'valid' | 'same'): tf.Tensor {
  const x = tf.round(tf.mul(normal(shape, 1), 2)) as tf.Tensor4D
  const w = normal(tf.maxPool(x, pool, stride, pad).shape, 2)
  return tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, pool, stride, pad), w)))(x)
}

const poolCases: [number[], number, number, 'valid' | 'same'][] = [
  [[2, 8, 8, 3], 2, 2, 'valid'],
  [[1, 9, 7, 5], 3, 2, 'same'],
  [[2, 6, 6, 4], 3, 1, 'same'],
  [[1, 10, 11, 2], 2, 3, 'valid']
]

describe('MaxPoolGrad on wasm', () => {
  it.each(poolCases)('matches the cpu backend, ties included: %j pool %i stride %i %s', async (shape, pool, stride, pad) => {
    const { cpu, wasm } = await onBoth(() => maxPoolGrad(shape, pool, stride, pad))
    // Ties go to the same cell (the first maximum in row-major order); overlapping windows add in another order.
    expect(Array.from(wasm, (v) => v !== 0)).toEqual(Array.from(cpu, (v) => v !== 0))
    expectClose(wasm, cpu, 1e-6)
  })
})

/** Runs `make` on wasm with the native kernels on, then off, and returns both results. */
async function nativeAndFallback(make: () => tf.Tensor): Promise<{ native: Float32Array; fallback: Float32Array; fallbackKernels: string[] }> {
  await useBackend('wasm')
  const run = async (): Promise<{ values: Float32Array; kernels: string[] }> => {
    const profile = await tf.profile(() => tf.tidy(make))
    const t = profile.result as tf.Tensor
    const values = Float32Array.from(await t.data())
    t.dispose()
    return { values, kernels: profile.kernels.map((k) => k.name) }
  }
  const on = await run()
  expect(nativeKernelsError()).toBeNull()
  setNativeKernelsWanted(false)
  try {
    const off = await run()
    expect(nativeKernelsError()).toMatch(/CONVLAB_NATIVE_KERNELS=0/)
    return { native: on.values, fallback: off.values, fallbackKernels: off.kernels }
  } finally {
    setNativeKernelsWanted(true)
  }
}

// In the unit-native-off project both sides would be the fallback: these compare the two paths in one process.
describe.runIf(native)('the fallbacks give what the native kernels give', () => {
  it.each(poolCases)('MaxPoolGrad in JS: %j pool %i stride %i %s', async (shape, pool, stride, pad) => {
    const { native: withKernels, fallback } = await nativeAndFallback(() => maxPoolGrad(shape, pool, stride, pad))
    expect(Array.from(fallback)).toEqual(Array.from(withKernels))
  })

  it.each([
    ['stride 2 same', [2, 12, 11, 7], [3, 3, 7, 5], 2, 'same'],
    ['stride 1 valid', [1, 7, 7, 3], [3, 3, 3, 4], 1, 'valid'],
    ['stride 3 same, even kernel', [2, 10, 9, 2], [4, 4, 2, 3], 3, 'same']
  ] as const)('the ops-based conv input gradient, and the filter gradient: %s', async (_, xs, fs, stride, pad) => {
    const { native: withKernels, fallback, fallbackKernels } = await nativeAndFallback(() => {
      const x = normal([...xs], 3) as tf.Tensor4D
      const f = normal([...fs], 4) as tf.Tensor4D
      const w = normal(tf.conv2d(x, f, stride, pad).shape, 5)
      const [dx, df] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, pad), w)))([x, f])
      return tf.concat([tf.reshape(dx, [-1]), tf.reshape(df, [-1])])
    })
    // The ops-based input gradient convolves with the filter rotated: a Reverse the native path has no need of.
    expect(fallbackKernels).toContain('Reverse')
    expectClose(fallback, withKernels)
  })

  it('the ops-based conv input gradient called directly leaves no tensors behind', async () => {
    await useBackend('wasm')
    const dy = normal([1, 3, 3, 2], 6) as tf.Tensor4D
    const f = normal([3, 3, 4, 2], 7) as tf.Tensor4D
    const before = tf.memory().numTensors
    const dx = conv2dInputGradient([1, 6, 6, 4], dy, f, 2, 'same')
    expect(dx.shape).toEqual([1, 6, 6, 4])
    dx.dispose()
    expect(tf.memory().numTensors).toBe(before)
    tf.dispose([dy, f])
  })

  it('blur and the optimizers', async () => {
    const blurred = await nativeAndFallback(() => {
      const x = normal([2, 9, 8, 5], 8) as tf.Tensor4D
      return tf.grad((a: tf.Tensor) => tf.sum(tf.mul(blur(a as tf.Tensor4D, 3, 2), normal([2, 5, 4, 5], 9))))(x)
    })
    expectClose(blurred.fallback, blurred.native, 1e-5)
    const trained = await nativeAndFallback(() => {
      const optimizer = makeOptimizer({ optimizer: 'adam', learningRate: 0.01 })
      const v = tf.variable(normal([17, 3], 10))
      for (let step = 0; step < 3; step++) optimizer.applyGradients({ [v.name]: normal([17, 3], 11 + step) })
      optimizer.dispose()
      const out = v.clone()
      v.dispose()
      return out
    })
    expect(Array.from(trained.fallback)).toEqual(Array.from(trained.native))
  })
})

describe("BlurPool's blur on wasm", () => {
  // Odd sizes, channels that are not a multiple of 4, and maps as small as the reflection allows.
  const cases: [BlurSize, number, number[]][] = [
    [3, 2, [2, 9, 8, 6]],
    [2, 2, [1, 7, 7, 5]],
    [5, 2, [2, 11, 10, 3]],
    [3, 1, [1, 6, 5, 4]],
    [5, 3, [1, 12, 13, 9]],
    [3, 2, [2, 5, 2, 2]]
  ]

  it.each(cases)('blur %i at stride %i on %j: value and input gradient match the ops path on cpu', async (size, stride, shape) => {
    const valueAndGrad = (): tf.Tensor => {
      const x = normal(shape, 1) as tf.Tensor4D
      const y = blur(x, size, stride)
      const w = normal(y.shape, 2)
      const dx = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(blur(a as tf.Tensor4D, size, stride), w)))(x)
      return tf.concat([tf.reshape(y, [-1]), tf.reshape(dx, [-1])])
    }
    const { cpu, wasm } = await onBoth(valueAndGrad)
    expectClose(wasm, cpu, 1e-5)
  })

  it('runs as one native kernel each way on wasm (the ops path with the kernels off), and leaves no tensors behind', async () => {
    await useBackend('wasm')
    const x = normal([2, 8, 8, 4], 3) as tf.Tensor4D
    const run = (): tf.Tensor => tf.grad((a: tf.Tensor) => tf.sum(blur(a as tf.Tensor4D, 3, 2)))(x)
    tf.dispose(run())
    const before = tf.memory().numTensors
    const profile = await tf.profile(() => run())
    tf.dispose(profile.result as tf.Tensor)
    const names = profile.kernels.map((k) => k.name)
    if (native) {
      expect(names).toEqual(expect.arrayContaining(['ConvLabBlur', 'ConvLabBlurGrad']))
      expect(names).not.toContain('Reverse')
    } else {
      expect(names).toContain('Reverse')
      expect(names).not.toContain('ConvLabBlur')
    }
    expect(tf.memory().numTensors).toBe(before)
    x.dispose()
  })
})

describe('the first layer skips its input gradient', () => {
  const convFirst = ModelSpec.parse({
    name: 'first',
    inputShape: [2, 6, 6],
    layers: [
      { type: 'conv2d', filters: 3, kernel: 3, padding: 1, activation: 'relu' },
      { type: 'conv2d', filters: 4, kernel: 3, stride: 2 },
      { type: 'flatten' },
      { type: 'dense', units: 5 },
      { type: 'dense', units: 3, activation: 'sigmoid' }
    ]
  })

  const lossOf = (model: tf.LayersModel, x: tf.Tensor): tf.Scalar => tf.sum(tf.square(model.apply(x, { training: true }) as tf.Tensor))

  it('runs one Conv2DBackpropInput for two conv layers', async () => {
    await useBackend('wasm')
    const model = buildModel(convFirst, { seed: 3 })
    const x = normal([2, 2, 6, 6], 4)
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable)
    const profile = await tf.profile(() => {
      const { value, grads } = tf.variableGrads(() => lossOf(model, x), vars)
      tf.dispose([value, ...Object.values(grads)])
    })
    expect(profile.kernels.filter((k) => k.name === 'Conv2DBackpropInput')).toHaveLength(1)
    expect(profile.kernels.filter((k) => k.name === 'Conv2DBackpropFilter')).toHaveLength(2)
    tf.dispose(x)
    model.dispose()
  })

  it('gives the same outputs and weight gradients as the same model loaded back from its saved form', async () => {
    await useBackend('wasm')
    for (const spec of [convFirst, ModelSpec.parse({ name: 'mlp', inputShape: [4], layers: [{ type: 'dense', units: 6, activation: 'tanh' }, { type: 'dense', units: 2 }] })]) {
      const patched = buildModel(spec, { seed: 5 })
      const artifacts = await new Promise<tf.io.ModelArtifacts>((done) => {
        void patched.save(tf.io.withSaveHandler(async (a) => (done(a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })))
      })
      const plain = await tf.loadLayersModel(tf.io.fromMemory(artifacts))
      const x = normal([3, ...spec.inputShape], 6)
      const gradsOf = (model: tf.LayersModel): Float32Array => {
        const vars = model.trainableWeights.map((w) => w.read() as tf.Variable)
        const { value, grads } = tf.variableGrads(() => lossOf(model, x), vars)
        const flat = tf.concat([tf.reshape(value, [1]), ...vars.map((v) => tf.reshape(grads[v.name], [-1]))])
        const out = flat.dataSync() as Float32Array
        tf.dispose([value, flat, ...Object.values(grads)])
        return out
      }
      expectClose(gradsOf(patched), gradsOf(plain), 1e-5)
      tf.dispose(x)
      patched.dispose()
      plain.dispose()
    }
  })
})

describe('Identity on wasm', () => {
  it('shares the data instead of copying it, and the clone outlives the original', async () => {
    await useBackend('wasm')
    const x = tf.tensor2d([[1, 2], [3, 4]])
    const y = tf.clone(x)
    expect(y.dataId).toBe(x.dataId)
    x.dispose()
    expect(Array.from(await y.data())).toEqual([1, 2, 3, 4])
    y.dispose()
  })

  it('keeps a training step from copying the dataset it gathers from', async () => {
    await useBackend('wasm')
    const heap = (tf.backend() as BackendWasm).wasm as unknown as { _malloc(bytes: number): number }
    const malloc = heap._malloc
    let allocated = 0
    heap._malloc = (bytes: number) => {
      allocated += bytes
      return malloc(bytes)
    }
    const data = tf.zeros([4096, 64])
    const w = tf.variable(tf.ones([64, 2]))
    try {
      allocated = 0
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.matMul(tf.gather(data, tf.tensor1d([1, 2, 3], 'int32')), w)), [w])
      tf.dispose([value, ...Object.values(grads)])
      // A copy of `data` would be 1 MB; the batch, its products and gradients are a few hundred bytes.
      expect(allocated).toBeGreaterThan(0)
      expect(allocated).toBeLessThan(16 * 1024)
    } finally {
      heap._malloc = malloc
      tf.dispose([data, w])
    }
  })
})

describe('Sum over leading axes on wasm', () => {
  it('matches the cpu backend for bias-gradient reductions, keepDims and negative axes', async () => {
    const cases: [number[], number | number[], boolean][] = [
      [[4, 5, 6, 7], [0, 1, 2], false],
      [[4, 5, 6, 7], [0, 1, 2], true],
      [[3, 9], 0, false],
      [[3, 4, 5], [-3, -2], false],
      [[2, 3, 5], [1, 0], false]
    ]
    for (const [shape, axis, keepDims] of cases) {
      const { cpu, wasm } = await onBoth(() => tf.sum(normal(shape, 3), axis, keepDims))
      expectClose(wasm, cpu, 1e-5)
    }
  })

  it('leaves other reductions to tfjs, with the same answers', async () => {
    for (const axis of [[1, 2], [2], [0, 1, 2], -1]) {
      const { cpu, wasm } = await onBoth(() => tf.sum(normal([3, 4, 5], 4), axis))
      expectClose(wasm, cpu, 1e-5)
    }
  })
})

describe('fused optimizers', () => {
  const pairs = [
    ['Adam', () => new FusedAdam(0.01, 0.9, 0.999, 1e-8), () => tf.train.adam(0.01, 0.9, 0.999, 1e-8)],
    ['SGD', () => new FusedSgd(0.05), () => tf.train.sgd(0.05)]
  ] as const

  it.runIf(native).each(pairs)('%s gives the weights tfjs gives, step after step, with odd sizes and a missing gradient', async (_, fusedOptimizer, tfjsOptimizer) => {
    await useBackend('wasm')
    const run = (optimizer: tf.Optimizer): Float32Array[] => {
      const vars = tf.tidy(() => [tf.variable(normal([37, 5], 1), true, `opt-a-${optimizer.getClassName()}`), tf.variable(normal([3], 2), true, `opt-b-${optimizer.getClassName()}`)])
      for (let step = 0; step < 6; step++) {
        const grads: tf.NamedTensorMap = { [vars[0].name]: normal([37, 5], 10 + step) }
        if (step % 2 === 0) grads[vars[1].name] = normal([3], 20 + step)
        optimizer.applyGradients(grads)
        tf.dispose(Object.values(grads))
      }
      const out = vars.map((v) => v.dataSync() as Float32Array)
      tf.dispose(vars)
      optimizer.dispose()
      return out
    }
    const before = tf.memory().numTensors
    const fused = run(fusedOptimizer())
    const reference = run(tfjsOptimizer())
    fused.forEach((values, i) => expect(Array.from(values)).toEqual(Array.from(reference[i])))
    expect(tf.memory().numTensors).toBe(before)
  })

  it("are what training on wasm uses (unless the kernels are off), and tfjs's optimizers elsewhere", async () => {
    const classNames = () =>
      (['adam', 'sgd'] as const).map((optimizer) => {
        const made = makeOptimizer({ optimizer, learningRate: 1e-3 })
        made.dispose()
        // tfjs optimizers answer instanceof for any optimizer (Symbol.hasInstance): compare class names.
        return made.getClassName()
      })
    await useBackend('wasm')
    expect(classNames()).toEqual(native ? [FusedAdam.className, FusedSgd.className] : ['Adam', 'SGD'])
    await useBackend('cpu')
    expect(classNames()).toEqual(['Adam', 'SGD'])
    await useBackend('wasm')
  })
})
