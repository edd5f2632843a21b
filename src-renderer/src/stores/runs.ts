import { acceptHMRUpdate, defineStore } from 'pinia'
import { computed, ref, shallowRef, type Ref } from 'vue'
import type { RunDetail, RunSummary } from '@shared/contract'
import { describeError, request } from '@renderer/api/client'
import { groupsOf } from '@renderer/lib/run-groups'

/** Past runs on disk: the list, the one opened, and the ones overlaid for comparison. */
export type RunExport = { state: 'exporting' } | { state: 'done'; dir: string; files: string[] } | { state: 'failed'; error: string }

export const useRunsStore = defineStore('runs', () => {
  const runs = ref<RunSummary[]>([])
  const loaded = ref(false)
  const error = ref<string | null>(null)
  const openId = ref<string | null>(null)
  const selected = ref<string[]>([])
  // Run details hold every batch; they are drawn, never edited, so they stay out of deep reactivity.
  const details = shallowRef<Record<string, RunDetail>>({})
  const detailError = ref<string | null>(null)
  /** The last run deleted, while the view still offers to undo it. */
  const deleted = ref<RunSummary | null>(null)
  /** Why runs cannot be renamed, deleted or trained (a read-only runs folder); null when they can. */
  const readOnly = ref<string | null>(null)
  /** Groups over seeds whose runs the table lists under their group row. */
  const expanded = ref<string[]>([])
  /** Groups ticked for comparison, as mean ± sd. */
  const selectedGroups = ref<string[]>([])

  const opened = computed(() => (openId.value ? (details.value[openId.value] ?? null) : null))
  const compared = computed(() => selected.value.flatMap((id) => (details.value[id] ? [details.value[id]] : [])))
  const groups = computed(() => groupsOf(runs.value))
  /** Each ticked group with the details of its runs that have been fetched. */
  const comparedGroups = computed(() =>
    selectedGroups.value.flatMap((name) => {
      const g = groups.value.get(name)
      const members = g ? g.runs.flatMap((r) => (details.value[r.id] ? [details.value[r.id]] : [])) : []
      return members.length ? [{ name, runs: members }] : []
    })
  )
  /** Runs with a file that cannot be read, each with what is wrong and what is still usable. */
  const damaged = computed(() => runs.value.filter((r) => r.damage))

  async function load(): Promise<void> {
    try {
      const [list, info] = await Promise.all([request('runs/list', {}), request('app/info', {})])
      runs.value = list
      readOnly.value = info.runsReadOnly ?? null
      loaded.value = true
      error.value = null
      const known = new Set(runs.value.map((r) => r.id))
      selected.value = selected.value.filter((id) => known.has(id))
      selectedGroups.value = selectedGroups.value.filter((name) => groups.value.has(name))
      if (openId.value && !known.has(openId.value)) openId.value = null
      // A run that was still training when last fetched has more history now, as has one resumed or continued since.
      const listed = new Map(runs.value.map((r) => [r.id, r]))
      const changed = (d: RunDetail): boolean => d.status === 'running' || listed.get(d.id)?.status !== d.status || listed.get(d.id)?.epochsDone !== d.epochsDone
      const stale = Object.keys(details.value).filter((id) => !known.has(id) || changed(details.value[id]))
      if (stale.length) {
        const next = { ...details.value }
        for (const id of stale) delete next[id]
        details.value = next
        if (openId.value) await fetchDetail(openId.value)
      }
    } catch (err) {
      error.value = describeError(err)
    }
  }

  /**
   * Runs one request to the runs folder: its failure, in words, stands in `problem` until the next
   * request that reports there succeeds; null when it failed.
   */
  async function attempt<T>(problem: Ref<string | null>, action: () => Promise<T>): Promise<T | null> {
    try {
      const result = await action()
      problem.value = null
      return result
    } catch (err) {
      problem.value = describeError(err)
      return null
    }
  }

  /** A change to the runs (rename, delete, ...), its failure said in the list's error. */
  async function change(action: () => Promise<void>): Promise<boolean> {
    const done = await attempt(error, async () => {
      await action()
      return true
    })
    return done ?? false
  }

  /**
   * Reads a run's details anew and keeps them; `alongside` changes what must change with them in the
   * same tick, since a caller awaiting this resumes only after the view has drawn the new details.
   */
  async function readDetail(id: string, alongside?: () => void): Promise<RunDetail> {
    const run = await request('runs/get', { runId: id })
    details.value = { ...details.value, [id]: run }
    alongside?.()
    return run
  }

  async function fetchDetail(id: string): Promise<RunDetail | null> {
    return details.value[id] ?? attempt(detailError, () => readDetail(id))
  }

  async function open(id: string | null): Promise<void> {
    openId.value = id
    if (id) await fetchDetail(id)
  }

  async function toggleSelected(id: string): Promise<void> {
    if (selected.value.includes(id)) {
      selected.value = selected.value.filter((s) => s !== id)
      return
    }
    selected.value = [...selected.value, id]
    await fetchDetail(id)
  }

  function toggleExpanded(group: string): void {
    expanded.value = expanded.value.includes(group) ? expanded.value.filter((g) => g !== group) : [...expanded.value, group]
  }

  /** A group ticked for comparison fetches every run of it that can be read. */
  async function toggleGroup(group: string): Promise<void> {
    if (selectedGroups.value.includes(group)) {
      selectedGroups.value = selectedGroups.value.filter((g) => g !== group)
      return
    }
    selectedGroups.value = [...selectedGroups.value, group]
    const members = groups.value.get(group)?.runs.filter((r) => r.status !== 'damaged') ?? []
    await Promise.all(members.map((r) => fetchDetail(r.id)))
  }

  async function rename(id: string, name: string): Promise<boolean> {
    const trimmed = name.trim()
    if (!trimmed) return false
    return change(async () => {
      const summary = await request('runs/rename', { runId: id, name: trimmed })
      runs.value = runs.value.map((r) => (r.id === id ? summary : r))
      const detail = details.value[id]
      if (detail) details.value = { ...details.value, [id]: { ...detail, name: summary.name } }
    })
  }

  /** Deleting moves the run to the trash, so `undoDelete` can bring it back. */
  async function remove(id: string): Promise<boolean> {
    return change(async () => {
      await request('runs/delete', { runId: id })
      deleted.value = runs.value.find((r) => r.id === id) ?? null
      runs.value = runs.value.filter((r) => r.id !== id)
      selected.value = selected.value.filter((s) => s !== id)
      if (openId.value === id) openId.value = null
      const next = { ...details.value }
      delete next[id]
      details.value = next
    })
  }

  async function undoDelete(): Promise<boolean> {
    const run = deleted.value
    if (!run) return false
    deleted.value = null
    return change(async () => {
      const restored = await request('runs/restore', { runId: run.id })
      runs.value = [...runs.value.filter((r) => r.id !== run.id), restored].sort((a, b) => b.createdAt.localeCompare(a.createdAt))
    })
  }

  function forgetDeleted(): void {
    deleted.value = null
  }

  /** Bytes freed by dropping each run's checkpoint in this session, said in its details. */
  const freedCheckpoints = ref<Record<string, number>>({})

  /** Drops a completed run's checkpoint; its details are read again, so they say that Continue now needs a fresh optimizer. */
  async function dropCheckpoint(id: string): Promise<boolean> {
    return change(async () => {
      const { freedBytes } = await request('runs/drop-checkpoint', { runId: id })
      // Alongside, so the details never say "dropped" beside the checkpoint still listed.
      await readDetail(id, () => {
        freedCheckpoints.value = { ...freedCheckpoints.value, [id]: freedBytes }
      })
    })
  }

  /** The latest export per run: where it went, or why it failed. */
  const exports = ref<Record<string, RunExport>>({})

  async function exportPytorch(id: string): Promise<void> {
    exports.value = { ...exports.value, [id]: { state: 'exporting' } }
    try {
      const done = await request('runs/export', { runId: id, format: 'pytorch' })
      exports.value = { ...exports.value, [id]: { state: 'done', ...done } }
    } catch (err) {
      exports.value = { ...exports.value, [id]: { state: 'failed', error: describeError(err) } }
    }
  }

  return {
    runs,
    loaded,
    error,
    openId,
    selected,
    details,
    detailError,
    deleted,
    readOnly,
    opened,
    compared,
    expanded,
    selectedGroups,
    comparedGroups,
    damaged,
    load,
    open,
    toggleSelected,
    toggleExpanded,
    toggleGroup,
    rename,
    remove,
    undoDelete,
    freedCheckpoints,
    dropCheckpoint,
    forgetDeleted,
    exports,
    exportPytorch
  }
})

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useRunsStore, import.meta.hot))
