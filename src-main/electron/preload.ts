/**
 * The renderer's only door to the main side: `window.lab`, the LabApi and nothing else. Names are
 * checked here against the contract so a compromised page cannot reach any other IPC channel,
 * and listeners never see Electron's event object (whose `sender` would leak ipcRenderer).
 */
import { contextBridge, ipcRenderer } from 'electron'
import {
  IPC_EVENT_CHANNEL,
  LAB_EVENT_NAMES,
  LAB_METHOD_NAMES,
  ipcChannel,
  type LabApi,
  type LabEvent,
  type LabMethod,
  type LabResponse
} from '../shared/contract'

type AnyListener = (payload: unknown) => void

const listeners = new Map<LabEvent, Set<AnyListener>>()
let forwarding = false

function forwardEvents(): void {
  if (forwarding) return
  forwarding = true
  ipcRenderer.on(IPC_EVENT_CHANNEL, (_event, name: unknown, payload: unknown) => {
    const set = listeners.get(name as LabEvent)
    if (!set) return
    for (const listener of [...set]) listener(payload)
  })
}

const isMethod = (name: unknown): name is LabMethod => (LAB_METHOD_NAMES as unknown[]).includes(name)
const isEvent = (name: unknown): name is LabEvent => (LAB_EVENT_NAMES as unknown[]).includes(name)

const lab: LabApi = {
  call(name, input) {
    if (!isMethod(name)) {
      const refused: LabResponse<never> = {
        ok: false,
        error: { code: 'unknown-method', message: `Unknown method ${JSON.stringify(String(name)).slice(0, 120)}.` }
      }
      return Promise.resolve(refused)
    }
    return ipcRenderer.invoke(ipcChannel(name), input)
  },
  on(event, listener) {
    if (!isEvent(event)) throw new TypeError(`Unknown Lab event ${JSON.stringify(String(event)).slice(0, 120)}.`)
    if (typeof listener !== 'function') throw new TypeError('A Lab event listener must be a function.')
    forwardEvents()
    const set = listeners.get(event) ?? new Set<AnyListener>()
    listeners.set(event, set)
    const entry = listener as AnyListener
    set.add(entry)
    return () => {
      set.delete(entry)
    }
  }
}

contextBridge.exposeInMainWorld('lab', lab)
