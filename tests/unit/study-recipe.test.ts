/**
 * 'study/train-recipe': the shift study's four runs trained on the main side, as the Study view
 * and `lab shift-study --recipe` both do, against a scripted engine that answers train/run
 * itself (the recipe's order, configs, events and stops are under test, not the training).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { EngineHost } from '../../src-main/engine/process/host'
import { dispatch } from '../../src-main/services/dispatch'
import { createLabService, type LabService } from '../../src-main/services/lab-service'
import type { LabEvent, LabMethod, LabOutput, TrainConfig } from '../../src-main/shared/contract'
import { tempDir, type TempDir } from '../fixtures/data/builders'
import { scriptedEngine, trainRunAnswer } from '../fixtures/engine/scripted-host'

interface TrainCall {
  runId: string
  model: { name: string }
  config: TrainConfig
}

interface BenchCall {
  models: { name: string }[]
  backends: string[]
}

/** bench/run's answer: one row per model timed, train 100 and infer 1000 images/s times its place. */
const benchCalls: BenchCall[] = []
let benchRelease: (() => void) | null = null
/** study/probe's answer: 3000 images/s on the pool times the model's place; study/setup says `setup`. */
const probeCalls: { models: { name: string }[] }[] = []
let setup = { backend: 'wasm', kernels: 'simd', threads: 2 }

/** An engine whose train/run answers completed at once, or waits for a train/cancel when `hold` says so. */
function recipeEngine(script: { hold?: (call: number) => boolean; fail?: (call: number) => string | undefined; holdBench?: boolean }, calls: TrainCall[]): () => EngineHost {
  return () => {
    const held = new Map<string, number>()
    return scriptedEngine(({ id, method, params }, reply) => {
      if (method === 'train/run') {
        const call = params as TrainCall
        calls.push(call)
        const n = calls.length - 1
        const error = script.fail?.(n)
        if (error) reply({ id, ok: false, error: { name: 'EngineError', message: error } })
        else if (script.hold?.(n)) held.set(call.runId, id)
        else reply(trainRunAnswer(id, call.runId, 'completed'))
      } else if (method === 'train/cancel') {
        const { runId } = params as { runId: string }
        const waiting = held.get(runId)
        if (waiting !== undefined) reply(trainRunAnswer(waiting, runId, 'cancelled'))
        reply({ id, ok: true, result: { cancelled: waiting !== undefined } })
      } else if (method === 'backends/report') {
        reply({ id, ok: true, result: { chosen: 'wasm', candidates: [] } })
      } else if (method === 'study/setup') {
        reply({ id, ok: true, result: setup })
      } else if (method === 'study/probe') {
        const p = params as { models: { name: string }[] }
        probeCalls.push(p)
        reply({ id, ok: true, result: { rows: p.models.map((_, i) => ({ imagesPerSec: 3000 * (i + 1), threads: setup.threads })) } })
      } else if (method === 'bench/run') {
        const p = params as BenchCall
        benchCalls.push(p)
        const answer = (): void =>
          reply({ id, ok: true, result: { cores: 2, rows: p.models.map((m, i) => ({ model: m.name, backend: 'wasm', trainImagesPerSec: 100 * (i + 1), inferImagesPerSec: 1000 * (i + 1) })) } })
        if (script.holdBench) benchRelease = answer
        else answer()
      } else {
        reply({ id, ok: true, result: {} })
      }
    })
  }
}

let tmp: TempDir
let service: LabService | undefined
let calls: TrainCall[]
let events: { event: LabEvent; payload: Record<string, unknown> }[]

async function start(script: Parameters<typeof recipeEngine>[0]): Promise<LabService> {
  service = await createLabService({ dataDir: tmp.path, engineHost: recipeEngine(script, calls) })
  service.onEvent((event, payload) => events.push({ event, payload: payload as Record<string, unknown> }))
  return service
}

async function call<M extends LabMethod>(s: LabService, name: M, payload: unknown): Promise<LabOutput<M>> {
  const response = await dispatch(s.handlers, name, payload)
  if (!response.ok) throw new Error(response.error.message)
  return response.result as LabOutput<M>
}

const LABELS = ['seed-mlp', 'seed-cnn', 'seed-cnn + shifts ±3', 'seed-cnn + BlurPool']

beforeEach(async () => {
  tmp = await tempDir('convlab-recipe-')
  calls = []
  events = []
  benchCalls.length = 0
  benchRelease = null
  probeCalls.length = 0
  setup = { backend: 'wasm', kernels: 'simd', threads: 2 }
})
afterEach(async () => {
  await service?.dispose()
  service = undefined
  await tmp.remove()
})

describe('study/train-recipe', () => {
  it('trains the four runs in order with the study settings, announcing each before its end', async () => {
    const s = await start({})
    const result = await call(s, 'study/train-recipe', { epochs: 3, seeds: [7], trainLimit: 500 })
    expect(result.status).toBe('completed')
    expect(result.runIds).toHaveLength(4)
    expect(calls.map((c) => c.runId)).toEqual(result.runIds)
    expect(calls.map((c) => c.model.name)).toEqual(['seed-mlp', 'seed-cnn', 'seed-cnn', 'seed-cnn-blurpool'])
    expect(calls.map((c) => [c.config.epochs, c.config.seed, c.config.limit])).toEqual(Array(4).fill([3, 7, 500]))
    expect(calls.map((c) => c.config.augment)).toEqual([undefined, undefined, { maxShift: 3, axes: 'xy', mode: 'roll' }, undefined])

    const order = events.filter((e) => e.event === 'study/recipe-step' || e.event === 'train/finished')
    expect(order.map((e) => [e.event, e.payload.runId])).toEqual(result.runIds.flatMap((id) => [['study/recipe-step', id], ['train/finished', id]]))
    const steps = order.filter((e) => e.event === 'study/recipe-step').map((e) => e.payload)
    expect(steps.map((p) => [p.index, p.total, p.label])).toEqual(LABELS.map((label, i) => [i, 4, label]))

    const runs = await Promise.all(result.runIds.map((runId) => call(s, 'runs/get', { runId })))
    expect(runs.map((r) => [r.name, r.status, r.data.kind])).toEqual(LABELS.map((label) => [label, 'completed', 'fashion-mnist']))
    expect(runs.every((r) => r.group === undefined)).toBe(true)
  })

  it('with several seeds trains the four models seed by seed, each model a group over its seeds', async () => {
    const s = await start({})
    const result = await call(s, 'study/train-recipe', { epochs: 1, seeds: [4, 5], trainLimit: 100 })
    expect(result.status).toBe('completed')
    expect(result.runIds).toHaveLength(8)
    expect(calls.map((c) => c.config.seed)).toEqual([4, 4, 4, 4, 5, 5, 5, 5])
    expect(calls.map((c) => c.model.name)).toEqual(['seed-mlp', 'seed-cnn', 'seed-cnn', 'seed-cnn-blurpool', 'seed-mlp', 'seed-cnn', 'seed-cnn', 'seed-cnn-blurpool'])
    const steps = events.filter((e) => e.event === 'study/recipe-step').map((e) => [e.payload.index, e.payload.total, e.payload.seed])
    expect(steps).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((i) => [i, 8, i < 4 ? 4 : 5]))
    const runs = await Promise.all(result.runIds.map((runId) => call(s, 'runs/get', { runId })))
    expect(runs[0].name).toBe('seed-mlp · seed 4')
    const groups = runs.map((r) => r.group)
    expect(new Set(groups).size).toBe(4)
    expect(groups.slice(4)).toEqual(groups.slice(0, 4))
    expect(groups[2]).toMatch(/^seed-cnn \+ shifts ±3 \(/)
    expect((await call(s, 'runs/list', {})).filter((r) => r.group === groups[0])).toHaveLength(2)
  })

  it('names the runs and groups as the interface words them, in its language', async () => {
    const s = await start({})
    const names = { models: ['seed-mlp', 'seed-cnn', 'seed-cnn + 平移 ±3', 'seed-cnn + BlurPool'], seeds: ['种子 4', '种子 5'] }
    const result = await call(s, 'study/train-recipe', { epochs: 1, seeds: [4, 5], trainLimit: 100, names })
    const runs = await Promise.all(result.runIds.map((runId) => call(s, 'runs/get', { runId })))
    expect(runs.map((r) => r.name)).toEqual([4, 5].flatMap((seed, i) => names.models.map((m) => `${m} · ${names.seeds[i]}`)))
    expect(runs[2].group).toMatch(/^seed-cnn \+ 平移 ±3 \(/)
    const steps = events.filter((e) => e.event === 'study/recipe-step').map((e) => e.payload.label)
    expect(steps.slice(0, 4)).toEqual(names.models)
  })

  it('refuses names that do not match the seeds', async () => {
    const s = await start({})
    const names = { models: ['a', 'b', 'c', 'd'], seeds: ['种子 1'] }
    await expect(call(s, 'study/train-recipe', { seeds: [1, 2], names })).rejects.toThrow(/one name per seed/)
    expect(calls).toHaveLength(0)
  })

  it('refuses the same seed twice', async () => {
    const s = await start({})
    await expect(call(s, 'study/train-recipe', { seeds: [1, 1] })).rejects.toThrow(/seeds must differ/)
    expect(calls).toHaveLength(0)
  })

  it('stops at the run cancelled with train/cancel, keeps those done, and refuses another training meanwhile', async () => {
    const s = await start({ hold: (n) => n === 1 })
    const recipe = call(s, 'study/train-recipe', { epochs: 1 })
    while (!events.some((e) => e.event === 'study/recipe-step' && e.payload.index === 1)) await new Promise((resolve) => setImmediate(resolve))
    const second = events.find((e) => e.event === 'study/recipe-step' && e.payload.index === 1)!.payload.runId as string

    await expect(call(s, 'study/train-recipe', {})).rejects.toThrow(/still training/)
    await expect(call(s, 'train/start', { model: { name: 'tiny', inputShape: [1, 4, 4], layers: [{ type: 'flatten' }, { type: 'dense', units: 2 }] }, data: { kind: 'toy' }, config: {} })).rejects.toThrow(/still training/)
    expect(await call(s, 'train/cancel', { runId: second })).toEqual({ cancelled: true })

    const result = await recipe
    expect(result.status).toBe('cancelled')
    expect(result.runIds).toEqual([calls[0].runId])
    expect(calls).toHaveLength(2)
    expect((await call(s, 'runs/get', { runId: second })).status).toBe('cancelled')
  })

  it('ends at a run that fails, naming it and the engine error', async () => {
    const s = await start({ fail: (n) => (n === 2 ? 'out of memory' : undefined) })
    const result = await call(s, 'study/train-recipe', { epochs: 1 })
    expect(result).toEqual({
      status: 'failed',
      runIds: calls.slice(0, 2).map((c) => c.runId),
      error: 'seed-cnn + shifts ±3 failed: out of memory',
      label: 'seed-cnn + shifts ±3',
      reason: 'out of memory',
      failure: { code: 'other', params: {} }
    })
    expect(calls).toHaveLength(3)
  })
})

describe('study/rates', () => {
  it("times the recipe's models once per distinct network, keyed by recipe label in recipe order: training, evaluation and the study on the pool", async () => {
    const s = await start({})
    const { rates } = await call(s, 'study/rates', { recipe: true })
    // seed-cnn with shifted images trains the same network as seed-cnn: three models timed.
    expect(benchCalls).toHaveLength(1)
    expect(benchCalls[0].models.map((m) => m.name)).toEqual(['seed-mlp', 'seed-cnn', 'seed-cnn-blurpool'])
    expect(benchCalls[0].backends).toEqual(['wasm'])
    expect(probeCalls.map((p) => p.models.map((m) => m.name))).toEqual([['seed-mlp', 'seed-cnn', 'seed-cnn-blurpool']])
    expect(rates).toEqual([
      { key: LABELS[0], trainImagesPerSec: 100, inferImagesPerSec: 1000, studyImagesPerSec: 3000 },
      { key: LABELS[1], trainImagesPerSec: 200, inferImagesPerSec: 2000, studyImagesPerSec: 6000 },
      { key: LABELS[2], trainImagesPerSec: 200, inferImagesPerSec: 2000, studyImagesPerSec: 6000 },
      { key: LABELS[3], trainImagesPerSec: 300, inferImagesPerSec: 3000, studyImagesPerSec: 9000 }
    ])
    expect(await call(s, 'study/rates', {})).toEqual({ rates: [] })
    expect(benchCalls).toHaveLength(1)
  })

  it('probes once per session: a second call answers the same from what was measured, with no probe', async () => {
    const s = await start({})
    const first = await call(s, 'study/rates', { recipe: true })
    const second = await call(s, 'study/rates', { recipe: true })
    expect(second).toEqual(first)
    expect(benchCalls).toHaveLength(1)
    expect(probeCalls).toHaveLength(1)
  })

  it('probes again when what the rates depend on changes: the pool’s threads, the kernels’ build', async () => {
    const s = await start({})
    await call(s, 'study/rates', { recipe: true })
    setup = { ...setup, threads: 1 }
    await call(s, 'study/rates', { recipe: true })
    setup = { ...setup, kernels: 'relaxed-simd' }
    await call(s, 'study/rates', { recipe: true })
    setup = { backend: 'wasm', kernels: 'simd', threads: 2 }
    await call(s, 'study/rates', { recipe: true })
    expect(probeCalls).toHaveLength(3)
    expect(benchCalls).toHaveLength(3)
  })

  it('makes a training started during the probe wait for it, so they never share the engine', async () => {
    const s = await start({ holdBench: true })
    const probe = call(s, 'study/rates', { recipe: true })
    while (!benchRelease) await new Promise((resolve) => setImmediate(resolve))
    const recipe = call(s, 'study/train-recipe', { epochs: 1, seeds: [1] })
    // Time for a start that did not wait to reach the engine (it writes its run folder first); the probe is still held.
    await new Promise((resolve) => setTimeout(resolve, 500))
    expect(calls).toHaveLength(0)
    benchRelease()
    await probe
    expect((await recipe).status).toBe('completed')
    expect(calls).toHaveLength(4)
  })
})
