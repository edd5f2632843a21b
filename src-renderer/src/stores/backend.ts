import { acceptHMRUpdate, defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { BackendReport } from '@shared/contract'
import { describeError, request } from '@renderer/api/client'

/** The TensorFlow.js backend the engine chose, and why the better ones were skipped. */
export const useBackendStore = defineStore('backend', () => {
  const report = ref<BackendReport | null>(null)
  const loading = ref(false)
  const error = ref<string | null>(null)

  const skipped = computed(() => (report.value?.candidates ?? []).filter((c) => c.name !== report.value?.chosen))

  async function load(): Promise<void> {
    loading.value = true
    error.value = null
    try {
      report.value = await request('backends/list', {})
    } catch (err) {
      error.value = describeError(err)
    } finally {
      loading.value = false
    }
  }

  return { report, loading, error, skipped, load }
})

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useBackendStore, import.meta.hot))
