/**
 * The renderer's origin in the desktop app: `app://convlab/`. A standard, secure scheme gives the
 * page a real origin (file:// pages share one with every file on disk), so the IPC sender check
 * and the CSP's 'self' mean "ConvLab's own files" and nothing else. Files come only from the
 * built renderer folder, through the same path checks as web mode's static files.
 */
import { readFile } from 'node:fs/promises'
import type { Protocol } from 'electron'
import { CONTENT_SECURITY_POLICY } from '../shared/csp'
import { contentTypeOf, findStaticFile, MalformedPathError } from '../services/static-files'

export const APP_SCHEME = 'app'
export const APP_HOST = 'convlab'
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`
export const APP_INDEX_URL = `${APP_ORIGIN}/index.html`

/** Must run before the app's `ready` event: privileges cannot be granted to a scheme later. */
export function registerAppScheme(protocol: Pick<Protocol, 'registerSchemesAsPrivileged'>): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }
  ])
}

/** The response for one request to the app scheme: a file of root, or a plain-text refusal. */
export async function appProtocolResponse(root: string, requestUrl: string): Promise<Response> {
  let url: URL
  try {
    url = new URL(requestUrl)
  } catch {
    return refusal(400, 'Malformed URL.')
  }
  if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) return refusal(404, 'Not found.')
  let file: string | undefined
  try {
    file = await findStaticFile(root, url.pathname)
  } catch (err) {
    if (err instanceof MalformedPathError) return refusal(400, err.message)
    throw err
  }
  if (!file) return refusal(404, 'Not found.')
  return new Response(await readFile(file), {
    status: 200,
    headers: {
      'Content-Type': contentTypeOf(file),
      'Content-Security-Policy': CONTENT_SECURITY_POLICY,
      'X-Content-Type-Options': 'nosniff'
    }
  })
}

function refusal(status: number, message: string): Response {
  return new Response(message, { status, headers: { 'Content-Type': 'text/plain; charset=utf-8' } })
}

/** Serves root under app://convlab/ in the given (ready) protocol registry. */
export function handleAppProtocol(protocol: Pick<Protocol, 'handle'>, root: string): void {
  protocol.handle(APP_SCHEME, (request) => appProtocolResponse(root, request.url))
}
