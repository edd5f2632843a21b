/**
 * The Lab API in web mode: calls are POSTs to /api/<method> on the page's own origin, events
 * arrive over one shared EventSource on /api/events. Mirrors the Electron preload: a call never
 * throws, it resolves to a LabResponse whatever happens on the way.
 */
import {
  LAB_EVENT_NAMES,
  type LabApi,
  type LabEvent,
  type LabInput,
  type LabMethod,
  type LabOutput,
  type LabResponse
} from '@shared/contract'

type AnyListener = (payload: unknown) => void

function failure(message: string): LabResponse<never> {
  return { ok: false, error: { code: 'internal', message } }
}

function isLabResponse(value: unknown): value is LabResponse<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { ok?: unknown }).ok === 'boolean'
}

async function post(name: LabMethod, input: unknown): Promise<LabResponse<unknown>> {
  let response: Response
  try {
    response = await fetch(`/api/${name}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(input ?? {})
    })
  } catch {
    return failure('The ConvLab server is not answering. Is `npm run web` still running?')
  }
  let body: unknown
  try {
    body = await response.json()
  } catch {
    return failure(`The ConvLab server sent an unreadable answer (HTTP ${response.status}).`)
  }
  return isLabResponse(body) ? body : failure(`The ConvLab server sent an unexpected answer (HTTP ${response.status}).`)
}

export function createHttpTransport(): LabApi {
  const listeners = new Map<LabEvent, Set<AnyListener>>()
  let source: EventSource | undefined

  function subscribed(): number {
    let n = 0
    for (const set of listeners.values()) n += set.size
    return n
  }

  // One connection for all events, opened on the first subscription and closed after the last,
  // so a page that never listens holds no stream open.
  function openSource(): EventSource {
    if (source) return source
    const es = new EventSource('/api/events')
    for (const name of LAB_EVENT_NAMES) {
      es.addEventListener(name, (e) => {
        let payload: unknown
        try {
          payload = JSON.parse((e as MessageEvent<string>).data)
        } catch {
          return
        }
        for (const listener of [...(listeners.get(name) ?? [])]) listener(payload)
      })
    }
    source = es
    return es
  }

  return {
    call<M extends LabMethod>(name: M, input: LabInput<M>) {
      return post(name, input) as Promise<LabResponse<LabOutput<M>>>
    },
    on(event, listener) {
      const set = listeners.get(event) ?? new Set<AnyListener>()
      listeners.set(event, set)
      const entry = listener as AnyListener
      set.add(entry)
      openSource()
      return () => {
        set.delete(entry)
        if (subscribed() === 0 && source) {
          source.close()
          source = undefined
        }
      }
    }
  }
}
