import { acceptHMRUpdate, defineStore } from 'pinia'
import { ref, shallowRef } from 'vue'
import type { LabOutput, RunSummary } from '@shared/contract'
import type { ModelSpec } from '@shared/layers'
import { describeError, request } from '@renderer/api/client'
import { t } from '@renderer/i18n'
import { loadTrainedRuns } from './trained-runs'

type Weights = LabOutput<'runs/weights'>
type Activations = LabOutput<'runs/activations'>

/** Feature maps of one image through a trained CNN, and its first layer's filters. */
export interface Inside {
  runId: string
  spec: ModelSpec
  activations: Activations
  filters?: Weights['layers'][number]
}

/** The Learn view's look inside a trained CNN: one image's feature maps and the first layer's filters. */
export const useFeatureMapsStore = defineStore('feature-maps', () => {
  const runs = ref<RunSummary[]>([])
  const runsLoaded = ref(false)
  const insideRunId = ref<string | null>(null)
  const imageIndex = ref(0)
  const inside = shallowRef<Inside | null>(null)
  const insideLoading = ref(false)
  const insideError = ref<string | null>(null)
  let insideTicket = 0

  async function loadRuns(): Promise<void> {
    try {
      const all = await loadTrainedRuns()
      // Feature maps need an image model with at least one convolution.
      runs.value = all.filter((r) => r.modelName !== 'seed-mlp' && r.data?.kind !== 'toy')
      runsLoaded.value = true
      if (!runs.value.some((r) => r.id === insideRunId.value)) {
        insideRunId.value = runs.value.find((r) => r.modelName === 'seed-cnn')?.id ?? runs.value[0]?.id ?? null
      }
    } catch (err) {
      insideError.value = describeError(err)
    }
  }

  async function showInside(): Promise<void> {
    const runId = insideRunId.value
    if (!runId) return
    const ticket = ++insideTicket
    insideLoading.value = true
    insideError.value = null
    try {
      const detail = await request('runs/get', { runId })
      const firstConv = detail.model.layers.findIndex((l) => l.type === 'conv2d')
      if (firstConv < 0) throw new Error(t('learn.inside.noConv', { name: detail.name }))
      const [activations, weights] = await Promise.all([
        request('runs/activations', { runId, image: { kind: 'dataset', split: 'test', index: imageIndex.value } }),
        request('runs/weights', { runId, layers: [firstConv] })
      ])
      if (ticket !== insideTicket) return
      inside.value = { runId, spec: detail.model, activations, filters: weights.layers[0] }
    } catch (err) {
      if (ticket === insideTicket) insideError.value = describeError(err)
    } finally {
      if (ticket === insideTicket) insideLoading.value = false
    }
  }

  return { runs, runsLoaded, insideRunId, imageIndex, inside, insideLoading, insideError, loadRuns, showInside }
})

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useFeatureMapsStore, import.meta.hot))
