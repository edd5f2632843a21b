import { acceptHMRUpdate, defineStore } from 'pinia'
import { ref } from 'vue'
import type { FashionMnistStatus } from '@shared/contract'
import { describeError, request } from '@renderer/api/client'
import { currentLocale, t } from '@renderer/i18n'
import { FASHION_MNIST_URL } from '@shared/dataset'

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

  /**
   * A folder the user typed or dropped: adopted only when it holds Fashion-MNIST. A wrong folder
   * must not turn the whole app to "missing" while a copy that works exists (#18, item 3), so it
   * leaves the status as it was and returns what is wrong with it instead.
   */
  async function tryFolder(dir: string): Promise<string | null> {
    let tried: FashionMnistStatus
    try {
      tried = await request('data/locate', { dir })
    } catch (err) {
      return describeError(err)
    }
    if (!tried.found) {
      if (tried.refusal && currentLocale() !== 'en') return t(`data.refusals.${tried.refusal.code}`, tried.refusal)
      return tried.problem ?? (currentLocale() === 'en' ? tried.help : t('data.missingHelp', { searched: tried.searched.join(', '), url: FASHION_MNIST_URL }))
    }
    fashionMnist.value = tried
    error.value = null
    return null
  }

  return { fashionMnist, error, loading, locate, tryFolder }
})

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useDatasetStatusStore, import.meta.hot))
