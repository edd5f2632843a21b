import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import type { RunSummary, ShiftResult } from '../../../src-main/shared/contract'
import { fakeApi } from './fake-api'

const api = fakeApi()
const { answers, calls } = api
vi.mock('@renderer/api/client', () => api.client)

const { pickComparison, useShiftStore, TUTORIAL_INDEX } = await import('../../../src-renderer/src/stores/shift')

function run(id: string, modelName: string, status: RunSummary['status'] = 'completed'): RunSummary {
  return { id, name: id, modelName, inputShape: [1, 28, 28], data: { kind: 'fashion-mnist' }, createdAt: '2025-01-01T00:00:00Z', status, epochsDone: 1 }
}

const shiftResult = (runId: string): ShiftResult => ({
  shifts: [-1, 0, 1],
  classNames: ['a', 'b'],
  probabilities: [[0.2, 0.8], [0.1, 0.9], [0.7, 0.3]],
  predicted: [1, 1, 0],
  images: [],
  label: runId.length % 2
})

beforeEach(() => {
  setActivePinia(createPinia())
  api.reset()
})

describe('pickComparison', () => {
  it('takes the newest finished run of each preset, matched on the model name', () => {
    const pick = pickComparison([run('cnn-new', 'seed-cnn'), run('mlp-new', 'seed-mlp'), run('cnn-old', 'seed-cnn'), run('x', 'my-net')])
    expect(pick.mlp?.id).toBe('mlp-new')
    expect(pick.cnn?.id).toBe('cnn-new')
    expect(pick.missing).toEqual([])
  })

  it('prefers a run trained as the tutorial did to a newer one trained on shifted copies', () => {
    const augmented = { ...run('cnn-shifts', 'seed-cnn'), augmented: true }
    expect(pickComparison([augmented, run('mlp', 'seed-mlp'), run('cnn-plain', 'seed-cnn')]).cnn?.id).toBe('cnn-plain')
    expect(pickComparison([augmented, run('mlp', 'seed-mlp')]).cnn?.id).toBe('cnn-shifts')
  })

  it('says exactly what to train when a side is missing', () => {
    const pick = pickComparison([run('mlp', 'seed-mlp')])
    expect(pick.cnn).toBeUndefined()
    expect(pick.missing).toHaveLength(1)
    expect(pick.missing[0]).toMatch(/seed-cnn/)
    expect(pick.missing[0]).toMatch(/--model seed-cnn --data fashion-mnist/)
  })
})

describe('shift store', () => {
  it("starts on the tutorial's image and the newest trained run, skipping failed and running ones", async () => {
    answers.set('runs/list', () => [run('busy', 'seed-cnn', 'running'), run('broken', 'seed-cnn', 'failed'), run('mlp', 'seed-mlp')])
    const store = useShiftStore()
    await store.loadRuns()
    expect(store.runs.map((r) => r.id)).toEqual(['mlp'])
    expect(store.panels[0].runId).toBe('mlp')
    expect(store.image).toEqual({ kind: 'dataset', split: 'train', index: TUTORIAL_INDEX })
  })

  it('computes both panels with the same image and settings', async () => {
    answers.set('runs/list', () => [run('cnn', 'seed-cnn'), run('mlp', 'seed-mlp')])
    answers.set('shift/heatmap', (input) => shiftResult((input as { runId: string }).runId))
    const store = useShiftStore()
    await store.loadRuns()
    expect(store.compareMlpVsCnn()).toBe(true)
    store.axis = 'y'
    store.mode = 'zero'
    await store.compute()
    const shiftCalls = calls.filter((c) => c.name === 'shift/heatmap').map((c) => c.input)
    expect(shiftCalls).toEqual([
      { runId: 'mlp', image: { kind: 'dataset', split: 'train', index: 24150 }, from: -5, to: 5, axis: 'y', mode: 'zero' },
      { runId: 'cnn', image: { kind: 'dataset', split: 'train', index: 24150 }, from: -5, to: 5, axis: 'y', mode: 'zero' }
    ])
    expect(store.panels[0].result?.shifts).toEqual([-1, 0, 1])
    expect(store.panels[1].result).not.toBeNull()
  })

  it('keeps an error on its own panel', async () => {
    answers.set('runs/list', () => [run('a', 'seed-mlp'), run('b', 'seed-cnn')])
    answers.set('shift/heatmap', (input) => {
      if ((input as { runId: string }).runId === 'b') throw new Error('Run b cannot be opened')
      return shiftResult('a')
    })
    const store = useShiftStore()
    await store.loadRuns()
    store.setRun(1, 'b')
    await store.compute()
    expect(store.panels[0].result).not.toBeNull()
    expect(store.panels[1].error).toBe('Run b cannot be opened')
  })

  it('asks for nothing while "from" is above "to"', async () => {
    answers.set('runs/list', () => [run('a', 'seed-mlp')])
    const store = useShiftStore()
    await store.loadRuns()
    store.from = 3
    store.to = -3
    await store.compute()
    expect(store.rangeError).toMatch(/from/i)
    expect(calls.some((c) => c.name === 'shift/heatmap')).toBe(false)
  })

  it('names what to train when the comparison is not possible', async () => {
    answers.set('runs/list', () => [])
    const store = useShiftStore()
    await store.loadRuns()
    expect(store.compareMlpVsCnn()).toBe(false)
    expect(store.comparisonHelp).toHaveLength(2)
  })

  it('decodes a dropped file at the run input size and shifts its pixels', async () => {
    answers.set('runs/list', () => [run('a', 'seed-mlp')])
    answers.set('runs/get', () => ({ model: { inputShape: [1, 28, 28] } }))
    const image = { width: 28, height: 28, pixels: new Array(784).fill(0) }
    answers.set('images/decode', () => [{ name: 'shirt.png', ok: true, image, preprocessing: ['grey'], original: { width: 1, height: 1, format: 'png' } }])
    answers.set('shift/heatmap', () => shiftResult('a'))
    const store = useShiftStore()
    await store.loadRuns()
    await store.useFile(new File([new Uint8Array([1, 2, 3])], 'shirt.png'))
    expect(calls.find((c) => c.name === 'images/decode')?.input).toEqual({ files: [{ name: 'shirt.png', base64: 'AQID' }], width: 28, height: 28 })
    expect(store.image).toMatchObject({ kind: 'file', name: 'shirt.png' })
    await store.compute()
    expect(calls.find((c) => c.name === 'shift/heatmap')?.input).toMatchObject({ image: { kind: 'pixels', image } })
  })

  it('keeps the previous image and shows the message when the file is not an image', async () => {
    answers.set('runs/list', () => [])
    answers.set('images/decode', () => [{ name: 'notes.txt', ok: false, error: 'notes.txt is not a supported image (text).' }])
    const store = useShiftStore()
    await store.loadRuns()
    await store.useFile(new File(['hello'], 'notes.txt'))
    expect(store.imageError).toBe('notes.txt is not a supported image (text).')
    expect(store.image.kind).toBe('dataset')
  })
})
