import { acceptHMRUpdate, defineStore } from 'pinia'
import { computed, ref, watch } from 'vue'
import type { LabOutput, SavedStack } from '@shared/contract'
import { ModelSpec, type InputShape, type LayerSpec, type LayerType, type TrainingDefaults } from '@shared/layers'
import { describeHead, inferShapes } from '@shared/shapes'
import { summarize } from '@shared/summary'
import { describeError, request } from '@renderer/api/client'
import { t } from '@renderer/i18n'
import { stackProblemText } from '@renderer/i18n/words'
import { toPlain } from '@renderer/api/plain'
import { layerLabel, starterLayer } from '@renderer/lib/layer-info'
import { createEditHistory } from './edit-history'
import { useNoticeStore } from './notices'
import type { RunExport } from './runs'

export type Preset = LabOutput<'model/presets'>[number]

/** A layer in the editor: the spec plus an id that survives reordering (list keys, focus). */
export interface StackEntry {
  id: string
  layer: LayerSpec
}

interface Snapshot {
  name: string
  description?: string
  training?: TrainingDefaults
  inputShape: InputShape
  entries: StackEntry[]
  selectedId: string | null
}

export const STORAGE_KEY = 'convlab.build.current'
/** ModelSpec's own limit on `layers`. */
export const MAX_LAYERS = 200
const DEFAULT_NAME = 'my-model'

/**
 * The layer stack being edited. Other views train `spec`; `specError` says, in one sentence,
 * why it cannot be trained yet. The summary is computed here from the pure shape inference, so
 * it follows every keystroke without a round trip.
 */
export const useBuildStore = defineStore('build', () => {
  const notices = useNoticeStore()
  let nextId = 1
  const entryOf = (layer: LayerSpec): StackEntry => ({ id: `layer-${nextId++}`, layer })

  const name = ref(DEFAULT_NAME)
  const description = ref<string>()
  const training = ref<TrainingDefaults>()
  const inputShape = ref<InputShape>([1, 28, 28])
  const entries = ref<StackEntry[]>([])
  const selectedId = ref<string | null>(null)

  const presets = ref<Preset[]>([])
  const saved = ref<SavedStack[]>([])
  const savedError = ref<string | null>(null)
  const saving = ref(false)
  const lastDeleted = ref<SavedStack | null>(null)
  /** The latest export of the stack's code: where it went, or why it failed. */
  const exported = ref<RunExport | null>(null)

  const spec = computed<ModelSpec>(() => ({
    name: name.value.trim() || DEFAULT_NAME,
    ...(description.value ? { description: description.value } : {}),
    inputShape: inputShape.value,
    layers: entries.value.map((e) => e.layer),
    ...(training.value ? { training: training.value } : {})
  }))
  const report = computed(() => inferShapes(spec.value))
  const summary = computed(() => summarize(spec.value, report.value))
  const head = computed(() => describeHead(spec.value))
  /** Why the stack cannot be trained, or null when it can. */
  /** In the interface's language: read in a computed, so it follows a switch of language. */
  const specError = computed(() => {
    if (report.value.error) return stackProblemText(report.value.error)
    return head.value.ok ? null : stackProblemText(head.value.problem)
  })
  const errorLayerId = computed(() => {
    const index = report.value.error?.layerIndex
    return index === undefined ? null : (entries.value[index]?.id ?? null)
  })
  const selectedIndex = computed(() => entries.value.findIndex((e) => e.id === selectedId.value))
  const full = computed(() => entries.value.length >= MAX_LAYERS)

  function snapshot(): Snapshot {
    return {
      name: name.value,
      description: description.value,
      training: training.value,
      inputShape: inputShape.value,
      entries: entries.value.slice(),
      selectedId: selectedId.value
    }
  }

  function restore(s: Snapshot): void {
    name.value = s.name
    description.value = s.description
    training.value = s.training
    inputShape.value = s.inputShape
    entries.value = s.entries
    selectedId.value = s.selectedId
  }

  /** Every edit of the stack, for Undo and Redo (Ctrl+Z, Ctrl+Shift+Z). */
  const history = createEditHistory(snapshot, restore)
  /** The on-screen Undo: offered while the last edit is one that threw layers away. */
  const undoable = computed(() => {
    const step = history.lastDestructive.value
    return step ? { label: step.label } : null
  })

  function indexOf(id: string): number {
    return entries.value.findIndex((e) => e.id === id)
  }

  /** Inserts after the selected layer (or at `at`), so repeated adds build the stack in order. */
  function add(type: LayerType, at?: number): string | null {
    if (full.value) {
      notices.push('warning', t('build.notices.full', { max: MAX_LAYERS }))
      return null
    }
    const position = at ?? (selectedIndex.value >= 0 ? selectedIndex.value + 1 : entries.value.length)
    history.record(t('build.undo.added', { layer: layerLabel(type) }))
    const entry = entryOf(starterLayer(type))
    entries.value.splice(Math.max(0, Math.min(position, entries.value.length)), 0, entry)
    selectedId.value = entry.id
    return entry.id
  }

  function remove(id: string): void {
    const index = indexOf(id)
    if (index < 0) return
    history.record(t('build.undo.removed', { layer: layerLabel(entries.value[index].layer.type), n: index + 1 }), { destructive: true })
    entries.value.splice(index, 1)
    if (selectedId.value === id) selectedId.value = entries.value[Math.min(index, entries.value.length - 1)]?.id ?? null
  }

  function duplicate(id: string): string | null {
    const index = indexOf(id)
    if (index < 0 || full.value) return null
    history.record(t('build.undo.duplicated', { layer: layerLabel(entries.value[index].layer.type), n: index + 1 }))
    const copy = entryOf(toPlain(entries.value[index].layer))
    entries.value.splice(index + 1, 0, copy)
    selectedId.value = copy.id
    return copy.id
  }

  /** Moves a layer to `to` (clamped); returns whether it moved. */
  function moveTo(id: string, to: number): boolean {
    const from = indexOf(id)
    const target = Math.max(0, Math.min(to, entries.value.length - 1))
    if (from < 0 || from === target) return false
    history.record(t('build.undo.moved', { layer: layerLabel(entries.value[from].layer.type), n: target + 1 }))
    const [entry] = entries.value.splice(from, 1)
    entries.value.splice(target, 0, entry)
    return true
  }

  function move(id: string, delta: number): boolean {
    return moveTo(id, indexOf(id) + delta)
  }

  function update(id: string, layer: LayerSpec): void {
    const index = indexOf(id)
    if (index < 0) return
    history.record(t('build.undo.changed', { layer: layerLabel(layer.type), n: index + 1 }), { key: `layer:${id}` })
    entries.value[index] = { id, layer }
  }

  function select(id: string | null): void {
    selectedId.value = id
  }

  function setName(value: string): void {
    if (value === name.value) return
    history.record(t('build.undo.renamed'), { key: 'name' })
    name.value = value
  }

  function setInputShape(shape: InputShape): void {
    history.record(t('build.undo.inputShape'), { key: 'input' })
    inputShape.value = shape
  }

  /** Takes back the last edit; returns what it was, or null when there is none. */
  function undo(): string | null {
    return history.undo()
  }

  function redo(): string | null {
    return history.redo()
  }

  function replaceWith(model: ModelSpec): void {
    name.value = model.name
    description.value = model.description
    training.value = model.training
    inputShape.value = model.inputShape
    entries.value = model.layers.map(entryOf)
    selectedId.value = null
  }

  function load(model: ModelSpec, label: string): void {
    if (entries.value.length) history.record(label, { destructive: true })
    // A copy: presets and saved stacks stay as they were while the copy is edited.
    replaceWith(toPlain(model))
  }

  function clear(): void {
    load({ name: DEFAULT_NAME, inputShape: [1, 28, 28], layers: [] }, t('build.undo.newStack'))
  }

  async function loadPresets(): Promise<void> {
    try {
      presets.value = await request('model/presets', {})
    } catch (err) {
      notices.push('error', t('build.notices.presetsFailed', { error: describeError(err) }))
    }
  }

  function loadPreset(presetName: string): void {
    const preset = presets.value.find((p) => p.name === presetName)
    if (preset) load(preset.spec, t('build.undo.preset', { name: presetName }))
  }

  async function loadSaved(): Promise<void> {
    try {
      saved.value = await request('stacks/list', {})
      savedError.value = null
    } catch (err) {
      savedError.value = describeError(err)
    }
  }

  async function save(): Promise<SavedStack | null> {
    saving.value = true
    try {
      const entry = await request('stacks/save', { spec: spec.value })
      saved.value = [entry, ...saved.value.filter((s) => s.name !== entry.name)]
      return entry
    } catch (err) {
      notices.push('error', t('build.notices.saveFailed', { error: describeError(err) }))
      return null
    } finally {
      saving.value = false
    }
  }

  async function exportPytorch(): Promise<void> {
    exported.value = { state: 'exporting' }
    try {
      exported.value = { state: 'done', ...(await request('stacks/export', { spec: spec.value, format: 'pytorch' })) }
    } catch (err) {
      exported.value = { state: 'failed', error: describeError(err) }
    }
  }

  function forgetExport(): void {
    exported.value = null
  }

  function openSaved(stackName: string): void {
    const entry = saved.value.find((s) => s.name === stackName)
    if (entry) load(entry.spec, t('build.undo.opened', { name: stackName }))
  }

  async function deleteSaved(stackName: string): Promise<void> {
    const entry = saved.value.find((s) => s.name === stackName)
    try {
      await request('stacks/delete', { name: stackName })
      saved.value = saved.value.filter((s) => s.name !== stackName)
      lastDeleted.value = entry ?? null
    } catch (err) {
      notices.push('error', t('build.notices.deleteFailed', { name: stackName, error: describeError(err) }))
    }
  }

  async function undoDelete(): Promise<void> {
    const entry = lastDeleted.value
    if (!entry) return
    try {
      const again = await request('stacks/save', { spec: entry.spec })
      saved.value = [again, ...saved.value.filter((s) => s.name !== again.name)]
      lastDeleted.value = null
    } catch (err) {
      notices.push('error', t('build.notices.restoreFailed', { name: entry.name, error: describeError(err) }))
    }
  }

  // The stack survives a reload: a student's half-built model is not lost to F5.
  const persisted = readPersisted()
  if (persisted === 'corrupt') notices.push('warning', t('build.notices.corrupt'))
  else if (persisted) replaceWith(persisted)
  watch(spec, (value) => writePersisted(value))

  return {
    name,
    inputShape,
    entries,
    selectedId,
    selectedIndex,
    undoable,
    presets,
    saved,
    savedError,
    saving,
    lastDeleted,
    exported,
    spec,
    report,
    summary,
    head,
    specError,
    errorLayerId,
    full,
    add,
    remove,
    duplicate,
    move,
    moveTo,
    update,
    select,
    setName,
    setInputShape,
    undo,
    redo,
    canUndo: history.canUndo,
    canRedo: history.canRedo,
    clear,
    loadPresets,
    loadPreset,
    loadSaved,
    save,
    exportPytorch,
    forgetExport,
    openSaved,
    deleteSaved,
    undoDelete
  }
})

function readPersisted(): ModelSpec | 'corrupt' | null {
  let text: string | null
  try {
    text = localStorage.getItem(STORAGE_KEY)
  } catch {
    return null
  }
  if (text === null) return null
  try {
    const parsed = ModelSpec.safeParse(JSON.parse(text))
    return parsed.success ? parsed.data : 'corrupt'
  } catch {
    return 'corrupt'
  }
}

function writePersisted(spec: ModelSpec): void {
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify(spec))
  } catch {
    // Storage full or disabled (private windows): the stack still works, it just won't survive a reload.
  }
}

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useBuildStore, import.meta.hot))
