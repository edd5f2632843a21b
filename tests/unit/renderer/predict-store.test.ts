import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import type { RunSummary } from '../../../src-main/shared/contract'
import { fakeApi } from './fake-api'

const api = fakeApi()
const { answers, calls } = api
vi.mock('@renderer/api/client', () => api.client)

const { usePredictStore } = await import('../../../src-renderer/src/stores/predict')
const { tooLargeMessage, fileToBase64, imageFileToFile } = await import('../../../src-renderer/src/stores/image-files')

const run = (id: string): RunSummary => ({
  id,
  name: id,
  modelName: 'seed-mlp',
  data: { kind: 'fashion-mnist' },
  createdAt: '2025-01-01T00:00:00Z',
  status: 'completed',
  epochsDone: 1
})
const CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot']

/** A decoder that accepts files whose name ends in .png and rejects the rest by name. */
function fakeDecoder(input: unknown) {
  const { files, width, height } = input as { files: { name: string }[]; width: number; height: number }
  return files.map(({ name }) =>
    name.endsWith('.png')
      ? { name, ok: true, image: { width, height, pixels: new Array(width * height).fill(0.5) }, preprocessing: ['grey'], original: { width: 40, height: 40, format: 'png' } }
      : { name, ok: false, error: `${name} is not a supported image (text).` }
  )
}

function fakePredict(input: unknown) {
  const { images } = input as { images: unknown[] }
  const row = CLASSES.map((_, c) => (c === 2 ? 0.91 : 0.01))
  return { classNames: CLASSES, probabilities: images.map(() => row), predicted: images.map(() => 2) }
}

beforeEach(() => {
  setActivePinia(createPinia())
  api.reset()
  answers.set('runs/list', () => [run('mlp'), { ...run('busy'), status: 'running' }])
  answers.set('runs/get', (input) => ({ model: { inputShape: [1, 28, 28] }, id: (input as { runId: string }).runId }))
  answers.set('images/decode', fakeDecoder)
  answers.set('predict/images', fakePredict)
})

describe('predict store', () => {
  it('picks the newest trained run', async () => {
    const store = usePredictStore()
    await store.loadRuns()
    expect(store.runs.map((r) => r.id)).toEqual(['mlp'])
    expect(store.runId).toBe('mlp')
  })

  it('decodes several files in one call, predicts the good ones, and names the bad one', async () => {
    const store = usePredictStore()
    await store.loadRuns()
    await store.addFiles([new File([new Uint8Array([1])], 'a.png'), new File(['hi'], 'notes.txt'), new File([new Uint8Array([2])], 'b.png')])
    expect(calls.filter((c) => c.name === 'images/decode')).toHaveLength(1)
    expect(store.items.map((i) => [i.name, i.status])).toEqual([
      ['a.png', 'done'],
      ['notes.txt', 'error'],
      ['b.png', 'done']
    ])
    expect(store.items[1].error).toBe('notes.txt is not a supported image (text).')
    expect(store.items[0].probabilities).toHaveLength(10)
    expect(store.items[0].predicted).toBe(2)
    expect(store.classNames).toEqual(CLASSES)
    const predicted = calls.find((c) => c.name === 'predict/images')?.input as { runId: string; images: unknown[] }
    expect(predicted.runId).toBe('mlp')
    expect(predicted.images).toHaveLength(2)
  })

  it('refuses a file over 50 MB before reading it, with the decoder wording', async () => {
    const store = usePredictStore()
    await store.loadRuns()
    const huge = new File([new Uint8Array(1)], 'huge.png')
    Object.defineProperty(huge, 'size', { value: 60_000_000 })
    await store.addFiles([huge])
    expect(store.items[0].status).toBe('error')
    expect(store.items[0].error).toBe(tooLargeMessage('huge.png', 60_000_000))
    expect(store.items[0].error).toBe('huge.png is too large: 60.0 MB is over the 50 MB limit for images.')
    expect(calls.some((c) => c.name === 'images/decode')).toBe(false)
  })

  it('turns a failed decode call into a message on each of its files', async () => {
    answers.set('images/decode', () => {
      throw new Error('The request body is larger than 33554432 bytes.')
    })
    const store = usePredictStore()
    await store.loadRuns()
    await store.addFiles([new File([new Uint8Array([1])], 'a.png')])
    expect(store.items[0]).toMatchObject({ status: 'error', error: 'a.png: The request body is larger than 33554432 bytes.' })
  })

  it('decodes without predicting when no run is trained', async () => {
    answers.set('runs/list', () => [])
    const store = usePredictStore()
    await store.loadRuns()
    await store.addFiles([new File([new Uint8Array([1])], 'a.png')])
    expect(store.items[0].status).toBe('done')
    expect(store.items[0].image).toBeDefined()
    expect(store.items[0].probabilities).toBeUndefined()
    expect(calls.some((c) => c.name === 'predict/images')).toBe(false)
  })

  it('re-decodes at the new input size when the run changes to another model shape', async () => {
    answers.set('runs/list', () => [run('mlp'), run('big')])
    answers.set('runs/get', (input) => ({ model: { inputShape: (input as { runId: string }).runId === 'big' ? [1, 32, 32] : [1, 28, 28] } }))
    const store = usePredictStore()
    await store.loadRuns()
    await store.addFiles([new File([new Uint8Array([1])], 'a.png')])
    await store.setRun('big')
    expect(store.items[0].image?.width).toBe(32)
    expect((calls.filter((c) => c.name === 'predict/images').at(-1)?.input as { runId: string }).runId).toBe('big')
  })

  it('releases object URLs when images are removed', async () => {
    const revoke = vi.spyOn(URL, 'revokeObjectURL')
    const store = usePredictStore()
    await store.loadRuns()
    await store.addFiles([new File([new Uint8Array([1])], 'a.png'), new File([new Uint8Array([1])], 'b.png')])
    store.remove(store.items[0].id)
    expect(store.items.map((i) => i.name)).toEqual(['b.png'])
    store.clear()
    expect(store.items).toEqual([])
    expect(revoke).toHaveBeenCalledTimes(2)
  })

  it('encodes bytes to base64 across chunk boundaries', async () => {
    const bytes = new Uint8Array(3 * 8192 + 5).map((_, i) => i % 251)
    const whole = btoa(Array.from(bytes, (b) => String.fromCharCode(b)).join(''))
    expect(await fileToBase64(new Blob([bytes]))).toBe(whole)
  })
})

describe('imageFileToFile', () => {
  it('gives back the bytes and name fileToBase64 sent, for images the app was asked to open', async () => {
    const bytes = Uint8Array.from({ length: 30_000 }, (_, i) => (i * 7) % 256)
    const base64 = btoa(String.fromCharCode(...bytes))
    const file = imageFileToFile({ name: '衬衫.png', base64 })
    expect(file.name).toBe('衬衫.png')
    expect(new Uint8Array(await file.arrayBuffer())).toEqual(bytes)
    expect(await fileToBase64(file)).toBe(base64)
  })
})
