import { acceptHMRUpdate, defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { PixelImage, RunSummary, ShiftResult } from '@shared/contract'
import { describeError, request } from '@renderer/api/client'
import { t } from '@renderer/i18n'
import { imageFaultText } from '@renderer/i18n/words'
import { decodeFiles, inputSizeOf } from './image-files'
import { loadRunsFor } from './trained-runs'

/** The tutorial's image: training index 24150, a pullover. */
export const TUTORIAL_INDEX = 24150

export type ShiftImage =
  | { kind: 'dataset'; split: 'train' | 'test'; index: number }
  | { kind: 'file'; name: string; image: PixelImage; preprocessing: string[] }

export interface ShiftPanel {
  runId: string | null
  result: ShiftResult | null
  loading: boolean
  error: string | null
}

export interface Comparison {
  mlp?: RunSummary
  cnn?: RunSummary
  /** What to train for each missing side, in words a student can follow. */
  missing: string[]
}

const trainHint = (preset: string): string => t('shift.trainHint', { preset })

/**
 * The newest finished run of each tutorial preset, matched on the model's name. A run trained on
 * shifted copies would hide what the experiment shows, so one trained as the tutorial did is
 * preferred.
 */
export function pickComparison(runs: RunSummary[]): Comparison {
  const newest = (name: string) => runs.find((r) => r.modelName === name && !r.augmented) ?? runs.find((r) => r.modelName === name)
  const mlp = newest('seed-mlp')
  const cnn = newest('seed-cnn')
  const missing = [...(mlp ? [] : [trainHint('seed-mlp')]), ...(cnn ? [] : [trainHint('seed-cnn')])]
  return { ...(mlp ? { mlp } : {}), ...(cnn ? { cnn } : {}), missing }
}

const emptyPanel = (runId: string | null = null): ShiftPanel => ({ runId, result: null, loading: false, error: null })

/** The shift experiment: one image, up to two runs, the same shifts for both. */
export const useShiftStore = defineStore('shift', () => {
  const runs = ref<RunSummary[]>([])
  /** Trained runs this view cannot use (Learn's toy runs, say), in one sentence. */
  const runsLeftOut = ref<string | null>(null)
  const runsLoaded = ref(false)
  const runsError = ref<string | null>(null)
  const image = ref<ShiftImage>({ kind: 'dataset', split: 'train', index: TUTORIAL_INDEX })
  const imageError = ref<string | null>(null)
  const from = ref(-5)
  const to = ref(5)
  const axis = ref<'x' | 'y'>('x')
  const mode = ref<'roll' | 'zero'>('roll')
  const panels = ref<[ShiftPanel, ShiftPanel]>([emptyPanel(), emptyPanel()])
  const comparisonHelp = ref<string[]>([])
  // A newer request for the same panel supersedes an older one still in flight.
  const latest = [0, 0]

  const rangeError = computed(() => (from.value > to.value ? t('shift.rangeError') : null))
  const activePanels = computed(() => panels.value.filter((p) => p.runId))

  async function loadRuns(): Promise<void> {
    runsError.value = null
    try {
      ;({ runs: runs.value, leftOut: runsLeftOut.value } = await loadRunsFor('shift'))
      runsLoaded.value = true
      const known = new Set(runs.value.map((r) => r.id))
      panels.value.forEach((p, i) => {
        if (p.runId && !known.has(p.runId)) panels.value[i] = emptyPanel()
      })
      if (!panels.value[0].runId && runs.value.length) panels.value[0] = emptyPanel(runs.value[0].id)
    } catch (err) {
      runsError.value = describeError(err)
    }
  }

  function setRun(slot: 0 | 1, runId: string | null): void {
    latest[slot]++
    panels.value[slot] = emptyPanel(runId)
  }

  function compareMlpVsCnn(): boolean {
    const pick = pickComparison(runs.value)
    comparisonHelp.value = pick.missing
    if (pick.mlp) setRun(0, pick.mlp.id)
    if (pick.cnn) setRun(pick.mlp ? 1 : 0, pick.cnn.id)
    return pick.missing.length === 0
  }

  function useDatasetImage(index: number, split: 'train' | 'test' = 'train'): void {
    imageError.value = null
    image.value = { kind: 'dataset', split, index }
  }

  /** Decodes the file at the first chosen run's input size; the previous image stays on failure. */
  async function useFile(file: File): Promise<void> {
    imageError.value = null
    try {
      const runId = panels.value.find((p) => p.runId)?.runId
      const shape = runId ? (await request('runs/get', { runId })).model.inputShape : undefined
      const [decoded] = await decodeFiles([file], inputSizeOf(shape))
      if (decoded.ok) image.value = { kind: 'file', name: decoded.name, image: decoded.image, preprocessing: decoded.preprocessing }
      else imageError.value = imageFaultText(decoded)
    } catch (err) {
      imageError.value = describeError(err)
    }
  }

  async function computePanel(slot: 0 | 1): Promise<void> {
    const panel = panels.value[slot]
    if (!panel.runId || rangeError.value) return
    const ticket = ++latest[slot]
    panel.loading = true
    panel.error = null
    const source = image.value
    try {
      const result = await request('shift/heatmap', {
        runId: panel.runId,
        image: source.kind === 'dataset' ? { kind: 'dataset', split: source.split, index: source.index } : { kind: 'pixels', image: source.image },
        from: from.value,
        to: to.value,
        axis: axis.value,
        mode: mode.value
      })
      if (ticket === latest[slot]) panel.result = result
    } catch (err) {
      if (ticket === latest[slot]) {
        panel.result = null
        panel.error = describeError(err)
      }
    } finally {
      if (ticket === latest[slot]) panel.loading = false
    }
  }

  /** Both panels; the engine serialises them, the second waits for the first. */
  async function compute(): Promise<void> {
    await Promise.all([computePanel(0), computePanel(1)])
  }

  const runById = (id: string | null): RunSummary | undefined => runs.value.find((r) => r.id === id)

  return {
    runs,
    runsLeftOut,
    runsLoaded,
    runsError,
    image,
    imageError,
    from,
    to,
    axis,
    mode,
    panels,
    comparisonHelp,
    rangeError,
    activePanels,
    loadRuns,
    setRun,
    compareMlpVsCnn,
    useDatasetImage,
    useFile,
    compute,
    runById
  }
})

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useShiftStore, import.meta.hot))
