import { acceptHMRUpdate, defineStore } from 'pinia'
import { ref } from 'vue'
import type { FashionMnistStatus } from '@shared/contract'
import { describeError, request } from '@renderer/api/client'

/**
 * Where Fashion-MNIST was found, for the status bar. The Data view calls `locate(dir)` when the
 * user picks a folder, so the status bar and the Data view never disagree.
 */
export const useDatasetStatusStore = defineStore('dataset-status', () => {
  const fashionMnist = ref<FashionMnistStatus | null>(null)
  const error = ref<string | null>(null)
  const loading = ref(false)

  async function locate(dir?: string): Promise<FashionMnistStatus | null> {
    loading.value = true
    try {
      fashionMnist.value = await request('data/locate', dir ? { dir } : {})
      error.value = null
    } catch (err) {
      error.value = describeError(err)
    } finally {
      loading.value = false
    }
    return fashionMnist.value
  }

  return { fashionMnist, error, loading, locate }
})

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useDatasetStatusStore, import.meta.hot))
