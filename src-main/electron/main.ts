/**
 * The Electron main process: one hardened window, the Lab service behind IPC, the engine in a
 * utilityProcess. Everything security-relevant lives in security.ts and ipc.ts so it is tested.
 */
import { join } from 'node:path'
import { app, BrowserWindow, dialog, ipcMain, protocol, session } from 'electron'
import { createLabService, type LabService } from '../services/lab-service'
import { unpackedPath } from '../engine/process/packaged-paths'
import { APP_INDEX_URL, handleAppProtocol, registerAppScheme } from './app-protocol'
import { utilityEngineHostFactory } from './engine-host'
import { registerLabIpc } from './ipc'
import { imagePathsFromArgv, OpenedFileQueue } from './opened-files'
import { hardenAllWebContents, hardenSession, isTrustedRendererUrl, mainWindowOptions, type RendererSource } from './security'

// import.meta.env.DEV is true only in the bundle `electron-vite dev` makes; in every built app the
// branch is compiled away, so no environment variable can point the window at another origin.
const devServerUrl = import.meta.env.DEV ? process.env.ELECTRON_RENDERER_URL : undefined
const isDev = devServerUrl !== undefined
const source: RendererSource = devServerUrl ? { kind: 'dev', url: devServerUrl } : { kind: 'app' }

registerAppScheme(protocol)

// `electron .` runs with the app folder as the first argument; a packaged app has only its own path.
const appArgsStart = app.isPackaged ? 1 : 2
const openedFiles = new OpenedFileQueue()
openedFiles.add(imagePathsFromArgv(process.argv, appArgsStart, process.cwd()))

let mainWindow: BrowserWindow | undefined
let service: LabService | undefined
let unregisterIpc: (() => void) | undefined

function createWindow(): BrowserWindow {
  const win = new BrowserWindow(mainWindowOptions(join(__dirname, '../preload/index.js'), isDev))
  win.once('ready-to-show', () => win.show())
  win.on('closed', () => {
    if (mainWindow === win) mainWindow = undefined
  })
  void win.loadURL(source.kind === 'dev' ? source.url : APP_INDEX_URL)
  return win
}

async function start(): Promise<void> {
  hardenAllWebContents(app)
  await app.whenReady()
  hardenSession(session.defaultSession)
  handleAppProtocol(protocol, join(__dirname, '../renderer'))

  const lab = await createLabService({
    dataDir: app.getPath('userData'),
    openedFiles,
    systemLanguages: () => app.getPreferredSystemLanguages(),
    // Run from app.asar.unpacked when packaged: the engine and its helper threads then load
    // their modules and wasm files as plain files, the way they are tested.
    engineHost: utilityEngineHostFactory({ entry: unpackedPath(join(__dirname, 'engine.js')) })
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
  app.on('second-instance', (_event, argv, workingDirectory) => {
    openedFiles.add(imagePathsFromArgv(argv, appArgsStart, workingDirectory))
    if (!mainWindow) return
    if (mainWindow.isMinimized()) mainWindow.restore()
    mainWindow.focus()
  })
  // macOS hands files over as events, including the ones the app was launched with.
  app.on('open-file', (event, path) => {
    event.preventDefault()
    openedFiles.add([path])
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
