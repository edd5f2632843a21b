import { acceptHMRUpdate, defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { LabEventPayload, LabOutput, RunSummary } from '@shared/contract'
import { describeError, lab, request } from '@renderer/api/client'
import { currentLocale, t } from '@renderer/i18n'
import { runFailureText } from '@renderer/i18n/words'
import type { StudyRow } from '@renderer/lib/study'
import { loadRunsFor } from './trained-runs'

let jobCounter = 0

/** The shift study: several runs, the same shifts of the same test images, curves and a table. */
/** Which run of the recipe failed and why, in the interface's language; English keeps main's sentence. */
function recipeFailureText(result: LabOutput<'study/train-recipe'>): string {
  if (currentLocale() === 'en') return result.error ?? t('study.recipeFailed')
  if (!result.label || !result.reason) return t('study.recipeFailed')
  return t('study.recipeStepFailed', { label: result.label, reason: runFailureText(result.reason, result.failure) })
}

export const useStudyStore = defineStore('study', () => {
  const runs = ref<RunSummary[]>([])
  /** Trained runs this view cannot use (Learn's toy runs, say), in one sentence. */
  const runsLeftOut = ref<string | null>(null)
  const selected = ref<string[]>([])
  const max = ref(5)
  const limit = ref<number | null>(1000)
  const mode = ref<'roll' | 'zero'>('roll')
  const rows = ref<StudyRow[]>([])
  const busy = ref(false)
  const status = ref('')
  const error = ref<string | null>(null)
  const progress = ref<{ run: string; done: number; total: number } | null>(null)
  let currentJob: string | null = null
  let cancelled = false
  /** The recipe's run in training, which Cancel stops (and the recipe with it). */
  let recipeRunId: string | null = null

  const canRun = computed(() => !busy.value && selected.value.length > 0)

  /** The run's name, with its id when another selected run has the same name. */
  function labelOf(runId: string): string {
    const name = runs.value.find((r) => r.id === runId)?.name ?? runId
    const twins = selected.value.filter((id) => runs.value.find((r) => r.id === id)?.name === name)
    return twins.length > 1 ? `${name} (${runId})` : name
  }

  async function loadRuns(): Promise<void> {
    try {
      ;({ runs: runs.value, leftOut: runsLeftOut.value } = await loadRunsFor('study'))
      const known = new Set(runs.value.map((r) => r.id))
      selected.value = selected.value.filter((id) => known.has(id))
    } catch (err) {
      error.value = describeError(err)
    }
  }

  function onProgress(p: LabEventPayload<'robustness/progress'>): void {
    if (p.jobId === currentJob && progress.value) progress.value = { ...progress.value, done: p.done, total: p.total }
  }
  lab.on('robustness/progress', onProgress)

  /** Measures every selected run in turn; the table fills as each one finishes. */
  async function study(): Promise<void> {
    if (!canRun.value) return
    busy.value = true
    cancelled = false
    error.value = null
    rows.value = []
    try {
      for (const runId of selected.value) {
        if (cancelled) break
        const name = labelOf(runId)
        currentJob = `study-${++jobCounter}`
        progress.value = { run: name, done: 0, total: 0 }
        const result = await request('runs/robustness', {
          runId,
          max: max.value,
          mode: mode.value,
          grid: true,
          jobId: currentJob,
          ...(limit.value ? { limit: limit.value } : {})
        })
        if (result.status === 'cancelled') break
        rows.value = [...rows.value, { runId, name, result }]
      }
      status.value = cancelled ? t('study.cancelled') : t('study.measured', rows.value.length)
    } catch (err) {
      error.value = describeError(err)
    } finally {
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
   * Fashion-MNIST with one seed and one number of epochs, then studied here.
   */
  async function recipe(options: { epochs: number; seed: number; trainLimit?: number }): Promise<void> {
    if (busy.value) return
    busy.value = true
    cancelled = false
    error.value = null
    const off = lab.on('study/recipe-step', (step) => {
      recipeRunId = step.runId
      status.value = t('study.training', { label: step.label })
    })
    let trained: string[] = []
    try {
      const result = await request('study/train-recipe', options)
      if (result.status === 'completed') trained = result.runIds
      else if (result.status === 'cancelled') status.value = t('study.cancelled')
      else error.value = recipeFailureText(result)
    } catch (err) {
      error.value = describeError(err)
    } finally {
      off()
      recipeRunId = null
      busy.value = false
    }
    await loadRuns()
    if (trained.length && !cancelled) {
      selected.value = trained
      await study()
    }
  }

  return { runs, runsLeftOut, selected, max, limit, mode, rows, busy, status, error, progress, canRun, loadRuns, study, cancel, recipe }
})

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useStudyStore, import.meta.hot))
