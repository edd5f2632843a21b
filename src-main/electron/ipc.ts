/**
 * The Lab API over Electron IPC: one `ipcMain.handle` per contract method, each checking who is
 * calling before the payload is even looked at, and Lab events pushed to the window.
 */
import type { BrowserWindow, IpcMain, IpcMainInvokeEvent } from 'electron'
import { IPC_EVENT_CHANNEL, LAB_METHOD_NAMES, ipcChannel, type LabResponse } from '../shared/contract'
import { dispatch, type LabEventListener, type LabHandlers } from '../services/dispatch'

export interface IpcWiring {
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>
  handlers: LabHandlers
  onEvent(listener: LabEventListener): () => void
  /** The main window, if it exists right now. */
  getWindow(): BrowserWindow | undefined
  isTrustedUrl(url: string): boolean
}

const REFUSED: LabResponse<never> = {
  ok: false,
  error: { code: 'invalid-payload', message: 'This call did not come from the ConvLab window and was refused.' }
}

/**
 * Only the main window's top frame, showing our own renderer, may call: not an iframe, not a
 * page the window was somehow navigated to, not another window (electron GHSA-mq8j-3h7h-p8g7).
 */
export function isTrustedSender(event: Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>, wiring: Pick<IpcWiring, 'getWindow' | 'isTrustedUrl'>): boolean {
  const win = wiring.getWindow()
  const frame = event.senderFrame
  if (!win || win.isDestroyed() || !frame) return false
  if (event.sender !== win.webContents) return false
  if (frame !== win.webContents.mainFrame || frame.parent !== null) return false
  return wiring.isTrustedUrl(frame.url)
}

/** Registers every handler and starts forwarding events; the returned function undoes both. */
export function registerLabIpc(wiring: IpcWiring): () => void {
  for (const name of LAB_METHOD_NAMES) {
    wiring.ipcMain.handle(ipcChannel(name), async (event, payload: unknown) => {
      if (!isTrustedSender(event, wiring)) return REFUSED
      return dispatch(wiring.handlers, name, payload)
    })
  }
  const unsubscribe = wiring.onEvent((event, payload) => {
    const win = wiring.getWindow()
    if (win && !win.isDestroyed() && !win.webContents.isDestroyed()) {
      win.webContents.send(IPC_EVENT_CHANNEL, event, payload)
    }
  })
  return () => {
    unsubscribe()
    for (const name of LAB_METHOD_NAMES) wiring.ipcMain.removeHandler(ipcChannel(name))
  }
}
