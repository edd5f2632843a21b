import { acceptHMRUpdate, defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { LabOutput } from '@shared/contract'
import type { ModelSpec } from '@shared/layers'
import { describeError, request } from '@renderer/api/client'

export type Preset = LabOutput<'model/presets'>[number]
export type ModelSummaryResult = LabOutput<'model/summary'>

/** The model being looked at: for now a preset and its torchsummary table. */
export const useModelStore = defineStore('model', () => {
  const presets = ref<Preset[]>([])
  const selectedName = ref<string | null>(null)
  const summary = ref<ModelSummaryResult | null>(null)
  const loading = ref(false)
  const error = ref<string | null>(null)
  // Answers can arrive out of order when the user clicks through presets quickly.
  let latestRequest = 0

  const selected = computed(() => presets.value.find((p) => p.name === selectedName.value) ?? null)

  async function loadPresets(): Promise<void> {
    error.value = null
    try {
      presets.value = await request('model/presets', {})
    } catch (err) {
      error.value = describeError(err)
    }
  }

  async function summarize(spec: ModelSpec): Promise<void> {
    const ticket = ++latestRequest
    loading.value = true
    error.value = null
    try {
      const result = await request('model/summary', { spec })
      if (ticket === latestRequest) summary.value = result
    } catch (err) {
      if (ticket === latestRequest) {
        summary.value = null
        error.value = describeError(err)
      }
    } finally {
      if (ticket === latestRequest) loading.value = false
    }
  }

  async function selectPreset(name: string): Promise<void> {
    selectedName.value = name
    const preset = selected.value
    if (preset) await summarize(preset.spec)
  }

  return { presets, selectedName, selected, summary, loading, error, loadPresets, selectPreset, summarize }
})

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useModelStore, import.meta.hot))
