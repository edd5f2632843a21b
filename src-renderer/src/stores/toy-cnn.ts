import { acceptHMRUpdate, defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { LabOutput } from '@shared/contract'
import { forwardPass } from '@shared/forward'
import { describeError, lab, request } from '@renderer/api/client'
import { t } from '@renderer/i18n'
import { runFailureText } from '@renderer/i18n/words'
import { maxDiff, type CheckedSample } from '@renderer/lib/toy-check'
import { loadTrainedRuns } from './trained-runs'

type Weights = LabOutput<'runs/weights'>

/** The tutorial's two samples (section 3), before dividing by 8. */
export const TUTORIAL_SAMPLES: number[][][] = [
  [
    [1, 2, 3, 4],
    [2, 3, 4, 5],
    [5, 6, 7, 8],
    [1, 3, 4, 5]
  ],
  [
    [-1, 2, 3, -4],
    [2, -3, 4, 5],
    [-5, 6, -7, 8],
    [-1, -3, -4, -5]
  ]
]
export const TUTORIAL_LABELS = [0, 1]
export const TOY_DIVISOR = 8
/**
 * About half of the toy net's random starts leave its ReLU dead for both samples (nothing then
 * reaches the filter) and stop at 0.5: this start trains, as `lab verify --model seed-toy` uses.
 */
export const TOY_SEED = 1

/**
 * The Learn view's toy CNN: training it on the tutorial's two samples and checking it by hand
 * (the forward pass runs here, in the renderer, from shared/forward.ts).
 */
export const useToyCnnStore = defineStore('toy-cnn', () => {
  const samples = ref<number[][][]>(structuredClone(TUTORIAL_SAMPLES))
  const labels = ref<number[]>([...TUTORIAL_LABELS])
  const seed = ref(TOY_SEED)
  const toyRunId = ref<string | null>(null)
  const toyStatus = ref<'idle' | 'training' | 'checking' | 'done' | 'failed'>('idle')
  const toyError = ref<string | null>(null)
  /** Why the net shown is not the one last started (it was stopped), when that is so. */
  const toyNote = ref<string | null>(null)
  const toyEpochs = ref(2000)
  const losses = ref<{ epoch: number; loss: number }[]>([])
  const toyWeights = shallowRef<Weights | null>(null)
  const checked = shallowRef<CheckedSample[]>([])
  let unsubscribe: (() => void)[] = []

  const toyMaxDiff = computed(() => (checked.value.length ? Math.max(...checked.value.map((c) => c.maxDiff)) : null))

  function stopListening(): void {
    for (const off of unsubscribe) off()
    unsubscribe = []
  }

  function resetSamples(): void {
    samples.value = structuredClone(TUTORIAL_SAMPLES)
    labels.value = [...TUTORIAL_LABELS]
  }

  /**
   * The last net checked by hand, kept while "Train again" runs: a new run that is cancelled or
   * fails must not throw away a good result (#18, item 5). Replaced when the new one is checked.
   */
  let lastGood: { runId: string; losses: { epoch: number; loss: number }[] } | null = null

  /** After a new run stopped short: the last good result again when there is one, else the failure. */
  function stoppedShort(error: string | null, note: string | null = null): void {
    toyNote.value = null
    if (lastGood && toyWeights.value) {
      toyNote.value = note
      toyRunId.value = lastGood.runId
      losses.value = lastGood.losses
      toyStatus.value = 'done'
    } else {
      toyStatus.value = 'failed'
    }
    toyError.value = error
  }

  async function trainToy(): Promise<void> {
    stopListening()
    toyError.value = null
    toyNote.value = null
    lastGood = toyStatus.value === 'done' && toyRunId.value && toyWeights.value ? { runId: toyRunId.value, losses: losses.value } : lastGood
    toyRunId.value = null
    losses.value = []
    toyStatus.value = 'training'
    try {
      const presets = await request('model/presets', {})
      const toy = presets.find((p) => p.name === 'seed-toy')
      if (!toy) throw new Error(t('learn.toy.presetMissing'))
      const training = toy.spec.training ?? {}
      const epochs = training.epochs ?? 2000
      toyEpochs.value = epochs
      // Events can arrive before train/start answers with the run id: keep them until then.
      const early: { epoch: number; loss: number; runId: string }[] = []
      unsubscribe = [
        lab.on('train/epoch', (e) => {
          if (toyRunId.value === e.runId) losses.value.push({ epoch: e.epoch, loss: e.loss })
          else if (toyStatus.value === 'training') early.push({ epoch: e.epoch, loss: e.loss, runId: e.runId })
        }),
        lab.on('train/finished', (f) => {
          if (f.runId !== toyRunId.value) return
          stopListening()
          if (f.status === 'completed') void checkToy(f.runId)
          else if (f.status === 'cancelled') stoppedShort(lastGood ? null : t('learn.toy.cancelled'), t('learn.toy.stoppedKeptOld'))
          else stoppedShort(f.error ? runFailureText(f.error, f.failure) : t('learn.toy.ended', { status: t(`train.phases.${f.status}`) }))
        })
      ]
      const { runId } = await request('train/start', {
        model: toy.spec,
        name: t('learn.toy.runName'),
        data: { kind: 'toy', images: samples.value, labels: labels.value, divisor: TOY_DIVISOR },
        config: { ...training, epochs, seed: seed.value }
      })
      toyRunId.value = runId
      losses.value.push(...early.filter((e) => e.runId === runId).map(({ epoch, loss }) => ({ epoch, loss })))
    } catch (err) {
      stopListening()
      stoppedShort(describeError(err))
    }
  }

  async function cancelToy(): Promise<void> {
    if (toyRunId.value && toyStatus.value === 'training') await request('train/cancel', { runId: toyRunId.value }).catch(() => undefined)
  }

  /** Weights and both samples' layer outputs from the engine, then the same pass by hand. */
  async function checkToy(runId: string): Promise<void> {
    toyStatus.value = 'checking'
    try {
      const [weights, detail] = await Promise.all([request('runs/weights', { runId }), request('runs/get', { runId })])
      if (losses.value.length === 0) losses.value = detail.epochs.map((e) => ({ epoch: e.epoch, loss: e.loss }))
      const n = detail.data.kind === 'toy' && detail.data.images ? detail.data.images.length : TUTORIAL_SAMPLES.length
      const results: CheckedSample[] = []
      for (let index = 0; index < n; index++) {
        const engine = await request('runs/activations', { runId, image: { kind: 'dataset', split: 'train', index } })
        const hand = forwardPass(weights.spec, weights.layers, engine.input)
        results.push({ label: engine.label ?? 0, input: engine.input, engine, hand, maxDiff: maxDiff(hand, engine) })
      }
      toyRunId.value = runId
      toyWeights.value = weights
      checked.value = results
      toyStatus.value = 'done'
    } catch (err) {
      stoppedShort(describeError(err))
    }
  }

  /** Shows the newest toy run already trained, so the check is there without training again. */
  async function loadLatestToy(): Promise<void> {
    if (toyStatus.value !== 'idle') return
    try {
      const latest = (await loadTrainedRuns()).find((r) => r.modelName === 'seed-toy' && r.status === 'completed')
      if (latest && toyStatus.value === 'idle') {
        const detail = await request('runs/get', { runId: latest.id })
        if (detail.data.kind === 'toy' && detail.data.images) samples.value = detail.data.images
        if (detail.data.kind === 'toy' && detail.data.labels) labels.value = detail.data.labels
        await checkToy(latest.id)
      }
    } catch {
      // Nothing trained yet is the normal first visit; the Train button is there.
    }
  }

  return {
    samples,
    labels,
    seed,
    toyRunId,
    toyNote,
    toyStatus,
    toyError,
    toyEpochs,
    losses,
    toyWeights,
    checked,
    toyMaxDiff,
    resetSamples,
    trainToy,
    cancelToy,
    loadLatestToy
  }
})

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useToyCnnStore, import.meta.hot))
