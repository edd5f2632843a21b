/**
 * The window's security settings in one place, separate from main.ts so a test can check them
 * with a mocked `electron`. The renderer is treated as untrusted content: it gets no Node, no
 * navigation, no new windows, no permissions, and only the scripts it shipped with.
 */
import { pathToFileURL } from 'node:url'
import type { App, BrowserWindowConstructorOptions, Session, WebContents } from 'electron'
import { CONTENT_SECURITY_POLICY } from '../shared/csp'

export { CONTENT_SECURITY_POLICY }

/** Where the renderer comes from: the dev server in `electron-vite dev`, else the built file. */
export type RendererSource = { kind: 'dev'; url: string } | { kind: 'file'; path: string }

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
 * Whether a frame URL is our own renderer. Query and hash are ignored (the app may use them for
 * state); anything else, including another file under the same folder, is foreign.
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
  const expected = pathToFileURL(source.path)
  return parsed.protocol === 'file:' && parsed.host === expected.host && parsed.pathname === expected.pathname
}

/** CSP as a response header (the index.html meta tag covers file:// loads, which skip webRequest),
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
