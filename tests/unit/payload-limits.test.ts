import { request as httpRequest } from 'node:http'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dispatch } from '../../src-main/services/dispatch'
import { JsonShapeGuard, MAX_PAYLOAD_DEPTH, MAX_PAYLOAD_KEYS, payloadShapeProblem } from '../../src-main/services/payload-limits'
import { startWebServer, type WebServer } from '../../src-main/web/server'
import { fakeLabService, type FakeLabService } from '../fixtures/fake-lab-service'

const nested = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth)
const withKeys = (n: number): string => `{${Array.from({ length: n }, (_, i) => `"k${i}":0`).join(',')}}`

/** Feeds `text` to a fresh guard in pieces of `size` bytes. */
function guarded(text: string, size: number): string | undefined {
  const guard = new JsonShapeGuard()
  const bytes = Buffer.from(text)
  for (let i = 0; i < bytes.length; i += size) {
    const problem = guard.feed(bytes.subarray(i, i + size))
    if (problem) return problem
  }
  return undefined
}

describe('JsonShapeGuard', () => {
  it('refuses the first level or key past the limit, however the text is cut into chunks', () => {
    for (const size of [1, 3, 7, 4096]) {
      expect(guarded(nested(MAX_PAYLOAD_DEPTH), size)).toBeUndefined()
      expect(guarded(nested(MAX_PAYLOAD_DEPTH + 1), size)).toMatch(/nested deeper than 32 levels/)
      expect(guarded(withKeys(MAX_PAYLOAD_KEYS), size)).toBeUndefined()
      expect(guarded(withKeys(MAX_PAYLOAD_KEYS + 1), size)).toMatch(/more than 10000 object keys/)
    }
  })

  it('does not count brackets, colons or escaped quotes inside strings', () => {
    const tricky = JSON.stringify({ a: `${'[{:'.repeat(20_000)}\\"é[`, b: ['"]]]:', '\\'] })
    for (const size of [1, 2, 5, 1 << 16]) expect(guarded(tricky, size)).toBeUndefined()
    expect(guarded(`[${'"\\"[",'.repeat(40)}${nested(MAX_PAYLOAD_DEPTH)}]`, 3)).toMatch(/nested deeper/)
  })
})

describe('payloadShapeProblem (parsed payloads, as Electron IPC delivers them)', () => {
  it('applies the same limits, and dispatch refuses before validating', async () => {
    expect(payloadShapeProblem(JSON.parse(nested(MAX_PAYLOAD_DEPTH)))).toBeUndefined()
    expect(payloadShapeProblem(JSON.parse(nested(MAX_PAYLOAD_DEPTH + 1)))).toMatch(/nested deeper/)
    expect(payloadShapeProblem(JSON.parse(withKeys(MAX_PAYLOAD_KEYS)))).toBeUndefined()
    expect(payloadShapeProblem(JSON.parse(withKeys(MAX_PAYLOAD_KEYS + 1)))).toMatch(/more than 10000 object keys/)
    expect(payloadShapeProblem({ pixels: new Float32Array(1e6), list: new Array(1e5).fill(0) })).toBeUndefined()
    const service = fakeLabService()
    const response = await dispatch(service.handlers, 'model/summary', { spec: JSON.parse(nested(100)) })
    expect(response).toEqual({ ok: false, error: { code: 'invalid-payload', message: 'The payload is nested deeper than 32 levels.' } })
    expect(service.calls).toEqual([])
  })

  it('keeps a validation error small however many problems the payload has', async () => {
    const response = await dispatch(fakeLabService().handlers, 'app/info', JSON.parse(withKeys(MAX_PAYLOAD_KEYS)))
    if (response.ok) throw new Error('expected an error')
    expect(JSON.stringify(response.error).length).toBeLessThan(4096)
    expect(response.error.message).toMatch(/^Invalid payload for app\/info: \(payload\): Unrecognized keys: "k0", "k1".*…$/)
    const many = await dispatch(fakeLabService().handlers, 'predict/images', { runId: 'r', images: Array.from({ length: 200 }, () => ({ width: 'x' })) })
    if (many.ok) throw new Error('expected an error')
    expect(many.error.issues).toHaveLength(11)
    expect(many.error.issues?.at(-1)?.message).toMatch(/^and \d+ more issues$/)
  })
})

describe('web server: payloads over the limits', () => {
  let root: string
  let server: WebServer
  let service: FakeLabService

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'convlab-limits-'))
    await writeFile(join(root, 'index.html'), '<!doctype html>')
    service = fakeLabService()
    server = await startWebServer({ service, port: 0, staticDir: root, maxCallBodyBytes: 1024 * 1024 })
  })
  afterAll(async () => {
    await server?.close()
    await rm(root, { recursive: true, force: true })
  })

  /** Streams `chunks` one at a time and counts how many were written before the answer came. */
  function post(method: string, chunks: Buffer[]): Promise<{ status: number; body: string; written: number }> {
    return new Promise((resolve, reject) => {
      let written = 0
      let answered = false
      const req = httpRequest(
        { host: '127.0.0.1', port: server.port, path: `/api/${method}`, method: 'POST', headers: { 'content-type': 'application/json' }, agent: false },
        (res) => {
          answered = true
          let body = ''
          res.on('data', (d: Buffer) => (body += d.toString()))
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body, written }))
        }
      )
      req.on('error', (err) => (answered ? undefined : reject(err)))
      const next = (): void => {
        if (answered || written === chunks.length) {
          if (!answered) req.end()
          return
        }
        req.write(chunks[written++], () => setTimeout(next, 5))
      }
      next()
    })
  }

  it('refuses a deeply nested body at the chunk that crosses the limit, before the rest is sent', async () => {
    const chunks = [Buffer.from('['.repeat(64)), ...Array.from({ length: 200 }, () => Buffer.alloc(64 * 1024, '['))]
    const answer = await post('model/summary', chunks)
    expect(answer.status).toBe(413)
    expect(JSON.parse(answer.body)).toEqual({ ok: false, error: { code: 'invalid-payload', message: 'The payload is nested deeper than 32 levels.' } })
    expect(answer.written).toBeLessThan(chunks.length)
    expect(service.calls).toEqual([])
  })

  it('refuses a body with too many keys, and one over the size of calls without files', async () => {
    const keys = await post('app/info', [Buffer.from(withKeys(MAX_PAYLOAD_KEYS + 1))])
    expect(keys.status).toBe(413)
    expect(JSON.parse(keys.body).error.message).toBe('The payload has more than 10000 object keys.')
    const big = await post('predict/images', [Buffer.from(`{"runId":"r","images":[{"width":1,"height":1,"pixels":[${'0,'.repeat(600_000)}0]}]}`)])
    expect(big.status).toBe(413)
    expect(JSON.parse(big.body).error.message).toBe('The request body is larger than 1048576 bytes.')
    // Files may be larger: the same size is read and validated for images/decode.
    const files = await post('images/decode', [Buffer.from(JSON.stringify({ files: [{ name: 'a.png', base64: 'A'.repeat(1_200_000) }], width: 28, height: 28 }))])
    expect(files.status).toBe(200)
    expect(service.calls).toEqual(['images/decode'])
  })
})
