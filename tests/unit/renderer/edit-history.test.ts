import { describe, expect, it } from 'vitest'
import { createEditHistory } from '../../../src-renderer/src/stores/edit-history'

function counter(limit?: number) {
  const state = { value: 0 }
  const history = createEditHistory(() => state.value, (v) => (state.value = v), limit)
  const set = (value: number, key?: string): void => {
    history.record(`set ${value}`, { key })
    state.value = value
  }
  return { state, history, set }
}

describe('createEditHistory', () => {
  it('undoes and redoes in order, and a new edit clears the redo steps', () => {
    const { state, history, set } = counter()
    set(1)
    set(2)
    expect(history.undo()).toBe('set 2')
    expect(state.value).toBe(1)
    expect(history.redo()).toBe('set 2')
    expect(state.value).toBe(2)
    history.undo()
    set(5)
    expect(history.canRedo.value).toBe(false)
    expect(history.undo()).toBe('set 5')
    expect(history.undo()).toBe('set 1')
    expect(state.value).toBe(0)
    expect(history.undo()).toBeNull()
  })

  it('takes consecutive edits with one key as one step, and a key again after another edit as a new one', () => {
    const { state, history, set } = counter()
    set(1, 'a')
    set(2, 'a')
    set(3, 'b')
    set(4, 'a')
    history.undo()
    expect(state.value).toBe(3)
    history.undo()
    expect(state.value).toBe(2)
    history.undo()
    expect(state.value).toBe(0)
  })

  it('keeps at most `limit` steps, dropping the oldest', () => {
    const { state, history, set } = counter(3)
    for (let i = 1; i <= 5; i++) set(i)
    while (history.undo() !== null);
    expect(state.value).toBe(2)
  })

  it('names the last step as destructive only while it is the latest', () => {
    const state = { value: 0 }
    const history = createEditHistory(() => state.value, (v) => (state.value = v))
    history.record('cleared', { destructive: true })
    expect(history.lastDestructive.value?.label).toBe('cleared')
    history.record('typed')
    expect(history.lastDestructive.value).toBeNull()
  })
})
