import { request as httpRequest, type IncomingHttpHeaders } from 'node:http'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startWebServer, type WebServer } from '../../src-main/web/server'
import { fakeLabService, type FakeLabService } from '../fixtures/fake-lab-service'

const TOKEN = 'a'.repeat(24) + 'b'.repeat(24)
let root: string
let server: WebServer
let service: FakeLabService

interface Answer {
  status: number
  headers: IncomingHttpHeaders
  body: string
}

/** Sends one request; with `firstBytes`, answers as soon as the headers and a first chunk came (event streams). */
function raw(path: string, options: { method?: string; headers?: Record<string, string>; body?: string; firstBytes?: boolean } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port: server.port, path, method: options.method ?? 'GET', headers: { host: `127.0.0.1:${server.port}`, ...options.headers }, agent: false },
      (res) => {
        let body = ''
        res.on('data', (d: Buffer) => {
          body += d.toString()
          if (options.firstBytes) {
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body })
            req.destroy()
          }
        })
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
      }
    )
    req.on('error', (err) => (options.firstBytes ? undefined : reject(err)))
    req.end(options.body)
  })
}

const api = (method: string, headers: Record<string, string> = {}): Promise<Answer> =>
  raw(`/api/${method}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{}' })

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'convlab-auth-'))
  await writeFile(join(root, 'index.html'), '<!doctype html><title>ConvLab test</title>')
  service = fakeLabService()
  server = await startWebServer({ service, port: 0, staticDir: root, token: TOKEN })
})
afterAll(async () => {
  await server?.close()
  await rm(root, { recursive: true, force: true })
})

describe('web mode token', () => {
  it('refuses API calls and the event stream without the token, before any handler runs', async () => {
    const attempts: Record<string, string>[] = [{}, { authorization: 'Bearer wrong' }, { authorization: `Bearer ${TOKEN}x` }, { cookie: `convlab-token-1=${TOKEN}` }]
    for (const headers of attempts) {
      const answer = await api('model/presets', headers)
      expect(answer.status).toBe(401)
      expect(JSON.parse(answer.body)).toEqual({ ok: false, error: { code: 'unauthorized', message: expect.stringContaining('token') } })
    }
    // The token only ever logs a browser in through a page address, never through an API URL.
    expect((await raw(`/api/model/presets?token=${TOKEN}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status).toBe(401)
    expect((await raw('/api/events')).status).toBe(401)
    expect(service.calls).toEqual([])
  })

  it('accepts the token as an Authorization header, for scripts', async () => {
    expect((await api('model/presets', { authorization: `Bearer ${TOKEN}` })).status).toBe(200)
    expect((await api('model/presets', { authorization: `token ${TOKEN}` })).status).toBe(200)
    expect(service.calls).toEqual(['model/presets', 'model/presets'])
  })

  it('turns the printed URL into an HttpOnly, SameSite=Strict cookie and a redirect to the clean URL', async () => {
    const login = await raw(`/?token=${TOKEN}`)
    expect(login.status).toBe(302)
    expect(login.headers.location).toBe('/')
    const cookie = login.headers['set-cookie']?.[0] ?? ''
    expect(cookie).toBe(`convlab-token-${server.port}=${TOKEN}; HttpOnly; SameSite=Strict; Path=/`)
    expect((await raw(`/data?x=1&token=${TOKEN}`)).headers.location).toBe('/data?x=1')

    const jar = cookie.split(';')[0]
    expect((await api('model/presets', { cookie: `other=1; ${jar}` })).status).toBe(200)
    const events = await raw('/api/events', { headers: { cookie: jar }, firstBytes: true })
    expect(events.status).toBe(200)
    expect(events.headers['content-type']).toMatch(/^text\/event-stream/)
    const page = await raw('/', { headers: { cookie: jar } })
    expect(page.status).toBe(200)
    expect(page.body).toContain('ConvLab test')
  })

  it('answers pages without the token with a page saying where it is, and sets no cookie for a wrong one', async () => {
    const page = await raw('/')
    expect(page.status).toBe(401)
    expect(page.headers['content-type']).toMatch(/^text\/html/)
    expect(page.body).toContain('?token=')
    const wrong = await raw('/?token=guess')
    expect(wrong.status).toBe(401)
    expect(wrong.headers['set-cookie']).toBeUndefined()
  })
})
