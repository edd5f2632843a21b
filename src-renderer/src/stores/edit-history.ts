import { computed, shallowRef, type ComputedRef, type ShallowRef } from 'vue'

export interface HistoryEntry<S> {
  /** What the step did, e.g. "Removed Conv2d (layer 2)": shown by Undo. */
  label: string
  /** The state before the step. */
  before: S
  /** Steps that threw work away (a removal, a preset over the stack) offer Undo on screen. */
  destructive: boolean
}

export interface EditHistory<S> {
  /**
   * Call before a change. Changes with the same `key` one after another (typing in one field)
   * are one step, so Undo takes back the whole edit rather than one keystroke.
   */
  record(label: string, options?: { key?: string; destructive?: boolean }): void
  undo(): string | null
  redo(): string | null
  canUndo: ComputedRef<boolean>
  canRedo: ComputedRef<boolean>
  /** The latest step while it is a destructive one, for an on-screen Undo. */
  lastDestructive: ComputedRef<HistoryEntry<S> | null>
}

/** Undo and redo over snapshots of a state; `capture` must return a value later edits do not mutate. */
export function createEditHistory<S>(capture: () => S, apply: (state: S) => void, limit = 100): EditHistory<S> {
  const past = shallowRef<HistoryEntry<S>[]>([])
  const future = shallowRef<HistoryEntry<S>[]>([])
  let lastKey: string | undefined

  /** Restores the newest state of `from`, keeping the state it replaces on `to`; the step's label, or null when none. */
  function restore(from: ShallowRef<HistoryEntry<S>[]>, to: ShallowRef<HistoryEntry<S>[]>): string | null {
    const step = from.value.at(-1)
    if (!step) return null
    lastKey = undefined
    from.value = from.value.slice(0, -1)
    to.value = [...to.value, { ...step, before: capture() }]
    apply(step.before)
    return step.label
  }

  return {
    record(label, options = {}) {
      if (options.key !== undefined && options.key === lastKey && past.value.length) return
      lastKey = options.key
      past.value = [...past.value.slice(-(limit - 1)), { label, before: capture(), destructive: options.destructive ?? false }]
      future.value = []
    },
    undo: () => restore(past, future),
    redo: () => restore(future, past),
    canUndo: computed(() => past.value.length > 0),
    canRedo: computed(() => future.value.length > 0),
    lastDestructive: computed(() => {
      const last = past.value.at(-1)
      return last?.destructive ? last : null
    })
  }
}
