import { beforeAll, describe, expect, it, vi } from 'vitest'
import { IPC_EVENT_CHANNEL, LAB_EVENT_NAMES, LAB_METHOD_NAMES, ipcChannel, type LabApi } from '../../src-main/shared/contract'

const exposed = new Map<string, unknown>()
const ipcListeners = new Map<string, ((event: unknown, ...args: unknown[]) => void)[]>()
const invoke = vi.fn(async (channel: string, input: unknown) => ({ ok: true, result: { channel, input } }))

vi.mock('electron', () => ({
  contextBridge: {
    exposeInMainWorld: (key: string, api: unknown) => exposed.set(key, api)
  },
  ipcRenderer: {
    invoke: (channel: string, input: unknown) => invoke(channel, input),
    on: (channel: string, listener: (event: unknown, ...args: unknown[]) => void) => {
      ipcListeners.set(channel, [...(ipcListeners.get(channel) ?? []), listener])
    }
  }
}))

let lab: LabApi

function push(event: string, payload: unknown): void {
  const fakeEvent = { sender: { send: () => 'the raw ipcRenderer must not leak' } }
  for (const listener of ipcListeners.get(IPC_EVENT_CHANNEL) ?? []) listener(fakeEvent, event, payload)
}

beforeAll(async () => {
  await import('../../src-main/electron/preload')
  lab = exposed.get('lab') as LabApi
})

describe('preload', () => {
  it('exposes window.lab with call and on, and nothing else', () => {
    expect([...exposed.keys()]).toEqual(['lab'])
    expect(Object.keys(lab).sort()).toEqual(['call', 'on'])
  })

  it('forwards every contract method to its own channel', async () => {
    for (const name of LAB_METHOD_NAMES) {
      const response = await lab.call(name, {} as never)
      expect(response).toEqual({ ok: true, result: { channel: ipcChannel(name), input: {} } })
    }
    expect(invoke).toHaveBeenCalledTimes(LAB_METHOD_NAMES.length)
  })

  it('refuses unknown method names locally, without touching IPC', async () => {
    invoke.mockClear()
    for (const name of ['nope', 'lab:event', '__proto__', 'constructor', ipcChannel('app/info')]) {
      const response = await lab.call(name as never, {} as never)
      expect(response).toMatchObject({ ok: false, error: { code: 'unknown-method' } })
    }
    expect(invoke).not.toHaveBeenCalled()
  })

  it('subscribes only to contract events, hands listeners only the payload, and unsubscribes', () => {
    expect(() => lab.on('nope' as never, () => undefined)).toThrow(/Unknown Lab event/)
    expect(() => lab.on('engine/notice', 'not a function' as never)).toThrow()

    const seen: unknown[][] = []
    const off = lab.on('engine/notice', (...args: unknown[]) => seen.push(args))
    push('engine/notice', { level: 'info', message: 'hello' })
    push('train/progress', { runId: 'x' })
    expect(seen).toEqual([[{ level: 'info', message: 'hello' }]])

    off()
    push('engine/notice', { level: 'info', message: 'after' })
    expect(seen).toHaveLength(1)
    expect(LAB_EVENT_NAMES).toContain('engine/notice')
    // One IPC listener however many subscriptions, so nothing accumulates.
    lab.on('train/epoch', () => undefined)
    expect(ipcListeners.get(IPC_EVENT_CHANNEL)).toHaveLength(1)
    expect([...ipcListeners.keys()]).toEqual([IPC_EVENT_CHANNEL])
  })
})
