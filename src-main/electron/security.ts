/**
 * The window's security settings in one place, separate from main.ts so a test can check them
 * with a mocked `electron`. The renderer is treated as untrusted content: it gets no Node, no
 * navigation, no new windows, no permissions, and only the scripts it shipped with.
 */
import type { App, BrowserWindowConstructorOptions, Session, WebContents } from 'electron'
import { CONTENT_SECURITY_POLICY } from '../shared/csp'
import { APP_ORIGIN } from './app-protocol'

export { CONTENT_SECURITY_POLICY }

/** Where the renderer comes from: the dev server in `electron-vite dev`, else the built files
 * served as app://convlab/ (app-protocol.ts). */
export type RendererSource = { kind: 'dev'; url: string } | { kind: 'app' }

export function mainWindowOptions(preloadPath: string, isDev: boolean): BrowserWindowConstructorOptions {
  return {
    width: 1200,
    height: 820,
    minWidth: 720,
    minHeight: 520,
    show: false,
    title: 'ConvLab',
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      devTools: isDev
    }
  }
}

/**
 * Whether a frame URL is our own renderer: the app:// origin (any of its pages; query and hash
 * are the app's state), or in development the dev server's origin. Everything else, file://
 * pages included, is foreign.
 */
export function isTrustedRendererUrl(url: string, source: RendererSource): boolean {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return false
  }
  if (source.kind === 'dev') {
    const dev = new URL(source.url)
    return parsed.origin === dev.origin && (parsed.protocol === 'http:' || parsed.protocol === 'https:')
  }
  return `${parsed.protocol}//${parsed.host}` === APP_ORIGIN && parsed.username === '' && parsed.password === '' && parsed.port === ''
}

/** CSP as a response header (the app protocol's responses and the index.html meta tag carry it too),
 * and every permission prompt answered "no": the lab needs no camera, location or notifications. */
export function hardenSession(ses: Session): void {
  ses.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] }
    })
  })
  ses.setPermissionRequestHandler((_contents, _permission, callback) => callback(false))
  ses.setPermissionCheckHandler(() => false)
}

/** Applies to every webContents the app ever creates, so nothing can navigate away from the
 * bundled renderer or open a window, whatever a compromised page tries. */
export function hardenAllWebContents(app: App): void {
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents))
}

export function hardenWebContents(contents: WebContents): void {
  contents.on('will-navigate', (event) => event.preventDefault())
  contents.on('will-redirect', (event) => event.preventDefault())
  contents.on('will-attach-webview', (event) => event.preventDefault())
  contents.setWindowOpenHandler(() => ({ action: 'deny' }))
}
