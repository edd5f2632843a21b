import { acceptHMRUpdate, defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { LabOutput } from '@shared/contract'
import type { DataSource, Split } from '@shared/dataset'
import { describeError, request } from '@renderer/api/client'
import { useDatasetStatusStore } from './dataset-status'

export type DataKind = DataSource['kind']
export type SamplesPage = LabOutput<'data/samples'>

export const PAGE_SIZE = 60

/**
 * The dataset the lab trains on and the page of it being browsed. The Train view reads
 * `source`; the Data view edits it.
 */
export const useDataStore = defineStore('data', () => {
  const status = useDatasetStatusStore()

  const kind = ref<DataKind>('fashion-mnist')
  /** A folder the user typed for Fashion-MNIST; empty means "search the usual places". */
  const fashionDir = ref('')
  const folderDir = ref('')
  const split = ref<Split>('train')
  const page = ref(0)
  // Pixel arrays are plain data that only get drawn; deep reactivity would proxy every pixel.
  const samples = shallowRef<SamplesPage | null>(null)
  const loading = ref(false)
  const error = ref<string | null>(null)
  let ticket = 0

  const source = computed<DataSource | null>(() => {
    if (kind.value === 'toy') return { kind: 'toy' }
    if (kind.value === 'folder') return folderDir.value.trim() ? { kind: 'folder', dir: folderDir.value.trim() } : null
    const dir = fashionDir.value.trim()
    return dir ? { kind: 'fashion-mnist', dir } : { kind: 'fashion-mnist' }
  })
  const pageCount = computed(() => (samples.value ? Math.max(1, Math.ceil(samples.value.total / PAGE_SIZE)) : 0))
  /** In words, for the Train view and the run name: "Fashion-MNIST", "toy set", "folder …/cats". */
  const label = computed(() => {
    const s = source.value
    if (!s) return 'no data chosen'
    if (s.kind === 'toy') return 'the toy set'
    if (s.kind === 'folder') return `folder ${s.dir}`
    return s.dir ? `Fashion-MNIST in ${s.dir}` : 'Fashion-MNIST'
  })

  async function loadPage(n = page.value): Promise<void> {
    const s = source.value
    const mine = ++ticket
    if (!s) {
      samples.value = null
      error.value = null
      return
    }
    loading.value = true
    try {
      const result = await request('data/samples', { source: s, split: split.value, offset: n * PAGE_SIZE, count: PAGE_SIZE })
      if (mine !== ticket) return
      samples.value = result
      page.value = n
      error.value = null
    } catch (err) {
      if (mine !== ticket) return
      samples.value = null
      error.value = describeError(err)
    } finally {
      if (mine === ticket) loading.value = false
    }
  }

  async function choose(next: DataKind): Promise<void> {
    kind.value = next
    page.value = 0
    await loadPage(0)
  }

  /** A typed or dropped Fashion-MNIST folder; the status bar follows it. */
  async function useFashionDir(dir: string): Promise<void> {
    fashionDir.value = dir.trim()
    kind.value = 'fashion-mnist'
    await status.locate(fashionDir.value || undefined)
    await loadPage(0)
  }

  async function useFolder(dir: string): Promise<void> {
    folderDir.value = dir.trim()
    kind.value = 'folder'
    await loadPage(0)
  }

  async function setSplit(next: Split): Promise<void> {
    split.value = next
    await loadPage(0)
  }

  return { kind, fashionDir, folderDir, split, page, samples, loading, error, source, pageCount, label, loadPage, choose, useFashionDir, useFolder, setSplit }
})

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useDataStore, import.meta.hot))
