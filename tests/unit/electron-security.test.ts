import { EventEmitter } from 'node:events'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, it, vi } from 'vitest'
import type { App, BrowserWindow, IpcMainInvokeEvent, Session, WebContents } from 'electron'

// The real package would try to download Electron's binary; everything here runs against fakes.
const forked: FakeUtility[] = []
class FakeUtility extends EventEmitter {
  pid = 4242
  sent: unknown[] = []
  killed = false
  constructor(
    readonly entry: string,
    readonly options: Record<string, unknown>
  ) {
    super()
  }
  postMessage(message: unknown): void {
    this.sent.push(message)
  }
  kill(): boolean {
    this.killed = true
    return true
  }
}
vi.mock('electron', () => ({
  utilityProcess: {
    fork: (entry: string, _args: string[], options: Record<string, unknown>) => {
      const child = new FakeUtility(entry, options)
      forked.push(child)
      return child
    }
  }
}))

const { CONTENT_SECURITY_POLICY, hardenAllWebContents, hardenSession, isTrustedRendererUrl, mainWindowOptions } = await import(
  '../../src-main/electron/security'
)
const { registerLabIpc } = await import('../../src-main/electron/ipc')
const { utilityEngineHost } = await import('../../src-main/electron/engine-host')
const { IPC_EVENT_CHANNEL, LAB_METHOD_NAMES, ipcChannel } = await import('../../src-main/shared/contract')
const { fakeLabService } = await import('../fixtures/fake-lab-service')

const appSource = { kind: 'app' } as const
const OWN_URL = 'app://convlab/index.html'

describe('window security settings', () => {
  it('isolates and sandboxes the renderer, devtools only in development', () => {
    const prefs = mainWindowOptions('/app/out/preload/index.js', false).webPreferences
    expect(prefs).toMatchObject({
      preload: '/app/out/preload/index.js',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      devTools: false
    })
    expect(mainWindowOptions('/p.js', true).webPreferences?.devTools).toBe(true)
  })

  it('is exactly the agreed CSP', () => {
    expect(CONTENT_SECURITY_POLICY).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; font-src 'self'; " +
        "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
    )
  })

  it('is repeated in the index.html meta tag (a second line of defence), less the header-only frame-ancestors', () => {
    const html = readFileSync(join(__dirname, '../../src-renderer/index.html'), 'utf8')
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1]
    expect(meta).toBe(CONTENT_SECURITY_POLICY.replace("; frame-ancestors 'none'", ''))
  })

  it('adds the CSP header to every response and denies every permission', () => {
    let headersListener: ((details: { responseHeaders?: Record<string, string[]> }, cb: (r: unknown) => void) => void) | undefined
    let requestHandler: ((wc: unknown, permission: string, cb: (granted: boolean) => void) => void) | undefined
    let checkHandler: (() => boolean) | undefined
    const ses = {
      webRequest: { onHeadersReceived: (l: typeof headersListener) => (headersListener = l) },
      setPermissionRequestHandler: (h: typeof requestHandler) => (requestHandler = h),
      setPermissionCheckHandler: (h: typeof checkHandler) => (checkHandler = h)
    }
    hardenSession(ses as unknown as Session)

    let response: unknown
    headersListener?.({ responseHeaders: { 'X-Other': ['1'] } }, (r) => (response = r))
    expect(response).toEqual({ responseHeaders: { 'X-Other': ['1'], 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } })

    for (const permission of ['media', 'geolocation', 'notifications', 'openExternal']) {
      const granted = vi.fn()
      requestHandler?.({}, permission, granted)
      expect(granted).toHaveBeenCalledWith(false)
    }
    expect(checkHandler?.()).toBe(false)
  })

  it('blocks navigation, redirects, webviews and window.open for every webContents', () => {
    const app = new EventEmitter()
    hardenAllWebContents(app as unknown as App)
    for (let i = 0; i < 2; i++) {
      const contents = new EventEmitter() as EventEmitter & { setWindowOpenHandler: ReturnType<typeof vi.fn> }
      contents.setWindowOpenHandler = vi.fn()
      app.emit('web-contents-created', {}, contents as unknown as WebContents)

      for (const event of ['will-navigate', 'will-redirect', 'will-attach-webview']) {
        const preventDefault = vi.fn()
        contents.emit(event, { preventDefault, url: 'https://evil.example/' })
        expect(preventDefault, event).toHaveBeenCalled()
      }
      const handler = contents.setWindowOpenHandler.mock.calls[0][0] as (d: { url: string }) => unknown
      expect(handler({ url: 'https://evil.example/' })).toEqual({ action: 'deny' })
    }
  })

  it('trusts only our own renderer URL', () => {
    expect(isTrustedRendererUrl(OWN_URL, appSource)).toBe(true)
    expect(isTrustedRendererUrl(`${OWN_URL}#/runs`, appSource)).toBe(true)
    expect(isTrustedRendererUrl('app://convlab/', appSource)).toBe(true)
    expect(isTrustedRendererUrl(pathToFileURL('/opt/convlab/out/renderer/index.html').href, appSource)).toBe(false)
    expect(isTrustedRendererUrl('file:///etc/passwd', appSource)).toBe(false)
    expect(isTrustedRendererUrl('app://evil/index.html', appSource)).toBe(false)
    expect(isTrustedRendererUrl('app://convlab:8080/index.html', appSource)).toBe(false)
    expect(isTrustedRendererUrl('app://user@convlab/index.html', appSource)).toBe(false)
    expect(isTrustedRendererUrl('http://convlab/index.html', appSource)).toBe(false)
    expect(isTrustedRendererUrl('https://evil.example/', appSource)).toBe(false)
    expect(isTrustedRendererUrl('not a url', appSource)).toBe(false)

    const dev = { kind: 'dev', url: 'http://localhost:5173/' } as const
    expect(isTrustedRendererUrl('http://localhost:5173/index.html', dev)).toBe(true)
    expect(isTrustedRendererUrl('http://localhost:5174/', dev)).toBe(false)
    expect(isTrustedRendererUrl('http://evil.example/', dev)).toBe(false)
  })
})

interface FakeFrame {
  url: string
  parent: FakeFrame | null
}

function fakeWindow(url = OWN_URL) {
  const mainFrame: FakeFrame = { url, parent: null }
  const webContents = { mainFrame, send: vi.fn(), isDestroyed: vi.fn(() => false) }
  const win = { webContents, isDestroyed: vi.fn(() => false) }
  return { win, webContents, mainFrame }
}

function wire(getWindow: () => ReturnType<typeof fakeWindow>['win'] | undefined) {
  const registered = new Map<string, (event: IpcMainInvokeEvent, payload: unknown) => Promise<unknown>>()
  const ipcMain = {
    handle: vi.fn((channel: string, listener: (event: IpcMainInvokeEvent, payload: unknown) => Promise<unknown>) => {
      registered.set(channel, listener)
    }),
    removeHandler: vi.fn((channel: string) => registered.delete(channel))
  }
  const service = fakeLabService()
  const unregister = registerLabIpc({
    ipcMain,
    handlers: service.handlers,
    onEvent: (l) => service.onEvent(l),
    getWindow: () => getWindow() as unknown as BrowserWindow | undefined,
    isTrustedUrl: (u) => isTrustedRendererUrl(u, appSource)
  })
  const invoke = (channel: string, sender: unknown, senderFrame: unknown, payload: unknown = {}) =>
    registered.get(channel)!({ sender, senderFrame } as unknown as IpcMainInvokeEvent, payload)
  return { registered, ipcMain, service, unregister, invoke }
}

describe('IPC handlers', () => {
  it('registers exactly one handler per contract method and removes them all', () => {
    const { win } = fakeWindow()
    const { registered, unregister, service } = wire(() => win)
    expect([...registered.keys()].sort()).toEqual(LAB_METHOD_NAMES.map(ipcChannel).sort())
    unregister()
    expect(registered.size).toBe(0)
    expect(service.listenerCount()).toBe(0)
  })

  it("dispatches a call from our window's top frame", async () => {
    const { win, webContents, mainFrame } = fakeWindow()
    const { invoke, service } = wire(() => win)
    const response = await invoke(ipcChannel('model/presets'), webContents, mainFrame)
    expect(response).toMatchObject({ ok: true })
    expect(service.calls).toEqual(['model/presets'])
    const invalid = await invoke(ipcChannel('runs/get'), webContents, mainFrame, { runId: '../x' })
    expect(invalid).toMatchObject({ ok: false, error: { code: 'invalid-payload' } })
  })

  it('refuses calls from foreign frames, foreign pages and other webContents without reaching the service', async () => {
    const { win, webContents, mainFrame } = fakeWindow()
    const other = fakeWindow()
    const { invoke, service } = wire(() => win)
    const channel = ipcChannel('model/presets')
    const attempts: [string, unknown, unknown][] = [
      ['an iframe in our window', webContents, { url: OWN_URL, parent: mainFrame }],
      ['another webContents', other.webContents, other.mainFrame],
      ['no frame (navigated away or destroyed)', webContents, null]
    ]
    for (const [what, sender, frame] of attempts) {
      const response = await invoke(channel, sender, frame)
      expect(response, what).toMatchObject({ ok: false, error: { code: 'invalid-payload' } })
    }
    mainFrame.url = 'https://evil.example/'
    expect(await invoke(channel, webContents, mainFrame)).toMatchObject({ ok: false })
    expect(service.calls).toEqual([])
  })

  it('refuses every call while there is no window', async () => {
    const { webContents, mainFrame } = fakeWindow()
    const { invoke } = wire(() => undefined)
    expect(await invoke(ipcChannel('model/presets'), webContents, mainFrame)).toMatchObject({ ok: false })
  })

  it('forwards events on the event channel only while the window lives', () => {
    const { win, webContents } = fakeWindow()
    const { service } = wire(() => win)
    service.emit('engine/notice', { level: 'warning', message: 'The engine restarted.' })
    expect(webContents.send).toHaveBeenCalledWith(IPC_EVENT_CHANNEL, 'engine/notice', {
      level: 'warning',
      message: 'The engine restarted.'
    })
    webContents.isDestroyed.mockReturnValue(true)
    service.emit('engine/notice', { level: 'info', message: 'gone' })
    expect(webContents.send).toHaveBeenCalledTimes(1)
  })
})

describe('utilityProcess engine host', () => {
  it('forks the worker, relays messages and reports the exit once', () => {
    const host = utilityEngineHost({ entry: '/app/out/main/engine.js' })
    const child = forked.at(-1)!
    expect(child.entry).toBe('/app/out/main/engine.js')
    expect(child.options.serviceName).toBe('ConvLab engine')
    expect(host.pid).toBe(4242)

    const messages: unknown[] = []
    host.onMessage((m) => messages.push(m))
    child.emit('message', { event: 'engine/ready', payload: { pid: 4242 } })
    expect(messages).toEqual([{ event: 'engine/ready', payload: { pid: 4242 } }])

    host.send({ id: 1, method: 'engine/backends', params: {} })
    expect(child.sent).toEqual([{ id: 1, method: 'engine/backends', params: {} }])

    const exits: unknown[] = []
    host.onExit((e) => exits.push(e))
    child.emit('error', 'FatalError', 'oom', '')
    child.emit('exit', 134)
    expect(exits).toEqual([{ code: null, signal: 'FatalError' }])
    host.send({ id: 2 })
    host.kill()
    expect(child.sent).toHaveLength(1)
    expect(child.killed).toBe(false)
  })
})
