import { acceptHMRUpdate, defineStore } from 'pinia'
import { computed, ref, watch } from 'vue'
import type { LabEventPayload, LabOutput, RunSummary } from '@shared/contract'
import { etaSeconds, measureImages, measureSeconds, recipeSeconds, type ModelRate } from '@shared/study-estimate'
import { overlapNotes } from '@shared/study-groups'
import { RECIPE_MAX_SHIFT } from '@shared/shift-recipe'
import { describeError, lab, request } from '@renderer/api/client'
import { currentLocale, t } from '@renderer/i18n'
import { runFailureText } from '@renderer/i18n/words'
import { entryStudies, studyEntries, type StudyRow } from '@renderer/lib/study'
import { loadRunsFor } from './trained-runs'

let jobCounter = 0

/** Which run of the recipe failed and why, in the interface's language; English keeps main's sentence. */
function recipeFailureText(result: LabOutput<'study/train-recipe'>): string {
  if (currentLocale() === 'en') return result.error ?? t('study.recipeFailed')
  if (!result.label || !result.reason) return t('study.recipeFailed')
  return t('study.recipeStepFailed', { label: result.label, reason: runFailureText(result.reason, result.failure) })
}

/** Fashion-MNIST's test split; other datasets' size is only known once measured, so their estimate assumes it too. */
const FASHION_TEST_IMAGES = 10_000
const FASHION_TRAIN_IMAGES = 60_000

/** Work in images, with the seconds it has taken, for a progress line and an ETA. */
export interface ImageProgress {
  label: string
  done: number
  total: number
  /** Seconds left at the rate so far; null until some images are done. */
  eta: number | null
}

/**
 * The shift study: runs and groups of runs over seeds, the same shifts of the same test images,
 * curves and a table with mean ± sd; a time estimate before it starts from the models' measured rates.
 */
export const useStudyStore = defineStore('study', () => {
  const runs = ref<RunSummary[]>([])
  /** Trained runs this view cannot use (Learn's toy runs, say), in one sentence. */
  const runsLeftOut = ref<string | null>(null)
  /** Keys of studyEntries: a group or a single run. */
  const selected = ref<string[]>([])
  const max = ref(5)
  const limit = ref<number | null>(1000)
  const mode = ref<'roll' | 'zero'>('roll')
  /** The full (2·max+1)² grid besides the x and y axes: six times the work at max 5. */
  const grid = ref(false)
  const rows = ref<StudyRow[]>([])
  const busy = ref(false)
  const status = ref('')
  const error = ref<string | null>(null)
  const progress = ref<ImageProgress | null>(null)
  /** Images/s by run id, measured once per session (study/rates). */
  const rates = ref<Record<string, ModelRate>>({})
  /** Images/s of the recipe's four models, in recipe order; empty until timed. */
  const recipeRates = ref<ModelRate[]>([])
  /** Why no estimate can be given (the engine is busy, say); null when it can. */
  const rateProblem = ref<string | null>(null)
  let currentJob: string | null = null
  let cancelled = false
  /** The recipe's run in training, which Cancel stops (and the recipe with it). */
  let recipeRunId: string | null = null

  const entries = computed(() => studyEntries(runs.value))
  /** In the order they were ticked (the recipe's: its models' order), which the table and the charts keep. */
  const selectedEntries = computed(() => selected.value.flatMap((k) => entries.value.filter((e) => e.key === k)))
  const selectedRunIds = computed(() => selectedEntries.value.flatMap((e) => e.runIds))
  const canRun = computed(() => !busy.value && selectedRunIds.value.length > 0)
  const studies = computed(() => entryStudies(selectedEntries.value, rows.value))
  /** With a group among them, the pairs whose intervals overlap (a single run counts with no spread), as the CLI says. */
  const overlaps = computed(() => (studies.value.some((s) => s.entry.group) ? overlapNotes(studies.value.map((s) => ({ name: s.entry.name, study: s.study }))) : []))

  /** The test images a run is studied on, as far as is known before measuring (see FASHION_TEST_IMAGES). */
  function imagesOf(): number {
    return limit.value ? Math.min(limit.value, FASHION_TEST_IMAGES) : FASHION_TEST_IMAGES
  }

  /** Predictions the selection's study makes: runs × test images × shifts. */
  const selectedImages = computed(() => measureImages({ runs: selectedRunIds.value.length, images: imagesOf(), max: max.value, grid: grid.value }))
  /** Seconds to measure the selection; null until every selected run's rate is known. */
  const measureEstimate = computed(() => {
    const ids = selectedRunIds.value
    if (!ids.length || ids.some((id) => !rates.value[id])) return null
    return measureSeconds({ images: imagesOf(), max: max.value, grid: grid.value }, ids.map((id) => rates.value[id]))
  })

  async function loadRuns(): Promise<void> {
    try {
      ;({ runs: runs.value, leftOut: runsLeftOut.value } = await loadRunsFor('study'))
      const known = new Set(entries.value.map((e) => e.key))
      selected.value = selected.value.filter((k) => known.has(k))
    } catch (err) {
      error.value = describeError(err)
    }
  }

  /** Times the models not timed yet: the selected runs', and the recipe's when asked. */
  async function loadRates(recipe: boolean): Promise<void> {
    const runIds = selectedRunIds.value.filter((id) => !rates.value[id])
    const needRecipe = recipe && !recipeRates.value.length
    if (busy.value || (!runIds.length && !needRecipe)) return
    try {
      const answer = await request('study/rates', { runIds, recipe: needRecipe })
      const asked = new Set(runIds)
      const ofRuns = answer.rates.filter((r) => asked.has(r.key))
      rates.value = { ...rates.value, ...Object.fromEntries(ofRuns.map(({ key, ...rate }) => [key, rate])) }
      if (needRecipe) recipeRates.value = answer.rates.filter((r) => !asked.has(r.key))
      rateProblem.value = null
    } catch (err) {
      rateProblem.value = describeError(err)
    }
  }
  watch(selectedRunIds, () => void loadRates(false))

  /** Seconds for the recipe with these settings, then its study at the view's shifts; null until timed. */
  function recipeEstimate(options: { epochs: number; seeds: number[]; trainLimit?: number }): number | null {
    if (recipeRates.value.length < 4) return null
    const testImages = limit.value ? Math.min(limit.value, FASHION_TEST_IMAGES) : FASHION_TEST_IMAGES
    return recipeSeconds(
      { seeds: options.seeds.length, epochs: options.epochs, trainImages: options.trainLimit ?? FASHION_TRAIN_IMAGES, testImages: FASHION_TEST_IMAGES },
      recipeRates.value,
      { images: testImages, max: max.value, grid: grid.value }
    )
  }

  function onProgress(p: LabEventPayload<'robustness/progress'>): void {
    if (p.jobId === currentJob) shiftsDone = p.done
  }
  lab.on('robustness/progress', onProgress)
  let shiftsDone = 0

  /** Measures every run of the selection in turn; the table fills as each group or run completes. */
  async function study(): Promise<void> {
    if (!canRun.value) return
    busy.value = true
    cancelled = false
    error.value = null
    rows.value = []
    const ids = selectedRunIds.value
    const perRun = measureImages({ runs: 1, images: imagesOf(), max: max.value, grid: grid.value })
    const total = perRun * ids.length
    const started = performance.now()
    let before = 0
    const tick = (label: string): void => {
      const done = before + shiftsDone * imagesOf()
      progress.value = { label, done, total, eta: etaSeconds(done, total, (performance.now() - started) / 1000) }
    }
    let timer: ReturnType<typeof setInterval> | null = null
    try {
      for (const [index, runId] of ids.entries()) {
        if (cancelled) break
        const name = runs.value.find((r) => r.id === runId)?.name ?? runId
        const label = t('study.runOf', { name, index: index + 1, total: ids.length })
        currentJob = `study-${++jobCounter}`
        shiftsDone = 0
        tick(label)
        if (timer) clearInterval(timer)
        timer = setInterval(() => tick(label), 500)
        const result = await request('runs/robustness', {
          runId,
          max: max.value,
          mode: mode.value,
          grid: grid.value,
          jobId: currentJob,
          ...(limit.value ? { limit: limit.value } : {})
        })
        if (result.status === 'cancelled') break
        rows.value = [...rows.value, { runId, name, result }]
        before += perRun
      }
      status.value = cancelled ? t('study.cancelled') : t('study.measured', rows.value.length)
    } catch (err) {
      error.value = describeError(err)
    } finally {
      if (timer) clearInterval(timer)
      busy.value = false
      progress.value = null
      currentJob = null
    }
  }

  async function cancel(): Promise<void> {
    cancelled = true
    if (recipeRunId) await request('train/cancel', { runId: recipeRunId }).catch(() => undefined)
    if (currentJob) await request('runs/robustness-cancel', { jobId: currentJob }).catch(() => undefined)
  }

  /**
   * The recipe, trained on the main side ('study/train-recipe', as `lab shift-study
   * --recipe`): seed-mlp, seed-cnn, seed-cnn with shifted images and seed-cnn with BlurPool on
   * Fashion-MNIST, once per seed (each model a group), then studied here.
   */
  async function recipe(options: { epochs: number; seeds: number[]; trainLimit?: number }): Promise<void> {
    if (busy.value) return
    busy.value = true
    cancelled = false
    error.value = null
    const perRun = options.epochs * (options.trainLimit ?? FASHION_TRAIN_IMAGES)
    const total = perRun * options.seeds.length * 4
    const started = performance.now()
    let step: LabEventPayload<'study/recipe-step'> | null = null
    const show = (done: number): void => {
      if (!step) return
      const label = t('study.trainingStep', { label: step.label, seed: step.seed, index: step.index + 1, total: step.total })
      progress.value = { label, done, total, eta: etaSeconds(done, total, (performance.now() - started) / 1000) }
    }
    const offStep = lab.on('study/recipe-step', (s) => {
      recipeRunId = s.runId
      step = s
      show(s.index * perRun)
    })
    const offProgress = lab.on('train/progress', (p) => {
      if (!step || p.runId !== step.runId) return
      const fraction = ((p.epoch - 1) * p.batchesPerEpoch + p.batch) / Math.max(1, p.epochs * p.batchesPerEpoch)
      show(step.index * perRun + fraction * perRun)
    })
    let trained: string[] = []
    try {
      const names = {
        models: ['seed-mlp', 'seed-cnn', t('study.recipeShifted', { k: RECIPE_MAX_SHIFT }), t('study.recipeBlurPool')],
        seeds: options.seeds.map((n) => t('train.runLabel.seed', { n }))
      }
      const result = await request('study/train-recipe', { ...options, names })
      if (result.status === 'completed') trained = result.runIds
      else if (result.status === 'cancelled') status.value = t('study.cancelled')
      else error.value = recipeFailureText(result)
    } catch (err) {
      error.value = describeError(err)
    } finally {
      offStep()
      offProgress()
      recipeRunId = null
      progress.value = null
      busy.value = false
    }
    await loadRuns()
    if (trained.length && !cancelled) {
      const keys = trained.flatMap((id) => entries.value.filter((e) => e.runIds.includes(id)).map((e) => e.key))
      selected.value = [...new Set(keys)]
      await study()
    }
  }

  return {
    runs,
    runsLeftOut,
    entries,
    selected,
    max,
    limit,
    mode,
    grid,
    rows,
    studies,
    overlaps,
    busy,
    status,
    error,
    progress,
    rates,
    rateProblem,
    measureEstimate,
    selectedImages,
    canRun,
    loadRuns,
    loadRates,
    recipeEstimate,
    study,
    cancel,
    recipe
  }
})

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useStudyStore, import.meta.hot))
