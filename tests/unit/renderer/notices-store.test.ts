import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import type { LabEventPayload, LabMethod } from '../../../src-main/shared/contract'

const calls: LabMethod[] = []
let restartFails = false
let emitNotice: ((payload: LabEventPayload<'engine/notice'>) => void) | undefined
vi.mock('@renderer/api/client', () => ({
  request: async (name: LabMethod) => {
    calls.push(name)
    if (restartFails) throw new Error('The engine client has been disposed')
    return { restarted: true }
  },
  lab: {
    on: (_event: string, listener: (payload: LabEventPayload<'engine/notice'>) => void) => {
      emitNotice = listener
      return () => (emitNotice = undefined)
    }
  },
  describeError: (err: unknown) => (err instanceof Error ? err.message : String(err))
}))

const { useNoticeStore } = await import('../../../src-renderer/src/stores/notices')

beforeEach(() => {
  setActivePinia(createPinia())
  calls.length = 0
  restartFails = false
})

describe('engine notices', () => {
  it('keeps the restart action of an engine notice, and restarting dismisses it', async () => {
    const store = useNoticeStore()
    store.listen()
    emitNotice!({ level: 'error', message: 'The engine process exited with code 1, 6 times within a minute.', action: 'restart-engine' })
    emitNotice!({ level: 'warning', message: 'The engine process exited; restarted' })
    expect(store.notices.map((n) => n.action)).toEqual(['restart-engine', undefined])
    await store.restartEngine(store.notices[0].id)
    expect(calls).toEqual(['engine/restart'])
    expect(store.notices.map((n) => n.message)).toEqual(['The engine process exited; restarted'])
    store.stop()
  })

  it('says so when the restart fails, and keeps the notice to try again', async () => {
    const store = useNoticeStore()
    store.push('error', 'The engine is down.', 'restart-engine')
    restartFails = true
    await store.restartEngine(store.notices[0].id)
    expect(store.notices.map((n) => [n.level, n.message])).toEqual([
      ['error', 'The engine is down.'],
      ['error', 'The engine could not be restarted: The engine client has been disposed']
    ])
    expect(store.restarting).toBe(false)
  })
})
