/**
 * Web mode: the Lab API over HTTP for a browser on this machine, plus the built renderer.
 *   POST /api/<method>   JSON body -> dispatch -> JSON LabResponse
 *   GET  /api/events     server-sent events, one `event: <name>` per Lab event
 *   GET  /*              files of out/renderer, index.html for anything route-like
 * The server binds to loopback only, and because any web page the user opens can still reach
 * loopback, it refuses foreign Host headers (DNS rebinding) and foreign Origins (cross-site POSTs).
 * Any local process or user could still call it, so, as Jupyter does, it wants a token drawn at
 * start: the printed URL carries it once (?token=), the answer sets it as an HttpOnly,
 * SameSite=Strict cookie and redirects to the clean URL; scripts may send it as
 * `Authorization: Bearer <token>` instead.
 */
import { timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { readFile, realpath } from 'node:fs/promises'
import { resolve } from 'node:path'
import { clipText, type LabErrorInfo, type LabEvent, type LabEventPayload, type LabResponse } from '../shared/contract'
import { CONTENT_SECURITY_POLICY } from '../shared/csp'
import { dispatch, type LabEventListener, type LabHandlers } from '../services/dispatch'
import { JsonShapeGuard } from '../services/payload-limits'
import { contentTypeOf, findStaticFile, MalformedPathError } from '../services/static-files'

export interface WebServerOptions {
  service: {
    handlers: LabHandlers
    onEvent(listener: LabEventListener): () => void
  }
  /** 0 picks a free port. */
  port: number
  /** Loopback only; a LAN address would expose the lab (and the user's files) to the network. */
  host?: '127.0.0.1'
  /** The built renderer (out/renderer). */
  staticDir: string
  /** Every request must carry it (cookie or Authorization header); none: anyone local may call. */
  token?: string
  /** Bodies of the calls that carry files (images/decode, data/import-idx) are refused above this with 413. */
  maxBodyBytes?: number
  /** Every other call's body: a few MB at most (256 model-sized images for predict/images). */
  maxCallBodyBytes?: number
  heartbeatMs?: number
}

export interface WebServer {
  url: string
  port: number
  close(): Promise<void>
}

// A 50 MB image (the decoder's cap) is about 67 MB once base64-encoded for images/decode.
const DEFAULT_MAX_BODY_BYTES = 72 * 1024 * 1024
// Parsing and validating 72 MB of numbers blocks the server for seconds; no call without files needs it.
const DEFAULT_MAX_CALL_BODY_BYTES = 8 * 1024 * 1024
const FILE_METHODS: ReadonlySet<string> = new Set(['images/decode', 'data/import-idx'])
const DEFAULT_HEARTBEAT_MS = 15_000
const ALLOWED_HOSTNAMES = new Set(['127.0.0.1', 'localhost'])

const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin'
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: LabErrorInfo['code'],
    message: string
  ) {
    super(message)
  }
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, extra: Record<string, string> = {}): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': type, 'Cache-Control': 'no-store', ...extra })
  res.end(res.req.method === 'HEAD' ? undefined : body)
}

function sendJson(res: ServerResponse, status: number, body: LabResponse<unknown>, extra: Record<string, string> = {}): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(body), extra)
}

function sendError(res: ServerResponse, err: HttpError, extra: Record<string, string> = {}): void {
  sendJson(res, err.status, { ok: false, error: { code: err.code, message: clipText(err.message, 2_000) } }, extra)
}

/** The hostname of a Host header, without port; IPv6 literals are not ours since we bind IPv4. */
function hostnameOf(host: string | undefined): string | undefined {
  if (!host) return undefined
  const match = /^([^:[\]]+)(?::\d+)?$/.exec(host)
  return match?.[1].toLowerCase()
}

function checkHost(req: IncomingMessage): void {
  const hostname = hostnameOf(req.headers.host)
  if (!hostname || !ALLOWED_HOSTNAMES.has(hostname)) {
    throw new HttpError(403, 'invalid-payload', 'This server only answers requests addressed to 127.0.0.1 or localhost.')
  }
}

/** Browsers send Origin with every POST; a page from another origin must not drive the lab. */
function checkOrigin(req: IncomingMessage): void {
  const origin = req.headers.origin
  if (origin === undefined) return
  let parsed: URL
  try {
    parsed = new URL(origin)
  } catch {
    throw new HttpError(403, 'invalid-payload', 'Cross-origin requests are refused.')
  }
  if (parsed.protocol !== 'http:' || parsed.host !== req.headers.host || !ALLOWED_HOSTNAMES.has(parsed.hostname)) {
    throw new HttpError(403, 'invalid-payload', 'Cross-origin requests are refused.')
  }
}

/** The cookie is per port: two servers on 127.0.0.1 share one cookie jar in the browser. */
const cookieName = (port: number): string => `convlab-token-${port}`

function sameToken(given: string | undefined, token: string): boolean {
  if (given === undefined) return false
  const a = Buffer.from(given)
  const b = Buffer.from(token)
  return a.length === b.length && timingSafeEqual(a, b)
}

function cookieValue(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim()
  }
  return undefined
}

function isAuthorized(req: IncomingMessage, token: string, port: number): boolean {
  const header = /^(?:Bearer|token)\s+(\S+)$/i.exec(req.headers.authorization ?? '')
  return sameToken(header?.[1], token) || sameToken(cookieValue(req, cookieName(port)), token)
}

const UNAUTHORIZED_PAGE =
  '<!doctype html><meta charset="utf-8"><title>ConvLab</title><p>Open ConvLab with the address that <code>npm run web</code> printed: ' +
  'it carries <code>?token=…</code>, which lets this browser in until the server stops.</p>'

/**
 * Reads the body up to `limit` bytes; a larger body, or one nested too deep or with too many
 * keys (payload-limits.ts), is refused at the chunk that shows it, without buffering the rest.
 */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'])
  if (Number.isFinite(declared) && declared > limit) {
    return Promise.reject(new HttpError(413, 'invalid-payload', `The request body is larger than ${limit} bytes.`))
  }
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = []
    const guard = new JsonShapeGuard()
    let size = 0
    let refused = false
    req.on('data', (chunk: Buffer) => {
      if (refused) return
      size += chunk.length
      const problem = size > limit ? `The request body is larger than ${limit} bytes.` : guard.feed(chunk)
      if (problem) {
        refused = true
        chunks.length = 0
        reject(new HttpError(413, 'invalid-payload', problem))
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => {
      if (!refused) resolveBody(Buffer.concat(chunks))
    })
    req.on('error', reject)
  })
}

async function handleApiCall(
  req: IncomingMessage,
  res: ServerResponse,
  name: string,
  handlers: LabHandlers,
  maxBodyBytes: number
): Promise<void> {
  checkOrigin(req)
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase()
  // A cross-site <form> can only send simple content types; requiring JSON closes that door too.
  if (type !== 'application/json') {
    throw new HttpError(415, 'invalid-payload', 'Send the call as Content-Type: application/json.')
  }
  const body = await readBody(req, maxBodyBytes)
  let payload: unknown
  if (body.length > 0) {
    try {
      payload = JSON.parse(body.toString('utf8'))
    } catch (err) {
      throw new HttpError(400, 'invalid-payload', `The request body is not valid JSON (${(err as Error).message}).`)
    }
  }
  sendJson(res, 200, await dispatch(handlers, name, payload))
}

interface EventClient {
  res: ServerResponse
}

function openEventStream(req: IncomingMessage, res: ServerResponse, clients: Set<EventClient>): void {
  checkOrigin(req)
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-store',
    Connection: 'keep-alive',
    // Proxies and some stacks buffer streamed bodies; the browser must see each event at once.
    'X-Accel-Buffering': 'no'
  })
  // A first line flushes the headers so EventSource reports "open" immediately.
  res.write(': connected\n\n')
  const client = { res }
  clients.add(client)
  req.on('close', () => clients.delete(client))
}

function formatEvent(event: LabEvent, payload: unknown): string {
  // JSON.stringify never emits raw newlines, so one data line always holds the whole payload.
  return `event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`
}

async function serveStatic(req: IncomingMessage, res: ServerResponse, pathname: string, root: string): Promise<void> {
  let file: string | undefined
  try {
    file = await findStaticFile(root, pathname)
  } catch (err) {
    if (err instanceof MalformedPathError) throw new HttpError(400, 'invalid-payload', err.message)
    throw err
  }
  if (file) return sendFile(res, file)
  throw new HttpError(404, 'not-found', `Not found: ${req.url ?? ''}`.slice(0, 300))
}

async function sendFile(res: ServerResponse, file: string): Promise<void> {
  const body = await readFile(file)
  const type = contentTypeOf(file)
  send(res, 200, type, body, { 'Cache-Control': 'no-cache' })
}

export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const opts = { maxBodyBytes: DEFAULT_MAX_BODY_BYTES, maxCallBodyBytes: DEFAULT_MAX_CALL_BODY_BYTES, heartbeatMs: DEFAULT_HEARTBEAT_MS, ...options }
  const host = opts.host ?? '127.0.0.1'
  // realpath so the containment checks compare like with like even if the path has symlinks.
  const root = await realpath(resolve(opts.staticDir))
  const clients = new Set<EventClient>()
  const sockets = new Set<Socket>()
  // Known once listening (port 0 picks one); no request arrives before.
  let port = 0

  const unsubscribe = opts.service.onEvent(<E extends LabEvent>(event: E, payload: LabEventPayload<E>) => {
    const frame = formatEvent(event, payload)
    for (const client of clients) client.res.write(frame)
  })
  const heartbeat = setInterval(() => {
    for (const client of clients) client.res.write(': ping\n\n')
  }, opts.heartbeatMs)
  heartbeat.unref()

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const httpErr =
        err instanceof HttpError ? err : new HttpError(500, 'internal', err instanceof Error ? err.message : String(err))
      if (res.headersSent) {
        res.destroy()
        return
      }
      // After a refused body the rest of the upload is not worth reading: close the connection.
      const extra: Record<string, string> = httpErr.status === 413 ? { Connection: 'close' } : {}
      sendError(res, httpErr, extra)
      if (httpErr.status === 413) res.on('finish', () => req.socket.destroySoon())
    })
  })

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    checkHost(req)
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const method = req.method ?? 'GET'
    if (opts.token !== undefined && !authenticate(req, res, url, opts.token)) return
    if (url.pathname === '/api/events') {
      if (method !== 'GET') throw new HttpError(405, 'invalid-payload', 'Use GET for /api/events.')
      return openEventStream(req, res, clients)
    }
    if (url.pathname.startsWith('/api/')) {
      if (method !== 'POST') throw new HttpError(405, 'invalid-payload', 'Lab API calls are POST requests.')
      let name: string
      try {
        name = decodeURIComponent(url.pathname.slice('/api/'.length))
      } catch {
        throw new HttpError(400, 'invalid-payload', 'Malformed method name.')
      }
      const limit = FILE_METHODS.has(name) ? opts.maxBodyBytes : Math.min(opts.maxBodyBytes, opts.maxCallBodyBytes)
      return handleApiCall(req, res, name, opts.service.handlers, limit)
    }
    if (method !== 'GET' && method !== 'HEAD') throw new HttpError(405, 'invalid-payload', 'Only GET and HEAD serve files.')
    return serveStatic(req, res, url.pathname, root)
  }

  /**
   * True when the request may go on. The URL with the right ?token= is answered with the cookie
   * and a redirect to itself without the token, so the token leaves the address bar and history.
   */
  function authenticate(req: IncomingMessage, res: ServerResponse, url: URL, token: string): boolean {
    const given = url.searchParams.get('token')
    if (given !== null && (req.method === 'GET' || req.method === 'HEAD') && !url.pathname.startsWith('/api/') && sameToken(given, token)) {
      url.searchParams.delete('token')
      res.writeHead(302, {
        ...SECURITY_HEADERS,
        Location: `${url.pathname}${url.search}`,
        'Set-Cookie': `${cookieName(port)}=${token}; HttpOnly; SameSite=Strict; Path=/`,
        'Cache-Control': 'no-store'
      })
      res.end()
      return false
    }
    if (isAuthorized(req, token, port)) return true
    if (url.pathname.startsWith('/api/')) {
      throw new HttpError(401, 'unauthorized', 'This ConvLab server wants its token: open the address `npm run web` printed, or send Authorization: Bearer <token>.')
    }
    send(res, 401, 'text/html; charset=utf-8', UNAUTHORIZED_PAGE)
    return false
  }

  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject)
    server.listen(opts.port, host, () => {
      server.off('error', reject)
      resolveListen()
    })
  })
  port = (server.address() as AddressInfo).port

  return {
    url: `http://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolveClose) => {
        unsubscribe()
        clearInterval(heartbeat)
        for (const client of clients) client.res.end()
        clients.clear()
        server.close(() => resolveClose())
        // Keep-alive and event-stream sockets would otherwise hold close() open indefinitely.
        for (const socket of sockets) socket.destroy()
      })
  }
}
