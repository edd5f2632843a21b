import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import type { LabInput, LabMethod, SavedStack } from '../../../src-main/shared/contract'
import { ModelSpec } from '../../../src-main/shared/layers'
import { getPreset } from '../../../src-main/shared/presets'

/** The API as the store sees it: presets and an in-memory shelf of saved stacks. */
const calls: { name: LabMethod; input: unknown }[] = []
let shelf: SavedStack[] = []
vi.mock('@renderer/api/client', () => ({
  describeError: (err: unknown) => (err instanceof Error ? err.message : String(err)),
  lab: { on: () => () => undefined },
  request: async <M extends LabMethod>(name: M, input: LabInput<M>) => {
    calls.push({ name, input })
    if (name === 'model/presets') return ['seed-mlp', 'seed-cnn', 'seed-toy'].map((n) => ({ name: n, spec: getPreset(n)! }))
    if (name === 'stacks/list') return shelf
    if (name === 'stacks/save') {
      const { spec } = input as LabInput<'stacks/save'>
      const entry = { name: spec.name, spec: ModelSpec.parse(spec), savedAt: new Date().toISOString() }
      shelf = [entry, ...shelf.filter((s) => s.name !== entry.name)]
      return entry
    }
    if (name === 'stacks/delete') {
      const { name: gone } = input as LabInput<'stacks/delete'>
      shelf = shelf.filter((s) => s.name !== gone)
      return { deleted: true }
    }
    if (name === 'stacks/export') {
      const { spec } = input as LabInput<'stacks/export'>
      if (spec.layers.length === 0) throw new Error('The stack has no layers.')
      return { dir: `/data/exports/stack ${spec.name}-pytorch`, files: ['README.md', 'model.py'] }
    }
    throw new Error(`unexpected call ${name}`)
  }
}))

/** localStorage for the node test environment. */
class MemoryStorage {
  private items = new Map<string, string>()
  getItem(key: string): string | null {
    return this.items.get(key) ?? null
  }
  setItem(key: string, value: string): void {
    this.items.set(key, value)
  }
  removeItem(key: string): void {
    this.items.delete(key)
  }
  clear(): void {
    this.items.clear()
  }
}
const storage = new MemoryStorage()
vi.stubGlobal('localStorage', storage)

const { useBuildStore, STORAGE_KEY } = await import('../../../src-renderer/src/stores/build')
const { useNoticeStore } = await import('../../../src-renderer/src/stores/notices')

const flush = () => new Promise((r) => setTimeout(r, 0))
const types = (store: ReturnType<typeof useBuildStore>) => store.entries.map((e) => e.layer.type)

/** seed-cnn from the palette, as a student builds it. */
function buildSeedCnn(store: ReturnType<typeof useBuildStore>): void {
  const set = (patch: Record<string, unknown>) => {
    const entry = store.entries[store.selectedIndex]
    store.update(entry.id, { ...entry.layer, ...patch } as typeof entry.layer)
  }
  store.add('conv2d')
  set({ filters: 64, kernel: 3 })
  store.add('maxpool2d')
  store.add('relu')
  store.add('conv2d')
  set({ filters: 128, kernel: 3 })
  store.add('maxpool2d')
  store.add('relu')
  store.add('flatten')
  store.add('dense')
  set({ units: 256 })
  store.add('relu')
  store.add('dense')
  set({ units: 10 })
}

describe('build store', () => {
  beforeEach(() => {
    storage.clear()
    calls.length = 0
    shelf = []
    setActivePinia(createPinia())
  })

  it('starts empty, with a spec that is valid but not trainable', () => {
    const store = useBuildStore()
    expect(store.entries).toEqual([])
    expect(ModelSpec.safeParse(store.spec).success).toBe(true)
    expect(store.specError).toMatch(/no layers/)
  })

  it('builds seed-cnn layer by layer: 896,522 params and a trainable spec', () => {
    const store = useBuildStore()
    buildSeedCnn(store)
    expect(store.summary.totals?.totalParams).toBe(896_522)
    expect(store.specError).toBeNull()
    const preset = getPreset('seed-cnn')!
    expect(store.spec.layers).toEqual(preset.layers)
    expect(ModelSpec.parse(store.spec)).toEqual(store.spec)
  })

  it('adds after the selected layer, removes, duplicates and reorders', () => {
    const store = useBuildStore()
    const conv = store.add('conv2d')!
    store.add('dense')
    store.select(conv)
    store.add('relu')
    expect(types(store)).toEqual(['conv2d', 'relu', 'dense'])

    const copy = store.duplicate(conv)!
    expect(types(store)).toEqual(['conv2d', 'conv2d', 'relu', 'dense'])
    expect(store.selectedId).toBe(copy)
    expect(store.entries[1].layer).toEqual(store.entries[0].layer)
    expect(store.entries[1].layer).not.toBe(store.entries[0].layer)

    expect(store.move(copy, 2)).toBe(true)
    expect(types(store)).toEqual(['conv2d', 'relu', 'dense', 'conv2d'])
    expect(store.move(copy, 1)).toBe(false)
    expect(store.moveTo(copy, 0)).toBe(true)
    expect(store.entries[0].id).toBe(copy)

    store.remove(copy)
    expect(types(store)).toEqual(['conv2d', 'relu', 'dense'])
    expect(store.selectedId).toBe(store.entries[0].id)
  })

  it('adds at a dropped position', () => {
    const store = useBuildStore()
    store.add('conv2d')
    store.add('dense')
    store.add('flatten', 1)
    expect(types(store)).toEqual(['conv2d', 'flatten', 'dense'])
  })

  it('undoes the last removal with the layer back in its place', () => {
    const store = useBuildStore()
    store.add('conv2d')
    const pool = store.add('maxpool2d')!
    store.add('relu')
    store.remove(pool)
    expect(store.undoable?.label).toBe('Removed MaxPool2d (layer 2)')
    store.undo()
    expect(types(store)).toEqual(['conv2d', 'maxpool2d', 'relu'])
    expect(store.entries[1].id).toBe(pool)
    expect(store.undoable).toBeNull()
  })

  it('undoes and redoes every kind of edit in order, typing in one field as one step', () => {
    const store = useBuildStore()
    const conv = store.add('conv2d')!
    store.add('relu')
    store.moveTo(conv, 1)
    const layer = store.entries[1].layer
    if (layer.type !== 'conv2d') throw new Error('conv2d expected')
    for (const filters of [1, 12, 128]) store.update(conv, { ...layer, filters })
    store.setName('m')
    store.setName('my-cnn')
    store.setInputShape([1, 32, 32])
    expect(store.undo()).toBe('Changed the input shape')
    expect(store.inputShape).toEqual([1, 28, 28])
    expect(store.undo()).toBe('Renamed the model')
    expect(store.name).toBe('my-model')
    expect(store.undo()).toBe('Changed Conv2d (layer 2)')
    expect(store.entries[1].layer).toEqual(layer)
    expect(store.undo()).toBe('Moved Conv2d to position 2')
    expect(types(store)).toEqual(['conv2d', 'relu'])
    expect(store.redo()).toBe('Moved Conv2d to position 2')
    expect(types(store)).toEqual(['relu', 'conv2d'])
    expect(store.redo()).toBe('Changed Conv2d (layer 2)')
    expect(store.entries[1].layer).toMatchObject({ filters: 128 })
    // A new edit after undoing drops what could have been redone.
    store.undo()
    store.add('flatten')
    expect(store.canRedo).toBe(false)
    expect(store.redo()).toBeNull()
    while (store.canUndo) store.undo()
    expect(store.entries).toEqual([])
    expect(store.undo()).toBeNull()
  })

  it('offers the on-screen Undo only while the last edit threw layers away', () => {
    const store = useBuildStore()
    const pool = store.add('maxpool2d')!
    store.remove(pool)
    expect(store.undoable?.label).toBe('Removed MaxPool2d (layer 1)')
    store.add('relu')
    expect(store.undoable).toBeNull()
  })

  it('loads a preset, and undoes that too', async () => {
    const store = useBuildStore()
    store.add('dense')
    await store.loadPresets()
    store.loadPreset('seed-toy')
    expect(store.name).toBe('seed-toy')
    expect(store.summary.totals?.totalParams).toBe(12)
    expect(store.spec.training).toEqual(getPreset('seed-toy')!.training)
    store.undo()
    expect(types(store)).toEqual(['dense'])
  })

  it('marks the failing layer and keeps the rows before it', async () => {
    const store = useBuildStore()
    await store.loadPresets()
    store.loadPreset('seed-cnn')
    const second = store.entries[3]
    store.update(second.id, { ...second.layer, kernel: 20 } as typeof second.layer)
    expect(store.errorLayerId).toBe(second.id)
    expect(store.report.rows).toHaveLength(3)
    expect(store.specError).toBe('Layer 4 (Conv2d): kernel 20x20 is larger than its 13x13 input (with padding 0).')
    expect(store.summary.totals).toBeUndefined()
  })

  it('says why a stack that fits cannot classify', () => {
    const store = useBuildStore()
    store.add('conv2d')
    expect(store.report.error).toBeUndefined()
    expect(store.specError).toMatch(/not a vector of class scores/)
  })

  it('keeps the stack across a reload, and survives a corrupt one', async () => {
    const store = useBuildStore()
    store.setName('kept')
    store.setInputShape([3, 32, 32])
    store.add('conv2d')
    await flush()
    expect(JSON.parse(storage.getItem(STORAGE_KEY)!).name).toBe('kept')

    setActivePinia(createPinia())
    const reloaded = useBuildStore()
    expect(reloaded.spec).toEqual(store.spec)

    storage.setItem(STORAGE_KEY, '{"name": 1}')
    setActivePinia(createPinia())
    const fresh = useBuildStore()
    expect(fresh.entries).toEqual([])
    expect(useNoticeStore().notices.map((n) => n.message)).toEqual([
      'The stack from your last visit could not be read, so a new one was started.'
    ])
  })

  it('saves, lists, opens and deletes user stacks, with undo of a delete', async () => {
    const store = useBuildStore()
    store.setName('mine')
    store.add('flatten')
    store.add('dense')
    const saved = await store.save()
    expect(saved?.name).toBe('mine')
    expect(calls.find((c) => c.name === 'stacks/save')?.input).toEqual({ spec: store.spec })

    store.clear()
    await store.loadSaved()
    expect(store.saved.map((s) => s.name)).toEqual(['mine'])
    store.openSaved('mine')
    expect(types(store)).toEqual(['flatten', 'dense'])

    await store.deleteSaved('mine')
    expect(store.saved).toEqual([])
    expect(store.lastDeleted?.name).toBe('mine')
    await store.undoDelete()
    expect(store.saved.map((s) => s.name)).toEqual(['mine'])
  })

  it('exports the current stack for PyTorch and keeps where it went, or why it failed, until dismissed', async () => {
    const store = useBuildStore()
    store.setName('mine')
    const failing = store.exportPytorch()
    expect(store.exported).toEqual({ state: 'exporting' })
    await failing
    expect(store.exported).toEqual({ state: 'failed', error: 'The stack has no layers.' })
    store.add('flatten')
    await store.exportPytorch()
    expect(calls.filter((c) => c.name === 'stacks/export').at(-1)?.input).toEqual({ spec: store.spec, format: 'pytorch' })
    expect(store.exported).toEqual({ state: 'done', dir: '/data/exports/stack mine-pytorch', files: ['README.md', 'model.py'] })
    store.forgetExport()
    expect(store.exported).toBeNull()
  })

  it('uses a default name when the name field is empty', () => {
    const store = useBuildStore()
    store.setName('   ')
    expect(store.spec.name).toBe('my-model')
    expect(ModelSpec.safeParse(store.spec).success).toBe(true)
  })
})
