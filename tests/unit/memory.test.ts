import { readdir } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import type { EngineClient } from '../../src-main/engine/process/client'
import { assertFitsInMemory, startTraining } from '../../src-main/services/training'
import { TrainConfig } from '../../src-main/shared/contract'
import { ModelSpec } from '../../src-main/shared/layers'
import { estimateTrainingMemory, formatBytes, memoryProblem } from '../../src-main/shared/memory'
import { getPreset } from '../../src-main/shared/presets'
import { tempDir } from '../fixtures/data/builders'

const mlp = getPreset('seed-mlp')!
/** The case: wide convolutions on large images, tens of seconds a batch and GBs. */
const wide = ModelSpec.parse({
  name: 'wide',
  inputShape: [3, 512, 512],
  layers: [{ type: 'conv2d', filters: 512, kernel: 3 }, { type: 'relu' }, { type: 'flatten' }, { type: 'dense', units: 10 }]
})

describe('estimateTrainingMemory', () => {
  it('counts weights, gradients, optimizer state and the batch of activations from the shapes', () => {
    // seed-mlp: 795,010 parameters; per sample the input (784), Flatten (784), Linear (1000),
    // ReLU (1000) and Linear (10) outputs.
    const sgd = estimateTrainingMemory(mlp, 32, 'sgd')
    expect(sgd).toEqual({
      weights: 795_010 * 4,
      gradients: 795_010 * 4,
      optimizer: 0,
      activations: 2 * (784 + 784 + 1000 + 1000 + 10) * 32 * 4,
      total: 795_010 * 8 + 2 * 3578 * 32 * 4
    })
    const adam = estimateTrainingMemory(mlp, 32, 'adam')
    expect(adam.optimizer).toBe(2 * 795_010 * 4)
    expect(adam.total - sgd.total).toBe(adam.optimizer)
    // Activations grow with the batch, nothing else does.
    const big = estimateTrainingMemory(mlp, 64, 'sgd')
    expect(big.activations).toBe(2 * sgd.activations)
    expect(big.weights).toBe(sgd.weights)
  })

  it('explains a model that does not fit with the estimate and each part of it', () => {
    expect(memoryProblem(mlp, 32, 'adam', 16e9)).toBeUndefined()
    const message = memoryProblem(wide, 64, 'adam', 16e9)
    const e = estimateTrainingMemory(wide, 64, 'adam')
    expect(e.total).toBeGreaterThan(16e9)
    expect(message).toContain(`needs at least ${formatBytes(e.total)} of memory`)
    expect(message).toContain(`activations and their gradients at batch 64 ${formatBytes(e.activations)}`)
    expect(message).toContain("Adam's state")
    expect(message).toContain("more than this machine's 16.0 GB")
  })

  it('formats sizes as system monitors do', () => {
    expect([formatBytes(1.234e9), formatBytes(310e6), formatBytes(512)]).toEqual(['1.2 GB', '310 MB', '1 kB'])
  })
})

describe('training refuses a model that cannot fit', () => {
  it('before the run folder exists or the engine is asked anything', async () => {
    const tmp = await tempDir('convlab-memory-')
    try {
      const asked: string[] = []
      const engine = { request: async (m: string) => asked.push(m), on: () => () => undefined, pid: 1 } as unknown as EngineClient
      const config = TrainConfig.parse({ batchSize: 65536, optimizer: 'adam' })
      const huge = { ...wide, inputShape: [64, 4096, 4096] as [number, number, number] }
      await expect(
        startTraining({ engine, dir: `${tmp.path}/run`, id: 'run', name: 'huge', model: huge, data: { kind: 'toy' }, config, emit: () => undefined })
      ).rejects.toMatchObject({ code: 'invalid-payload', message: expect.stringMatching(/^Training wide needs at least [\d.]+ GB of memory/) })
      expect(asked).toEqual([])
      expect(await readdir(tmp.path)).toEqual([])
    } finally {
      await tmp.remove()
    }
  })

  it('trains a model that fits the machine but not its free memory, saying so first', async () => {
    const tmp = await tempDir('convlab-memory-')
    try {
      const engine = { request: () => Promise.reject(new Error('no engine here')), on: () => () => undefined, pid: 1 } as unknown as EngineClient
      const notices: unknown[] = []
      const config = TrainConfig.parse({ batchSize: 32, optimizer: 'sgd' })
      const needed = estimateTrainingMemory(mlp, 32, 'sgd').total
      const started = await startTraining({
        engine,
        dir: `${tmp.path}/run`,
        id: 'run',
        name: 'mlp',
        model: mlp,
        data: { kind: 'fashion-mnist' },
        config,
        emit: (event, payload) => (event === 'engine/notice' ? notices.push(payload) : undefined),
        memory: { total: needed * 2, free: needed / 2 }
      })
      await started.finished
      expect(notices).toEqual([
        {
          level: 'warning',
          message: `Training seed-mlp needs at least ${formatBytes(needed)} of memory and ${formatBytes(needed / 2)} are free now: the machine may slow down while it trains.`,
          code: 'lowMemory',
          params: { model: 'seed-mlp', needed, free: needed / 2 }
        }
      ])
    } finally {
      await tmp.remove()
    }
  })

  it('counts a --limit smaller than the batch as the batch', () => {
    const config = TrainConfig.parse({ batchSize: 65536, optimizer: 'sgd' })
    expect(() => assertFitsInMemory(wide, config, 100e9)).toThrow(/at batch 65536/)
    expect(() => assertFitsInMemory(wide, { ...config, limit: 2 }, 100e9)).not.toThrow()
  })
})
