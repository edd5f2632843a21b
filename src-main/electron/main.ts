/**
 * The Electron main process: one hardened window, the Lab service behind IPC, the engine in a
 * utilityProcess. Everything security-relevant lives in security.ts and ipc.ts so it is tested.
 */
import { join } from 'node:path'
import { app, BrowserWindow, dialog, ipcMain, session } from 'electron'
import { createLabService, type LabService } from '../services/lab-service'
import { utilityEngineHostFactory } from './engine-host'
import { registerLabIpc } from './ipc'
import { hardenAllWebContents, hardenSession, isTrustedRendererUrl, mainWindowOptions, type RendererSource } from './security'

// electron-vite sets this only in `electron-vite dev`; a packaged or built app never has it.
const devServerUrl = !app.isPackaged ? process.env.ELECTRON_RENDERER_URL : undefined
const isDev = devServerUrl !== undefined
const source: RendererSource = devServerUrl
  ? { kind: 'dev', url: devServerUrl }
  : { kind: 'file', path: join(__dirname, '../renderer/index.html') }

let mainWindow: BrowserWindow | undefined
let service: LabService | undefined
let unregisterIpc: (() => void) | undefined

function createWindow(): BrowserWindow {
  const win = new BrowserWindow(mainWindowOptions(join(__dirname, '../preload/index.js'), isDev))
  win.once('ready-to-show', () => win.show())
  win.on('closed', () => {
    if (mainWindow === win) mainWindow = undefined
  })
  if (source.kind === 'dev') void win.loadURL(source.url)
  else void win.loadFile(source.path)
  return win
}

async function start(): Promise<void> {
  hardenAllWebContents(app)
  await app.whenReady()
  hardenSession(session.defaultSession)

  const lab = await createLabService({
    dataDir: app.getPath('userData'),
    engineHost: utilityEngineHostFactory({ entry: join(__dirname, 'engine.js') })
  })
  service = lab
  unregisterIpc = registerLabIpc({
    ipcMain,
    handlers: lab.handlers,
    onEvent: (listener) => lab.onEvent(listener),
    getWindow: () => mainWindow,
    isTrustedUrl: (url) => isTrustedRendererUrl(url, source)
  })
  mainWindow = createWindow()

  app.on('activate', () => {
    if (!mainWindow) mainWindow = createWindow()
  })
}

// A second copy would start a second engine writing into the same runs folder.
if (!app.requestSingleInstanceLock()) {
  app.quit()
} else {
  app.on('second-instance', () => {
    if (!mainWindow) return
    if (mainWindow.isMinimized()) mainWindow.restore()
    mainWindow.focus()
  })
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit()
  })
  let disposed = false
  app.on('will-quit', (event) => {
    if (disposed || !service) return
    // Stop the engine (and any run in it) before the process goes, so runs end as "cancelled".
    event.preventDefault()
    disposed = true
    unregisterIpc?.()
    service.dispose().finally(() => app.quit())
  })
  start().catch((err: unknown) => {
    const message = err instanceof Error ? (err.stack ?? err.message) : String(err)
    console.error(`ConvLab failed to start: ${message}`)
    dialog.showErrorBox('ConvLab could not start', message)
    app.exit(1)
  })
}
