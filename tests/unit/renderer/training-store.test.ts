import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import type { LabEventPayload, RunDetail } from '../../../src-main/shared/contract'
import { fakeApi } from './fake-api'
import { getPreset } from '../../../src-main/shared/presets'

const api = fakeApi()
const { answers, calls, emit } = api
vi.mock('@renderer/api/client', () => api.client)

const { phaseText, useTrainingStore } = await import('../../../src-renderer/src/stores/training')

const model = getPreset('seed-mlp')!
const CLASSES = ['a', 'b']

const progress = (runId: string, epoch: number, batch: number): LabEventPayload<'train/progress'> => ({
  runId,
  epoch,
  epochs: 2,
  batch,
  batchesPerEpoch: 10,
  loss: 1 / (epoch * 10 + batch),
  accuracy: 0.5,
  imagesPerSec: 900,
  etaSeconds: 3,
  elapsedSeconds: 1,
  recent: { batches: 5, loss: 2 / (epoch * 10 + batch), accuracy: 0.25 },
  threads: { count: 2, split: 'units' }
})

const detail = (runId: string, status: RunDetail['status']): RunDetail => ({
  id: runId,
  name: 'seed-mlp on Fashion-MNIST',
  modelName: 'seed-mlp',
  data: { kind: 'fashion-mnist' },
  createdAt: '2025-01-01T00:00:00Z',
  status,
  epochsDone: 1,
  backend: 'wasm',
  threads: { count: 1 },
  model,
  config: { optimizer: 'sgd', learningRate: 0.01, batchSize: 32, epochs: 2, validationSplit: 0 },
  classNames: CLASSES,
  epochs: [{ epoch: 1, loss: 0.5, accuracy: 0.8, seconds: 1 }],
  batches: Array.from({ length: 20 }, (_, i) => ({ epoch: 1 + Math.floor(i / 10), batch: (i % 10) + 1, loss: 1, accuracy: 0.5 })),
  ...(status === 'completed' ? { test: { count: 4, loss: 0.4, accuracy: 0.75, confusion: [[2, 0], [1, 1]] } } : {})
})

beforeEach(() => {
  setActivePinia(createPinia())
  api.reset()
})

describe('training store', () => {
  it('starts a run with the form as config and follows its progress, epochs and end', async () => {
    answers.set('train/start', () => ({ runId: 'r1' }))
    answers.set('runs/get', () => detail('r1', 'completed'))
    const store = useTrainingStore()
    store.form = { ...store.form, optimizer: 'sgd', learningRate: 0.01, epochs: 2, limit: 2000, seeds: '' }
    await store.start(model, { kind: 'fashion-mnist' })

    const start = calls.find((c) => c.name === 'train/start')!.input as { config: Record<string, unknown>; name: string }
    expect(start.config).toMatchObject({ optimizer: 'sgd', learningRate: 0.01, epochs: 2, limit: 2000 })
    expect(start.config).not.toHaveProperty('seed')
    // An empty threads field: the engine uses all the threads this machine allows.
    expect(start.config).not.toHaveProperty('threads')
    expect(start.name).toBe('seed-mlp · Fashion-MNIST · 2000 images · 2 ep')
    expect(store.phase).toBe('running')

    emit('train/progress', progress('r1', 1, 5))
    emit('train/progress', progress('other-run', 1, 6))
    emit('train/progress', progress('r1', 2, 5))
    expect(store.batchLoss.map((p) => p.x)).toEqual([0.5, 1.5])
    // Live curves plot the batches since the previous event, not the epoch's running mean.
    expect(store.batchLoss.map((p) => p.y)).toEqual([2 / 15, 2 / 25])
    expect(store.batchAccuracy.map((p) => p.y)).toEqual([0.25, 0.25])
    expect(store.threads).toEqual({ count: 2, split: 'units' })
    expect(store.fraction).toBeCloseTo(15 / 20)

    emit('train/epoch', { runId: 'r1', epoch: 1, loss: 0.5, accuracy: 0.8, seconds: 1 })
    expect(store.epochs).toHaveLength(1)

    emit('train/finished', { runId: 'r1', status: 'completed', test: { count: 4, loss: 0.4, accuracy: 0.75, confusion: [[2, 0], [1, 1]] } })
    expect(store.phase).toBe('completed')
    expect(store.test?.accuracy).toBe(0.75)
    // The saved run replaces the live samples with every batch.
    await vi.waitFor(() => expect(store.batchLoss).toHaveLength(20))
    expect(store.classNames).toEqual(CLASSES)
    expect(store.backend).toBe('wasm')
    // As saved: the detail's threads replace the live ones (here made to differ).
    expect(store.threads).toEqual({ count: 1 })
  })

  it('with several seeds trains a group, one run per seed after the one before, and gives its test accuracy as mean ± sd', async () => {
    let n = 0
    answers.set('train/start', () => ({ runId: `g${++n}` }))
    answers.set('runs/get', (input) => detail((input as { runId: string }).runId, 'completed'))
    const store = useTrainingStore()
    store.form = { ...store.form, epochs: 2, seeds: '5, 6,7' }
    const group = store.start(model, { kind: 'fashion-mnist' })
    const starts = () => calls.filter((c) => c.name === 'train/start').map((c) => c.input as { config: { seed?: number }; name: string; group?: string })
    await vi.waitFor(() => expect(starts()).toHaveLength(1))
    expect(store.seedStep).toEqual({ index: 0, total: 3, seed: 5 })
    expect(store.active).toBe(true)
    const finish = (runId: string, accuracy: number) => emit('train/finished', { runId, status: 'completed', test: { count: 4, loss: 0.4, accuracy, confusion: [[2, 0], [1, 1]] } })
    finish('g1', 0.8)
    await vi.waitFor(() => expect(starts()).toHaveLength(2))
    // Between two seeds the view must not offer Start.
    expect(store.active).toBe(true)
    expect(store.seedStep).toEqual({ index: 1, total: 3, seed: 6 })
    expect(store.groupAccuracy).toEqual({ mean: 0.8, sd: 0, count: 1 })
    finish('g2', 0.9)
    await vi.waitFor(() => expect(starts()).toHaveLength(3))
    await vi.waitFor(() => expect(store.runId).toBe('g3'))
    await store.cancel()
    finish('g3', 0.85)
    await group
    expect(starts().map((s) => s.config.seed)).toEqual([5, 6, 7])
    expect(starts().map((s) => s.name)).toEqual([5, 6, 7].map((k) => `seed-mlp · Fashion-MNIST · 2 ep · seed ${k}`))
    expect(new Set(starts().map((s) => s.group)).size).toBe(1)
    expect(starts()[0].group).toMatch(/^seed-mlp · Fashion-MNIST · 2 ep \(\d{4}-/)
    expect(store.groupAccuracy?.mean).toBeCloseTo(0.85, 12)
    expect(store.groupAccuracy?.count).toBe(3)
    expect(store.active).toBe(false)
  })

  it('stops a group at a cancel: no further seed starts', async () => {
    let n = 0
    answers.set('train/start', () => ({ runId: `c${++n}` }))
    answers.set('runs/get', (input) => detail((input as { runId: string }).runId, 'cancelled'))
    answers.set('train/cancel', () => ({ cancelled: true }))
    const store = useTrainingStore()
    store.form = { ...store.form, seeds: '1,2' }
    const group = store.start(model, { kind: 'fashion-mnist' })
    await vi.waitFor(() => expect(store.runId).toBe('c1'))
    await store.cancel()
    emit('train/finished', { runId: 'c1', status: 'cancelled' })
    await group
    expect(calls.filter((c) => c.name === 'train/start')).toHaveLength(1)
    expect(store.active).toBe(false)
  })

  it('keeps events that arrive before the train/start reply', async () => {
    let reply: (v: { runId: string }) => void = () => undefined
    answers.set('train/start', () => new Promise((r) => (reply = r)))
    const store = useTrainingStore()
    const started = store.start(model, { kind: 'toy' })
    await Promise.resolve()
    emit('train/progress', progress('r2', 1, 1))
    reply({ runId: 'r2' })
    await started
    expect(store.runId).toBe('r2')
    expect(store.batchLoss).toHaveLength(1)
  })

  it('shows a refused start as a failure with the reason', async () => {
    answers.set('train/start', () => {
      throw new Error('Run x is still training: cancel it or wait for it to finish.')
    })
    const store = useTrainingStore()
    await store.start(model, { kind: 'toy' })
    expect(store.phase).toBe('failed')
    expect(store.error).toMatch(/still training/)
    expect(store.active).toBe(false)
  })

  it('pauses and lets the active run go on, saying so in its phase', async () => {
    answers.set('train/start', () => ({ runId: 'r5' }))
    answers.set('train/pause', (input) => ({ paused: (input as { paused: boolean }).paused }))
    const store = useTrainingStore()
    await store.start(model, { kind: 'toy' })
    await store.togglePause()
    expect(store.paused).toBe(true)
    expect(phaseText(store.phase, 'training', store.cancelling, store.paused)).toBe('Paused')
    await store.togglePause()
    expect(store.paused).toBe(false)
    expect(calls.filter((c) => c.name === 'train/pause').map((c) => c.input)).toEqual([
      { runId: 'r5', paused: true },
      { runId: 'r5', paused: false }
    ])
  })

  it('continues a completed run: follows it with its earlier history and the point marked', async () => {
    const resumes = [{ epoch: 2, kind: 'continue' as const, at: '2025-01-02T00:00:00Z' }]
    answers.set('train/continue', () => ({ runId: 'r6' }))
    answers.set('runs/get', () => ({ ...detail('r6', 'running'), resumes }))
    const store = useTrainingStore()
    await store.trainOn('r6', { mode: 'continue', epochs: 3, freshOptimizer: false })
    expect(calls.find((c) => c.name === 'train/continue')?.input).toEqual({ runId: 'r6', epochs: 3 })
    expect(store.phase).toBe('running')
    expect(store.runId).toBe('r6')
    expect(store.resumes).toEqual(resumes)
    expect(store.batchLoss).toHaveLength(20)
    emit('train/progress', progress('r6', 3, 5))
    expect(store.batchLoss).toHaveLength(21)
  })

  it('cancels the active run', async () => {
    answers.set('train/start', () => ({ runId: 'r3' }))
    answers.set('train/cancel', () => ({ cancelled: true }))
    const store = useTrainingStore()
    await store.start(model, { kind: 'toy' })
    await store.cancel()
    expect(calls.at(-1)).toEqual({ name: 'train/cancel', input: { runId: 'r3' } })
    expect(store.cancelling).toBe(true)
  })

  it('picks up a run that is still training when the page loads', async () => {
    answers.set('runs/list', () => [{ ...detail('r4', 'running'), status: 'running' }, detail('old', 'completed')])
    answers.set('runs/get', () => ({ ...detail('r4', 'running'), test: undefined }))
    const store = useTrainingStore()
    await store.resume()
    expect(store.runId).toBe('r4')
    expect(store.phase).toBe('running')
    expect(store.batchLoss).toHaveLength(20)
    emit('train/progress', progress('r4', 2, 10))
    expect(store.batchLoss).toHaveLength(21)
  })

  it('says when the finished run diverged', async () => {
    const diverged = { firstLoss: 2.3, peakLoss: 4.2e13, epoch: 2 }
    answers.set('runs/list', () => [{ ...detail('r5', 'completed'), status: 'running' }])
    answers.set('runs/get', () => ({ ...detail('r5', 'completed'), diverged }))
    const store = useTrainingStore()
    await store.resume()
    expect(store.diverged).toEqual(diverged)
  })

  it('does not take a run another process trains (the CLI) for its own', async () => {
    answers.set('runs/list', () => [{ ...detail('cli', 'running'), status: 'running', trainedElsewhere: true }])
    const store = useTrainingStore()
    await store.resume()
    expect(store.runId).toBeNull()
    expect(store.phase).toBe('idle')
  })

  it('offers the threads this machine allows and sends the chosen count, no more than those', async () => {
    answers.set('model/presets', () => [{ name: 'seed-mlp', spec: model }])
    answers.set('app/info', () => ({ version: '1', dataDir: '/d', runsDir: '/d/runs', platform: 'linux-x64', trainThreads: 4 }))
    answers.set('train/start', () => ({ runId: 'r1' }))
    const store = useTrainingStore()
    await store.loadPresets()
    expect(store.maxThreads).toBe(4)
    const started: unknown[] = []
    for (const threads of [1, 3, 9]) {
      store.form = { ...store.form, threads }
      await store.start(model, { kind: 'fashion-mnist' })
      started.push((calls.filter((c) => c.name === 'train/start').pop()!.input as { config: { threads?: number } }).config.threads)
      emit('train/finished', { runId: 'r1', status: 'completed' })
    }
    expect(started).toEqual([1, 3, 4])
  })

  it('fills the form with a preset recipe when the preset is chosen', async () => {
    answers.set('model/presets', () => [{ name: 'seed-mlp', spec: model }])
    answers.set('app/info', () => ({ version: '1', dataDir: '/d', runsDir: '/d/runs', platform: 'linux-x64', trainThreads: 2 }))
    const store = useTrainingStore()
    await store.loadPresets()
    store.chooseModel('seed-mlp')
    expect(store.form).toMatchObject({ optimizer: 'sgd', learningRate: 0.01, batchSize: 32, epochs: 5 })
  })

  it('says which step a started run is in before its first batch, and counts those seconds in its duration', async () => {
    let answer: (v: { runId: string }) => void = () => undefined
    answers.set('train/start', () => new Promise((r) => (answer = r)))
    answers.set('runs/get', () => detail('r1', 'completed'))
    const store = useTrainingStore()
    const text = (): string => phaseText(store.phase, store.step, store.cancelling)
    const started = store.start(model, { kind: 'fashion-mnist' })
    expect(text()).toBe('Starting…')
    // The engine's first words can beat train/start's answer.
    emit('train/phase', { runId: 'r1', phase: 'loading-data', elapsedSeconds: 0 })
    expect(text()).toBe('Loading the data…')
    answer({ runId: 'r1' })
    await started
    expect(store.phase).toBe('running')
    expect(text()).toBe('Loading the data…')
    emit('train/phase', { runId: 'other', phase: 'testing', elapsedSeconds: 9 })
    emit('train/phase', { runId: 'r1', phase: 'building-model', elapsedSeconds: 6 })
    expect(text()).toBe('Building the model…')
    expect(store.elapsed).toBe(6)
    emit('train/progress', { ...progress('r1', 1, 5), elapsedSeconds: 8 })
    expect(text()).toBe('Training')
    expect(store.elapsed).toBe(8)
    emit('train/phase', { runId: 'r1', phase: 'testing', elapsedSeconds: 20 })
    expect(text()).toBe('Testing on the test set…')
    emit('train/finished', { runId: 'r1', status: 'completed', seconds: 24 })
    expect(text()).toBe('Finished')
    expect(store.elapsed).toBe(24)
  })

  it('words each state of a run', () => {
    expect(phaseText('idle', null, false)).toBe('Not started')
    expect(phaseText('running', 'saving', false)).toBe('Saving the model…')
    expect(phaseText('running', 'training', true)).toBe('Stopping after this batch…')
    expect(phaseText('failed', 'loading-data', false)).toBe('Failed')
  })
})
