import { EventEmitter } from 'node:events'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'

// main.ts runs on import, so everything it touches is faked before it is loaded.
const windows: FakeWindow[] = []
class FakeWindow extends EventEmitter {
  loaded: string[] = []
  webContents = { mainFrame: { url: '', parent: null }, isDestroyed: () => false, send: vi.fn() }
  constructor(readonly options: { webPreferences?: Record<string, unknown> }) {
    super()
    windows.push(this)
  }
  loadFile(path: string) {
    this.loaded.push(`file:${path}`)
    return Promise.resolve()
  }
  loadURL(url: string) {
    this.loaded.push(url)
    return Promise.resolve()
  }
  isDestroyed = () => false
  isMinimized = () => false
  restore = vi.fn()
  focus = vi.fn()
  show = vi.fn()
}

const app = Object.assign(new EventEmitter(), {
  isPackaged: false,
  requestSingleInstanceLock: vi.fn(() => true),
  whenReady: vi.fn(() => Promise.resolve()),
  getPath: vi.fn(() => '/home/u/.config/ConvLab'),
  quit: vi.fn(),
  exit: vi.fn()
})
const handled: string[] = []
const order: string[] = []
app.whenReady.mockImplementation(() => {
  order.push('ready')
  return Promise.resolve()
})
const protocol = {
  registerSchemesAsPrivileged: vi.fn(() => void order.push('register app scheme')),
  handle: vi.fn((scheme: string) => void order.push(`handle ${scheme}`))
}
const session = {
  defaultSession: {
    webRequest: { onHeadersReceived: vi.fn() },
    setPermissionRequestHandler: vi.fn(),
    setPermissionCheckHandler: vi.fn()
  }
}

vi.mock('electron', () => ({
  app,
  BrowserWindow: FakeWindow,
  session,
  protocol,
  dialog: { showErrorBox: vi.fn() },
  ipcMain: { handle: (channel: string) => handled.push(channel), removeHandler: vi.fn() },
  utilityProcess: { fork: vi.fn() }
}))

let serviceOptions: Record<string, unknown> = {}
const createLabService = vi.fn(async (options: Record<string, unknown>) => {
  serviceOptions = options
  const { fakeLabService } = await import('../fixtures/fake-lab-service')
  return { ...fakeLabService(), options, dispose: vi.fn(async () => undefined) }
})
vi.mock('../../src-main/services/lab-service', () => ({ createLabService }))

describe('Electron main process wiring', () => {
  it('takes the single-instance lock, hardens, registers IPC and opens one locked-down window', async () => {
    // As in a built app: a renderer URL in the environment must not be loaded, or trusted.
    vi.stubEnv('DEV', false)
    vi.stubEnv('ELECTRON_RENDERER_URL', 'http://127.0.0.1:6666')
    await import('../../src-main/electron/main')
    await vi.waitFor(() => expect(windows).toHaveLength(1))

    expect(app.requestSingleInstanceLock).toHaveBeenCalled()
    expect(app.listenerCount('web-contents-created')).toBe(1)
    expect(session.defaultSession.setPermissionRequestHandler).toHaveBeenCalled()
    expect(session.defaultSession.webRequest.onHeadersReceived).toHaveBeenCalled()

    expect(createLabService).toHaveBeenCalledWith(
      expect.objectContaining({ dataDir: '/home/u/.config/ConvLab', engineHost: expect.any(Function) })
    )
    const { LAB_METHOD_NAMES, ipcChannel } = await import('../../src-main/shared/contract')
    expect(handled.sort()).toEqual(LAB_METHOD_NAMES.map(ipcChannel).sort())

    const win = windows[0]
    expect(win.options.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, devTools: false })
    expect(String(win.options.webPreferences?.preload)).toMatch(/preload[/\\]index\.js$/)
    expect(win.loaded).toHaveLength(1)
    expect(win.loaded).toEqual(['app://convlab/index.html'])
    expect(order).toEqual(['register app scheme', 'ready', 'handle app'])

    // A second launch focuses this window instead of opening another.
    expect(app.listenerCount('second-instance')).toBe(1)
  })

  it('queues images from a second launch and from macOS open-file events for the window to take', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'convlab-main-'))
    try {
      writeFileSync(join(dir, 'boot.png'), 'png bytes')
      writeFileSync(join(dir, 'shirt.jpg'), 'jpg bytes')
      app.emit('second-instance', {}, ['electron', '/src/convlab', '--flag', 'boot.png', 'notes.txt'], dir)
      const openFile = { preventDefault: vi.fn() }
      app.emit('open-file', openFile, join(dir, 'shirt.jpg'))
      expect(openFile.preventDefault).toHaveBeenCalled()
      expect(windows[0].focus).toHaveBeenCalled()
      const { openedFiles } = serviceOptions as { openedFiles: { take(): Promise<{ name: string; base64: string }[]> } }
      const files = await openedFiles.take()
      expect(files.map((f) => [f.name, Buffer.from(f.base64, 'base64').toString()])).toEqual([
        ['boot.png', 'png bytes'],
        ['shirt.jpg', 'jpg bytes']
      ])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
