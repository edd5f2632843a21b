import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EngineClient, type EngineRestartNotice } from '../../src-main/engine/process/client'
import { nodeEngineHost, nodeEngineHostFactory } from '../../src-main/engine/process/node-host'
import type { EngineEvents, EngineParams } from '../../src-main/engine/process/protocol'
import { toyTrainRequest } from '../fixtures/engine/toy-run'

const env = { ...process.env, CONVLAB_BACKEND: 'cpu' }
let dir: string
let client: EngineClient

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'convlab-worker-'))
  client = new EngineClient({ host: nodeEngineHostFactory({ env }), timeoutMs: 60_000 })
})
afterAll(async () => {
  client?.dispose()
  await rm(dir, { recursive: true, force: true })
})

function waitFor<T>(register: (resolve: (v: T) => void) => void, ms = 30_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timed out waiting')), ms)
    register((v) => {
      clearTimeout(timer)
      resolve(v)
    })
  })
}

describe('the engine process', () => {
  it('answers a ping and reports its backend choice with reasons', async () => {
    const report = await client.request('backends/report', {})
    expect(report.chosen).toBe('cpu')
    expect(report.candidates.map((c) => c.name)).toEqual(['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'])
    const ping = await client.request('engine/ping', {})
    expect(ping.pid).toBe(client.pid)
    expect(ping.backend).toBe('cpu')
  })

  it('answers malformed messages with errors and keeps running', async () => {
    const host = nodeEngineHost({ env })
    const replies: unknown[] = []
    await waitFor<void>((resolve) =>
      host.onMessage((m) => {
        if ((m as { event?: string }).event === 'engine/ready') resolve()
        else replies.push(m)
      })
    )
    try {
      host.send('garbage')
      host.send({ id: 'x', method: 'engine/ping' })
      host.send({ id: 7, method: 'no/such' })
      host.send({ id: 8, method: 'model/predict', params: { model: { dir: 42 } } })
      host.send({ id: 9, method: 'engine/ping', params: {} })
      await waitFor<void>((resolve) => {
        const poll = setInterval(() => {
          if (replies.length >= 5) {
            clearInterval(poll)
            resolve()
          }
        }, 20)
      })
      expect(replies[0]).toMatchObject({ id: -1, ok: false, error: { name: 'InvalidRequest' } })
      expect(replies[1]).toMatchObject({ id: -1, ok: false })
      expect(replies).toContainEqual(expect.objectContaining({ id: 7, ok: false, error: expect.objectContaining({ message: expect.stringMatching(/Unknown engine method/) }) }))
      expect(replies).toContainEqual(expect.objectContaining({ id: 8, ok: false, error: expect.objectContaining({ name: 'InvalidParams' }) }))
      expect(replies).toContainEqual(expect.objectContaining({ id: 9, ok: true }))
    } finally {
      host.kill()
    }
  })

  it('rejects typed requests with bad params as errors the caller can read', async () => {
    const bad = { model: { dir: join(dir, 'missing') }, images: [[0]] } as EngineParams<'model/predict'>
    await expect(client.request('model/predict', bad)).rejects.toThrow(/ENOENT|no such file/)
  })

  it('trains the toy net, streams events, saves the model and serves shift, evaluate and weights', async () => {
    const epochs: EngineEvents['train/epoch'][] = []
    const off = client.on('train/epoch', (e) => epochs.push(e))
    const saveDir = join(dir, 'toy')
    const result = await client.request('train/run', toyTrainRequest(saveDir, 300))
    off()
    expect(result.status).toBe('completed')
    expect(result.saveDir).toBe(saveDir)
    expect(epochs.length).toBe(300)
    // Each epoch brings its own true batches (two images, batch 1): together, the run's.
    expect(epochs.map((e) => e.batches.length)).toEqual(new Array(300).fill(2))
    expect(epochs.flatMap((e) => e.batches)).toEqual(result.batches)
    expect(result.test?.count).toBe(2)

    const evaluation = await client.request('model/evaluate', { model: { dir: saveDir }, data: { kind: 'toy' } })
    expect(evaluation.count).toBe(2)

    const shift = await client.request('model/shift', {
      model: { dir: saveDir },
      image: { kind: 'dataset', data: { kind: 'toy' }, split: 'train', index: 0 },
      from: -1,
      to: 1
    })
    expect(shift.shifts).toEqual([-1, 0, 1])
    expect(shift.probabilities.every((r) => Math.abs(r[0] + r[1] - 1) < 1e-6)).toBe(true)
    expect(shift.images[1].width).toBe(4)

    const predicted = await client.request('model/predict', { model: { dir: saveDir }, images: [new Float32Array(16)] })
    expect(predicted.probabilities[0]).toHaveLength(2)

    const weights = await client.request('model/weights', { model: { dir: saveDir } })
    expect(weights.layers.map((l) => [l.index, l.tensors.map((t) => t.shape)])).toEqual([
      [0, [[1, 1, 3, 3], [1]]],
      [4, [[1, 1], [1]]]
    ])
    expect(weights.layers[0].tensors[0].values).toBeInstanceOf(Float32Array)
  })

  it('restarts a killed worker, says why, fails the request in flight and serves the next', async () => {
    const oldPid = client.pid
    const inFlight = client.request('train/run', {
      runId: 'doomed',
      model: { name: 't', inputShape: [1, 4, 4], layers: [{ type: 'flatten' }, { type: 'dense', units: 1, activation: 'sigmoid' }] },
      data: { kind: 'toy' },
      config: { epochs: 100000, batchSize: 1 }
    })
    const notice = waitFor<EngineRestartNotice>((resolve) => client.on('engine/restarted', resolve))
    await new Promise((r) => setTimeout(r, 300))
    client.killWorker()
    await expect(inFlight).rejects.toThrow(/killed by SIGKILL/)
    const n = await notice
    expect(n.signal).toBe('SIGKILL')
    expect(n.reason).toMatch(/restarted/)
    const ping = await client.request('engine/ping', {})
    expect(ping.pid).not.toBe(oldPid)
    expect(ping.training).toBeNull()
  })

  it('times out a request that takes too long', async () => {
    const slow = client.request(
      'train/run',
      { runId: 'slow', model: { name: 't', inputShape: [16], layers: [{ type: 'dense', units: 1 }] }, data: { kind: 'toy' }, config: { epochs: 100000, batchSize: 1 } },
      { timeoutMs: 200 }
    )
    await expect(slow).rejects.toThrow(/did not answer train\/run/)
    expect(await client.request('train/cancel', { runId: 'slow' })).toEqual({ cancelled: true })
  })
})
