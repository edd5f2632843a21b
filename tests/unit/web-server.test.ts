import { request as httpRequest, type IncomingHttpHeaders } from 'node:http'
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startWebServer, type WebServer } from '../../src-main/web/server'
import { CONTENT_SECURITY_POLICY } from '../../src-main/shared/csp'
import { getPreset } from '../../src-main/shared/presets'
import { fakeLabService, type FakeLabService } from '../fixtures/fake-lab-service'

interface RawResponse {
  status: number
  headers: IncomingHttpHeaders
  body: string
}

const SECRET = 'top secret outside the static root'
const MAX_BODY = 64 * 1024

let root: string
let server: WebServer
let service: FakeLabService

/** node:http rather than fetch: fetch normalises paths and will not let a test forge Host. */
function raw(
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: server.port,
        path,
        method: options.method ?? 'GET',
        headers: { host: `127.0.0.1:${server.port}`, ...options.headers },
        agent: false
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }))
      }
    )
    // A server that refuses an upload may close before the client has finished writing.
    req.on('error', reject)
    if (options.body !== undefined) req.write(options.body)
    req.end()
  })
}

function call(method: string, payload: unknown, headers: Record<string, string> = {}): Promise<RawResponse> {
  return raw(`/api/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(payload)
  })
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'convlab-web-'))
  const staticDir = join(root, 'static')
  await mkdir(join(staticDir, 'assets'), { recursive: true })
  await writeFile(join(staticDir, 'index.html'), '<!doctype html><title>ConvLab test</title>')
  await writeFile(join(staticDir, 'assets', 'app.js'), 'console.log("app")')
  await writeFile(join(staticDir, 'assets', 'app.css'), 'body{}')
  await writeFile(join(root, 'secret.txt'), SECRET)
  await symlink(join(root, 'secret.txt'), join(staticDir, 'assets', 'link.txt'))
  service = fakeLabService()
  server = await startWebServer({ service, port: 0, host: '127.0.0.1', staticDir, maxBodyBytes: MAX_BODY, heartbeatMs: 50 })
})

afterAll(async () => {
  await server?.close()
  await rm(root, { recursive: true, force: true })
})

describe('web server: Lab API over HTTP', () => {
  it('listens on 127.0.0.1 and reports its URL', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`)
    expect(server.port).toBeGreaterThan(0)
  })

  it('round-trips a call through dispatch', async () => {
    const presets = await call('model/presets', {})
    expect(presets.status).toBe(200)
    expect(presets.headers['content-type']).toMatch(/^application\/json/)
    const body = JSON.parse(presets.body)
    expect(body.ok).toBe(true)
    expect(body.result.map((p: { name: string }) => p.name)).toEqual(['seed-mlp', 'seed-cnn', 'seed-toy'])

    const summary = JSON.parse((await call('model/summary', { spec: getPreset('seed-cnn') })).body)
    expect(summary).toMatchObject({ ok: true, result: { totalParams: 896_522 } })
    expect(summary.result.text).toContain('Total params: 896,522')
  })

  it('accepts an empty body for methods without input', async () => {
    const res = await raw('/api/backends/list', { method: 'POST', headers: { 'content-type': 'application/json' } })
    expect(JSON.parse(res.body)).toMatchObject({ ok: true, result: { chosen: 'cpu' } })
  })

  it('answers invalid JSON with a structured invalid-payload error and keeps serving', async () => {
    const res = await raw('/api/model/presets', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"spec": '
    })
    expect(res.status).toBe(400)
    const body = JSON.parse(res.body)
    expect(body.ok).toBe(false)
    expect(body.error.code).toBe('invalid-payload')
    expect(body.error.message).toMatch(/not valid JSON/)
    expect(JSON.parse((await call('model/presets', {})).body).ok).toBe(true)
  })

  it('answers an unknown method with unknown-method', async () => {
    const body = JSON.parse((await call('nope/never', {})).body)
    expect(body).toMatchObject({ ok: false, error: { code: 'unknown-method' } })
  })

  it('answers an invalid payload with its issues, without reaching the handler, and keeps serving', async () => {
    const before = service.calls.length
    const body = JSON.parse((await call('runs/get', { runId: '../../etc' })).body)
    expect(body.ok).toBe(false)
    expect(body.error.code).toBe('invalid-payload')
    expect(body.error.issues[0].path).toBe('runId')
    expect(service.calls.length).toBe(before)
    expect(JSON.parse((await call('backends/list', {})).body).ok).toBe(true)
  })

  it('turns a failing handler into a structured error', async () => {
    const body = JSON.parse((await call('runs/list', {})).body)
    expect(body).toMatchObject({ ok: false, error: { code: 'not-found' } })
  })

  it('refuses a body over the cap with 413 and a JSON error, declared or streamed', async () => {
    const big = JSON.stringify({ spec: 'x'.repeat(MAX_BODY + 10) })
    const declared = await call('model/summary', JSON.parse(big))
    expect(declared.status).toBe(413)
    expect(JSON.parse(declared.body)).toMatchObject({ ok: false, error: { code: 'invalid-payload' } })

    const streamed = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port: server.port,
          path: '/api/model/summary',
          method: 'POST',
          headers: { host: `127.0.0.1:${server.port}`, 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
          agent: false
        },
        (res) => {
          res.resume()
          resolve(res.statusCode ?? 0)
        }
      )
      req.on('error', reject)
      req.write(big.slice(0, MAX_BODY / 2))
      req.write(big.slice(MAX_BODY / 2))
      req.end()
    })
    expect(streamed).toBe(413)
    expect(JSON.parse((await call('model/presets', {})).body).ok).toBe(true)
  })

  it('refuses GET on API methods and POST on files', async () => {
    expect((await raw('/api/model/presets')).status).toBe(405)
    expect((await raw('/index.html', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status).toBe(405)
  })
})

describe('web server: static files', () => {
  it('serves the renderer with content types and the strict CSP', async () => {
    const index = await raw('/')
    expect(index.status).toBe(200)
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(index.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY)
    expect(index.headers['x-content-type-options']).toBe('nosniff')
    expect(index.body).toContain('ConvLab test')

    const js = await raw('/assets/app.js')
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8')
    expect((await raw('/assets/app.css')).headers['content-type']).toBe('text/css; charset=utf-8')
  })

  it('falls back to index.html for routes but 404s missing assets', async () => {
    const route = await raw('/runs/some-run')
    expect(route.status).toBe(200)
    expect(route.body).toContain('ConvLab test')
    const missing = await raw('/assets/missing.js')
    expect(missing.status).toBe(404)
    expect(JSON.parse(missing.body).ok).toBe(false)
  })

  it.each([
    '/../secret.txt',
    '/assets/../../secret.txt',
    '/%2e%2e/secret.txt',
    '/..%2fsecret.txt',
    '/assets/..%2f..%2fsecret.txt',
    '/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
    '/..%5csecret.txt',
    '/assets/link.txt',
    '/%00/secret.txt'
  ])('does not serve anything outside the static root: %s', async (path) => {
    const res = await raw(path)
    expect(res.body).not.toContain(SECRET)
    expect([200, 400, 404]).toContain(res.status)
    if (res.status === 200) expect(res.body).toContain('ConvLab test')
  })

  it('answers a malformed URL with 400', async () => {
    expect((await raw('/%E0%A4%A')).status).toBe(400)
  })
})

describe('web server: DNS rebinding and cross-origin guards', () => {
  it('accepts localhost and 127.0.0.1 Host headers', async () => {
    expect((await raw('/', { headers: { host: `localhost:${server.port}` } })).status).toBe(200)
    expect((await raw('/', { headers: { host: '127.0.0.1' } })).status).toBe(200)
  })

  it.each(['evil.example', `evil.example:${server?.port ?? 80}`, '127.0.0.1.nip.io', '[::1]:80'])(
    'refuses the Host header %j',
    async (host) => {
      const page = await raw('/', { headers: { host } })
      expect(page.status).toBe(403)
      const api = await call('model/presets', {}, { host })
      expect(api.status).toBe(403)
      expect(JSON.parse(api.body).ok).toBe(false)
    }
  )

  it('refuses POSTs from another origin, accepts its own', async () => {
    const before = service.calls.length
    for (const origin of ['http://evil.example', 'null', `http://127.0.0.1:${server.port + 1}`, `https://127.0.0.1:${server.port}`]) {
      const res = await call('model/presets', {}, { origin })
      expect(res.status, origin).toBe(403)
    }
    expect(service.calls.length).toBe(before)
    const own = await call('model/presets', {}, { origin: `http://127.0.0.1:${server.port}` })
    expect(own.status).toBe(200)
  })

  it('refuses form-encodable content types (no CORS preflight would protect them)', async () => {
    const res = await raw('/api/model/presets', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' })
    expect(res.status).toBe(415)
    expect(JSON.parse(res.body).ok).toBe(false)
  })
})

describe('web server: server-sent events', () => {
  it('delivers Lab events and heartbeats, and forgets clients that leave', async () => {
    const received = await new Promise<string>((resolve, reject) => {
      const req = httpRequest(
        { host: '127.0.0.1', port: server.port, path: '/api/events', headers: { host: `127.0.0.1:${server.port}` }, agent: false },
        (res) => {
          expect(res.statusCode).toBe(200)
          expect(res.headers['content-type']).toMatch(/^text\/event-stream/)
          let text = ''
          res.setEncoding('utf8')
          res.on('data', (chunk: string) => {
            text += chunk
            if (text.startsWith(': connected') && !text.includes('event:')) {
              service.emit('engine/notice', { level: 'warning', message: 'The engine restarted.' })
            }
            if (text.includes('event: engine/notice') && text.includes(': ping')) {
              req.destroy()
              resolve(text)
            }
          })
        }
      )
      req.on('error', reject)
      req.end()
    })
    expect(received).toContain('event: engine/notice\ndata: {"level":"warning","message":"The engine restarted."}\n\n')
    // The server notices the closed socket asynchronously; emitting to a departed client must not throw.
    await new Promise((r) => setTimeout(r, 50))
    expect(() => service.emit('engine/notice', { level: 'info', message: 'after close' })).not.toThrow()
    expect((await call('model/presets', {})).status).toBe(200)
  })

  it('closes with an event stream open, ending the stream, and unsubscribes from the service', async () => {
    const staticDir = join(root, 'static')
    const local = fakeLabService()
    const other = await startWebServer({ service: local, port: 0, staticDir })
    expect(local.listenerCount()).toBe(1)
    let streamEnded!: Promise<void>
    await new Promise<void>((resolve) => {
      const req = httpRequest({ host: '127.0.0.1', port: other.port, path: '/api/events', agent: false }, (res) => {
        streamEnded = new Promise<void>((ended) => res.once('close', () => ended()))
        res.once('data', () => resolve())
        res.on('error', () => undefined)
      })
      req.on('error', () => undefined)
      req.end()
    })
    // close() ends the open event stream itself: were it waiting for the client, neither would settle.
    await other.close()
    await streamEnded
    expect(local.listenerCount()).toBe(0)
  })
})
