import { acceptHMRUpdate, defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { PixelImage, RunSummary } from '@shared/contract'
import { describeError, request } from '@renderer/api/client'
import { imageFaultText } from '@renderer/i18n/words'
import { decodeFiles, inputSizeOf } from './image-files'
import { loadRunsFor } from './trained-runs'

export interface PredictItem {
  id: number
  name: string
  bytes: number
  /** An object URL of the file as dropped, shown once the file decoded as an image. */
  url: string
  status: 'decoding' | 'predicting' | 'done' | 'error'
  error?: string
  image?: PixelImage
  preprocessing?: string[]
  original?: { width: number; height: number; format: string }
  probabilities?: number[]
  predicted?: number
}

/** Dropped or picked images, decoded as the model sees them and predicted by one run. */
export const usePredictStore = defineStore('predict', () => {
  const runs = ref<RunSummary[]>([])
  /** Trained runs this view cannot use (Learn's toy runs, say), in one sentence. */
  const runsLeftOut = ref<string | null>(null)
  const runsLoaded = ref(false)
  const runsError = ref<string | null>(null)
  const runId = ref<string | null>(null)
  const classNames = ref<string[]>([])
  const items = ref<PredictItem[]>([])
  const predictError = ref<string | null>(null)
  // The files themselves stay out of reactive state; a re-decode for another input size needs them.
  const files = new Map<number, File>()
  let nextId = 1
  let inputShape: number[] | undefined
  let latestPredict = 0

  const busy = computed(() => items.value.some((i) => i.status === 'decoding' || i.status === 'predicting'))
  const run = computed(() => runs.value.find((r) => r.id === runId.value))

  async function loadRuns(): Promise<void> {
    runsError.value = null
    try {
      ;({ runs: runs.value, leftOut: runsLeftOut.value } = await loadRunsFor('predict'))
      runsLoaded.value = true
      if (!runs.value.some((r) => r.id === runId.value)) await setRun(runs.value[0]?.id ?? null)
    } catch (err) {
      runsError.value = describeError(err)
    }
  }

  async function setRun(id: string | null): Promise<void> {
    runId.value = id
    predictError.value = null
    const previous = inputShape
    try {
      inputShape = id ? (await request('runs/get', { runId: id })).model.inputShape : undefined
    } catch (err) {
      predictError.value = describeError(err)
      return
    }
    const [before, after] = [inputSizeOf(previous), inputSizeOf(inputShape)]
    if (items.value.length && (before.width !== after.width || before.height !== after.height)) await decode(items.value)
    await predict()
  }

  async function decode(targets: PredictItem[]): Promise<void> {
    for (const item of targets) {
      item.status = 'decoding'
      item.error = undefined
    }
    const decoded = await decodeFiles(targets.map((t) => files.get(t.id)!), inputSizeOf(inputShape))
    targets.forEach((item, i) => {
      const d = decoded[i]
      if (d.ok) {
        Object.assign(item, { image: d.image, preprocessing: d.preprocessing, original: d.original, status: 'predicting' })
      } else {
        Object.assign(item, { status: 'error', error: imageFaultText(d), image: undefined, probabilities: undefined })
      }
    })
  }

  /** Predicts every decoded image with the chosen run, in one call. */
  async function predict(): Promise<void> {
    const ready = items.value.filter((i) => i.image && i.status !== 'error')
    const id = runId.value
    if (!ready.length) return
    if (!id) {
      for (const item of ready) Object.assign(item, { status: 'done', probabilities: undefined, predicted: undefined })
      return
    }
    const ticket = ++latestPredict
    for (const item of ready) item.status = 'predicting'
    try {
      const result = await request('predict/images', { runId: id, images: ready.map((i) => i.image!) })
      if (ticket !== latestPredict) return
      classNames.value = result.classNames
      ready.forEach((item, i) =>
        Object.assign(item, { status: 'done', probabilities: result.probabilities[i], predicted: result.predicted[i] })
      )
      predictError.value = null
    } catch (err) {
      if (ticket !== latestPredict) return
      predictError.value = describeError(err)
      for (const item of ready) Object.assign(item, { status: 'done', probabilities: undefined, predicted: undefined })
    }
  }

  async function addFiles(list: File[]): Promise<void> {
    if (!list.length) return
    const added: PredictItem[] = list.map((file) => {
      const id = nextId++
      files.set(id, file)
      return { id, name: file.name, bytes: file.size, url: URL.createObjectURL(file), status: 'decoding' }
    })
    // Newest first, so what was just dropped is what the user sees.
    items.value = [...added, ...items.value]
    // The reactive copies, so the progress written below reaches the screen.
    const tracked = items.value.slice(0, added.length)
    await decode(tracked)
    await predict()
  }

  function remove(id: number): void {
    const item = items.value.find((i) => i.id === id)
    if (item) URL.revokeObjectURL(item.url)
    files.delete(id)
    items.value = items.value.filter((i) => i.id !== id)
  }

  function clear(): void {
    for (const item of items.value) URL.revokeObjectURL(item.url)
    files.clear()
    items.value = []
  }

  return { runs, runsLeftOut, runsLoaded, runsError, runId, run, classNames, items, predictError, busy, loadRuns, setRun, addFiles, remove, clear }
})

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(usePredictStore, import.meta.hot))
