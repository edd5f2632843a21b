import { acceptHMRUpdate, defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import { MAX_IDX_FILE_BYTES, type IdxImportResult, type LabOutput } from '@shared/contract'
import type { DataSource, Split } from '@shared/dataset'
import { describeError, request } from '@renderer/api/client'
import { t } from '@renderer/i18n'
import { useDatasetStatusStore } from './dataset-status'
import { fileToBase64 } from './image-files'

export type DataKind = DataSource['kind']
export type SamplesPage = LabOutput<'data/samples'>

export const PAGE_SIZE = 60

/** The names Fashion-MNIST's files go by: gzip, .idx, or the original "...-idx3-ubyte". */
export const IDX_FILE_NAME = /\.(gz|idx)$|ubyte$/i

/**
 * The dataset the lab trains on and the page of it being browsed. The Train view reads
 * `source`; the Data view edits it.
 */
export const useDataStore = defineStore('data', () => {
  const status = useDatasetStatusStore()

  const kind = ref<DataKind>('fashion-mnist')
  /** A folder the user typed for Fashion-MNIST that holds it; empty means "search the usual places". */
  const fashionDir = ref('')
  /** What is wrong with the last folder typed for Fashion-MNIST, which was therefore not used. */
  const fashionDirProblem = ref<string | null>(null)
  const folderDir = ref('')
  const split = ref<Split>('train')
  const page = ref(0)
  // Pixel arrays are plain data that only get drawn; deep reactivity would proxy every pixel.
  const samples = shallowRef<SamplesPage | null>(null)
  const loading = ref(false)
  const error = ref<string | null>(null)
  /** The outcome of the last IDX import, one entry per file, in the order they were given. */
  const imports = ref<IdxImportResult[]>([])
  const importing = ref(false)
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
    if (!s) return t('data.label.none')
    if (s.kind === 'toy') return t('data.label.toy')
    if (s.kind === 'folder') return t('data.label.folder', { dir: s.dir })
    return s.dir ? t('data.label.fashionIn', { dir: s.dir }) : t('data.label.fashion')
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

  /**
   * The main side reads only folders the user chose in this session (or under the app's data
   * folder): typing or dropping one and pressing Use is that choice. A refusal is not reported
   * here; the read that follows fails with the reason, where the user looks.
   */
  async function allowFolder(dir: string): Promise<void> {
    if (dir) await request('data/choose-folder', { dir }).catch(() => undefined)
  }

  /**
   * A typed or dropped Fashion-MNIST folder: used, with the status bar following, when it holds
   * the dataset; otherwise what is wrong with it is said and the copy in use stays. An empty
   * field goes back to the usual places.
   */
  async function useFashionDir(dir: string): Promise<void> {
    const typed = dir.trim()
    const switched = kind.value !== 'fashion-mnist'
    kind.value = 'fashion-mnist'
    if (typed) {
      await allowFolder(typed)
      fashionDirProblem.value = await status.tryFolder(typed)
      if (fashionDirProblem.value) {
        // The samples shown are another dataset's: show the copy still in use.
        if (switched) await loadPage(0)
        return
      }
    } else {
      fashionDirProblem.value = null
      await status.locate()
    }
    fashionDir.value = typed
    await loadPage(0)
  }

  async function useFolder(dir: string): Promise<void> {
    folderDir.value = dir.trim()
    kind.value = 'folder'
    await allowFolder(folderDir.value)
    await loadPage(0)
  }

  /**
   * Copies dropped or picked IDX files into the app's Fashion-MNIST folder, one call per file so
   * a 47 MB file stays under web mode's request limit, then looks for the dataset again.
   */
  async function importIdx(files: File[]): Promise<void> {
    if (!files.length || importing.value) return
    importing.value = true
    imports.value = []
    const results: IdxImportResult[] = []
    for (const file of files) {
      let result: IdxImportResult
      if (!IDX_FILE_NAME.test(file.name)) {
        result = { name: file.name, ok: false, error: t('data.idx.notIdx', { name: file.name }) }
      } else if (file.size > MAX_IDX_FILE_BYTES) {
        result = { name: file.name, ok: false, error: t('data.idx.tooLarge', { name: file.name, size: (file.size / 1e6).toFixed(1), max: MAX_IDX_FILE_BYTES / 1e6 }) }
      } else {
        try {
          ;[result] = await request('data/import-idx', { files: [{ name: file.name, base64: await fileToBase64(file) }] })
        } catch (err) {
          result = { name: file.name, ok: false, error: `${file.name}: ${describeError(err)}` }
        }
      }
      results.push(result)
      imports.value = [...results]
    }
    importing.value = false
    if (!results.some((r) => r.ok)) return
    // The imported copy lives in the app folder, which only the automatic search looks in.
    fashionDir.value = ''
    fashionDirProblem.value = null
    kind.value = 'fashion-mnist'
    const found = await status.locate()
    if (found?.found) await loadPage(0)
  }

  async function setSplit(next: Split): Promise<void> {
    split.value = next
    await loadPage(0)
  }

  return {
    kind,
    fashionDir,
    fashionDirProblem,
    folderDir,
    split,
    page,
    samples,
    loading,
    error,
    imports,
    importing,
    source,
    pageCount,
    label,
    loadPage,
    choose,
    useFashionDir,
    useFolder,
    importIdx,
    setSplit
  }
})

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useDataStore, import.meta.hot))
