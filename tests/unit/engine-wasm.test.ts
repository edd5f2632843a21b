import * as tf from '@tensorflow/tfjs'
import { createRequire } from 'node:module'
import { beforeAll, describe, expect, it } from 'vitest'
import { loadToy } from '../../src-main/data/toy'
import { initBackend, parseBackendName, useBackend } from '../../src-main/engine/backends'
import { chooseTrainingBackend, Trainer } from '../../src-main/engine/train'
import { conv2dFilterGradient, missingGradientKernels } from '../../src-main/engine/wasm-kernels'
import { TrainConfig } from '../../src-main/shared/contract'
import { ModelSpec } from '../../src-main/shared/layers'

type Shape4 = [number, number, number, number]
type Pad = 'valid' | 'same' | [[number, number], [number, number], [number, number], [number, number]]

/** d(loss)/d(filter) and d(loss)/d(x), concatenated, computed on `backend`. */
async function convGrads(backend: 'wasm' | 'cpu', xs: Shape4, fs: Shape4, stride: number, pad: Pad): Promise<Float32Array> {
  await useBackend(backend)
  const g = tf.tidy(() => {
    const x = tf.randomNormal(xs, 0, 1, 'float32', 1) as tf.Tensor4D
    const f = tf.randomNormal(fs, 0, 1, 'float32', 2) as tf.Tensor4D
    const w = tf.randomNormal([1, 1, 1, fs[3]], 0, 1, 'float32', 3)
    // A loss that weighs every output differently, so a wrong index shows.
    const [dx, df] = tf.grads((xx: tf.Tensor, ff: tf.Tensor) =>
      tf.sum(tf.mul(tf.square(tf.conv2d(xx as tf.Tensor4D, ff as tf.Tensor4D, stride, pad)), w))
    )([x, f])
    return tf.concat([tf.reshape(df, [-1]), tf.reshape(dx, [-1])])
  })
  const values = (await g.data()) as Float32Array
  g.dispose()
  return values
}

/** tfjs-node, as the README tells users to install: then the automatic choice is not wasm. */
const hasTfjsNode = ((): boolean => {
  try {
    createRequire(import.meta.url).resolve('@tensorflow/tfjs-node')
    return true
  } catch {
    return false
  }
})()

// These tests are of the wasm backend: forced, whatever else the machine has installed.
beforeAll(async () => {
  const report = await initBackend({ force: 'wasm' })
  expect(report.chosen).toBe('wasm')
})

describe('backend selection', () => {
  it('explains why each backend passed over was skipped, and that those after the chosen one were not needed', async () => {
    try {
      const report = await initBackend({ env: {} })
      const at = report.candidates.findIndex((c) => c.name === report.chosen)
      expect(report.candidates.map((c) => c.name)).toEqual(['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'])
      for (const skipped of report.candidates.slice(0, at)) {
        expect(skipped.available, skipped.name).toBe(false)
        expect(skipped.reason, skipped.name).toMatch(/is not installed|failed to load/)
      }
      for (const later of report.candidates.slice(at + 1)) expect(later.reason, later.name).toBe(`not needed: ${report.chosen} was chosen first`)
    } finally {
      await initBackend({ force: 'wasm' })
    }
  })

  it('reads backend names as users write them', () => {
    expect(parseBackendName('node')).toBe('tensorflow')
    expect(parseBackendName(' WASM ')).toBe('wasm')
    expect(() => parseBackendName('metal')).toThrow(/Unknown backend/)
  })

  it.skipIf(hasTfjsNode)('fails loudly when a forced backend cannot start', async () => {
    await expect(initBackend({ force: 'tensorflow' })).rejects.toThrow(/requested but .*tfjs-node/)
  })

  it('honours CONVLAB_BACKEND', async () => {
    expect((await initBackend({ env: { CONVLAB_BACKEND: 'cpu' } })).chosen).toBe('cpu')
    expect((await initBackend({ env: { CONVLAB_BACKEND: 'wasm' } })).chosen).toBe('wasm')
  })
})

describe('Conv2DBackpropFilter and Conv2DBackpropInput on wasm', () => {
  const cases: [string, Shape4, Shape4, number, Pad][] = [
    ['stride 1 valid', [2, 7, 7, 3], [3, 3, 3, 4], 1, 'valid'],
    ['stride 2 valid', [2, 8, 7, 2], [3, 3, 2, 5], 2, 'valid'],
    ['stride 1 same', [3, 6, 6, 2], [3, 3, 2, 2], 1, 'same'],
    ['stride 2 same, odd input', [1, 9, 8, 1], [2, 2, 1, 3], 2, 'same'],
    ['stride 2 same, even kernel', [2, 10, 10, 3], [4, 4, 3, 2], 2, 'same'],
    ['stride 3 explicit padding', [2, 9, 9, 2], [3, 3, 2, 2], 3, [[0, 0], [1, 2], [2, 1], [0, 0]]],
    ['1x1 kernel, many channels', [2, 5, 5, 16], [1, 1, 16, 8], 1, 'valid']
  ]

  it.each(cases)('matches the cpu backend: %s', async (_, xs, fs, stride, pad) => {
    const cpu = await convGrads('cpu', xs, fs, stride, pad)
    const wasm = await convGrads('wasm', xs, fs, stride, pad)
    expect(wasm.length).toBe(cpu.length)
    for (let i = 0; i < cpu.length; i++) expect(wasm[i]).toBeCloseTo(cpu[i], 2)
  })

  it('matches finite differences of the loss', async () => {
    await useBackend('wasm')
    const x = tf.randomNormal([2, 6, 6, 2], 0, 1, 'float32', 4) as tf.Tensor4D
    const base = await tf.randomNormal([3, 3, 2, 2], 0, 1, 'float32', 5).data()
    const loss = (fv: Float32Array): number =>
      tf.tidy(() => tf.sum(tf.square(tf.conv2d(x, tf.tensor4d(fv, [3, 3, 2, 2]), 2, 'same'))).dataSync()[0])
    const analytic = tf.tidy(() => {
      const dy = tf.mul(2, tf.conv2d(x, tf.tensor4d(base, [3, 3, 2, 2]), 2, 'same')) as tf.Tensor4D
      return conv2dFilterGradient(x, dy, [3, 3, 2, 2], 2, 'same')
    })
    const a = await analytic.data()
    const h = 1e-2
    for (const i of [0, 5, 17, 35]) {
      const plus = Float32Array.from(base)
      const minus = Float32Array.from(base)
      plus[i] += h
      minus[i] -= h
      const numeric = (loss(plus) - loss(minus)) / (2 * h)
      expect(a[i]).toBeCloseTo(numeric, 0)
      expect(Math.abs(a[i] - numeric)).toBeLessThan(0.02 * Math.max(1, Math.abs(numeric)))
    }
    tf.dispose([x, analytic])
  })

  it('leaves no tensors behind', async () => {
    await useBackend('wasm')
    await convGrads('wasm', [1, 5, 5, 1], [3, 3, 1, 1], 1, 'valid')
    const before = tf.memory().numTensors
    await convGrads('wasm', [2, 8, 8, 2], [3, 3, 2, 3], 2, 'same')
    expect(tf.memory().numTensors).toBe(before)
  })

  it('transposed matrix products give the same result as on cpu', async () => {
    const run = async (backend: 'wasm' | 'cpu'): Promise<number[]> => {
      await useBackend(backend)
      const t = tf.tidy(() => {
        const a = tf.randomNormal([2, 5, 3], 0, 1, 'float32', 6)
        const b = tf.randomNormal([2, 4, 5], 0, 1, 'float32', 7)
        return tf.concat([tf.reshape(tf.matMul(a, b, true, true), [-1]), tf.reshape(tf.matMul(b, a), [-1])])
      })
      const v = Array.from(await t.data())
      t.dispose()
      return v
    }
    const cpu = await run('cpu')
    const wasm = await run('wasm')
    cpu.forEach((v, i) => expect(wasm[i]).toBeCloseTo(v, 4))
  })

  it('falls back to another backend, saying why, when one lacks a gradient kernel', async () => {
    await useBackend('wasm')
    const kernel = tf.getKernel('Conv2DBackpropFilter', 'wasm')
    if (!kernel) throw new Error('kernel not registered')
    tf.unregisterKernel('Conv2DBackpropFilter', 'wasm')
    try {
      const spec = ModelSpec.parse({ name: 'c', inputShape: [1, 4, 4], layers: [{ type: 'conv2d', filters: 1, kernel: 3 }, { type: 'flatten' }, { type: 'dense', units: 2 }] })
      const choice = await chooseTrainingBackend(spec)
      expect(choice.backend).toBe('cpu')
      expect(choice.note).toMatch(/wasm lacks Conv2DBackpropFilter/)
    } finally {
      tf.registerKernel(kernel)
      await useBackend('wasm')
    }
  })

  it('leaves wasm with every gradient kernel the supported layers need', () => {
    expect(missingGradientKernels('wasm', ['conv2d', 'maxpool2d', 'avgpool2d', 'dense', 'batchnorm'])).toEqual([])
    expect(missingGradientKernels('no-such-backend', ['conv2d'])).toContain('Conv2DBackpropFilter')
  })

  it('trains a CNN with every layer type on wasm without falling back', async () => {
    await useBackend('wasm')
    const spec = ModelSpec.parse({
      name: 'all-layers',
      inputShape: [1, 4, 4],
      layers: [
        { type: 'conv2d', filters: 2, kernel: 2, padding: 'same', activation: 'leakyrelu' },
        { type: 'batchnorm' },
        { type: 'maxpool2d', pool: 2, padding: 1, stride: 1 },
        { type: 'conv2d', filters: 2, kernel: 2, stride: 2, activation: 'tanh' },
        { type: 'avgpool2d', pool: 1 },
        { type: 'flatten' },
        { type: 'dropout', rate: 0.1 },
        { type: 'dense', units: 2, activation: 'softmax' }
      ]
    })
    expect(await chooseTrainingBackend(spec)).toEqual({ backend: 'wasm' })
    const { result, model } = await new Trainer().train({
      runId: 'w',
      spec,
      config: TrainConfig.parse({ epochs: 5, batchSize: 2, seed: 2 }),
      train: loadToy()
    })
    model.model.dispose()
    expect(result.backend).toBe('wasm')
    expect(result.backendNote).toBeUndefined()
    expect(result.epochs.every((e) => Number.isFinite(e.loss))).toBe(true)
  })
})
