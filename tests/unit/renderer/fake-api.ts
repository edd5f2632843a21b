/**
 * The renderer's API client (@renderer/api/client) faked for the store tests: each test sets what a
 * method answers, calls are recorded in order with their input, and events are emitted by hand.
 *
 *   const api = fakeApi()
 *   vi.mock('@renderer/api/client', () => api.client)
 *   const { useXStore } = await import('.../stores/x')   // after the mock, so the store gets the fake
 */
import type { LabEvent, LabEventPayload, LabMethod } from '../../../src-main/shared/contract'

export function fakeApi() {
  const answers = new Map<LabMethod, (input: unknown) => unknown>()
  const calls: { name: LabMethod; input: unknown }[] = []
  const listeners = new Map<LabEvent, Set<(payload: unknown) => void>>()
  return {
    answers,
    calls,
    emit<E extends LabEvent>(event: E, payload: LabEventPayload<E>): void {
      for (const listener of listeners.get(event) ?? []) listener(payload)
    },
    /** Forgets every answer, call and listener: for beforeEach. */
    reset(): void {
      answers.clear()
      calls.length = 0
      listeners.clear()
    },
    client: {
      request: async (name: LabMethod, input: unknown): Promise<unknown> => {
        calls.push({ name, input })
        const answer = answers.get(name)
        if (!answer) throw new Error(`${name} is not faked`)
        return answer(input)
      },
      lab: {
        on: (event: LabEvent, listener: (payload: unknown) => void): (() => void) => {
          const set = listeners.get(event) ?? new Set()
          listeners.set(event, set)
          set.add(listener)
          return () => set.delete(listener)
        }
      },
      describeError: (err: unknown): string => (err instanceof Error ? err.message : String(err))
    }
  }
}
