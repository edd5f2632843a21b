/**
 * Property-based fuzzing of the Lab API over HTTP, as a local caller with the token would send
 * it: arbitrary JSON, and objects made of each method's own keys with arbitrary values (path-like
 * strings among them), against every method of the contract. Bounded in count and time.
 * Asserted for every answer: no 5xx, an answer at all (no hang), no error message over a few
 * KB, and no filesystem path the caller did not send, other than the data folder the server was
 * started with and the documented system place of Fashion-MNIST (data/locate reports it).
 */
import fc from 'fast-check'
import { request as httpRequest } from 'node:http'
import { writeFile } from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SYSTEM_DATASET_DIRS } from '../../src-main/data/fashion-mnist'
import type { EngineHost } from '../../src-main/engine/process/host'
import { LAB_METHOD_NAMES, LAB_METHODS, type LabMethod } from '../../src-main/shared/contract'
import { startWebServer, type WebServer } from '../../src-main/web/server'
import { tempDir, type TempDir } from '../fixtures/data/builders'
import { serviceOver } from '../fixtures/service-over'

const TOKEN = 'f'.repeat(48)
const RUNS_PER_METHOD = 60
const ANSWER_WITHIN_MS = 30_000
const MAX_ERROR_CHARS = 4096

/** An engine that is always ready and refuses every request at once: the fuzz is of the API layer. */
function refusingEngine(): EngineHost {
  const listeners: ((m: unknown) => void)[] = []
  return {
    pid: 1,
    send(message) {
      const { id } = message as { id: number }
      setImmediate(() => listeners.forEach((l) => l({ id, ok: false, error: { name: 'Error', message: 'No engine in this test' } })))
    },
    onMessage(listener) {
      listeners.push(listener)
      setImmediate(() => listener({ event: 'engine/ready', payload: { pid: 1 } }))
    },
    onExit() {},
    kill() {}
  }
}

const lab = serviceOver(refusingEngine, { prefix: 'convlab-fuzz-', once: true })
let server: WebServer
let staticDir: TempDir

// Vitest runs after-hooks in reverse: the server stops before the service it serves is disposed.
beforeAll(async () => {
  staticDir = await tempDir('convlab-fuzz-static-')
  await writeFile(`${staticDir.path}/index.html`, '<!doctype html>')
  server = await startWebServer({ service: lab.service, port: 0, staticDir: staticDir.path, token: TOKEN })
})
afterAll(async () => {
  await server?.close()
  await staticDir?.remove()
})

function post(method: string, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: server.port,
        path: `/api/${method}`,
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
        agent: false,
        timeout: ANSWER_WITHIN_MS
      },
      (res) => {
        let text = ''
        res.on('data', (d: Buffer) => (text += d.toString()))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }))
      }
    )
    req.on('timeout', () => req.destroy(new Error(`${method} did not answer within ${ANSWER_WITHIN_MS} ms`)))
    req.on('error', reject)
    req.end(body)
  })
}

/** The keys of a method's input object, so many cases get past the first check into the handler. */
function inputKeys(method: LabMethod): string[] {
  let schema: unknown = LAB_METHODS[method].input
  // Unwraps .default() and .refine() wrappers down to the object, where there is one.
  for (let i = 0; i < 4 && schema && typeof schema === 'object'; i++) {
    if ('shape' in schema && schema.shape && typeof schema.shape === 'object') return Object.keys(schema.shape)
    const def = (schema as { def?: { innerType?: unknown; in?: unknown } }).def
    schema = def?.innerType ?? def?.in
  }
  return []
}

const pathLike = fc.constantFrom('/etc', '/etc/passwd', '/root', '/proc/self', '../../..', '/tmp', '/usr/share/datasets/fashion-mnist', '~', 'C:\\Windows')
const sources = fc.oneof(
  fc.record({ kind: fc.constantFrom('folder', 'fashion-mnist'), dir: fc.oneof(pathLike, fc.string()) }),
  fc.record({ kind: fc.constant('toy'), images: fc.jsonValue({ maxDepth: 3 }) })
)
const value = fc.oneof(fc.jsonValue({ maxDepth: 3 }), pathLike, sources, fc.constantFrom('run-1', 'seed-mlp', '', 'a'.repeat(300)))

function payloads(method: LabMethod): fc.Arbitrary<unknown> {
  const keys = inputKeys(method)
  return fc.oneof(
    fc.jsonValue({ maxDepth: 4 }),
    keys.length ? fc.dictionary(fc.constantFrom(...keys, 'dir', 'source', 'runId'), value, { maxKeys: keys.length + 1 }) : fc.constant({})
  )
}

/** Absolute paths in an answer, e.g. /home/user/x or /work/repo/src-main/web/server.ts. */
const PATH = /(?:\/[\w.@+-]+){2,}/g

describe('the Lab API under arbitrary JSON', () => {
  it('answers every method with no 5xx, within bounds, leaking no path the caller did not give', async () => {
    let cases = 0
    for (const method of LAB_METHOD_NAMES) {
      await fc.assert(
        fc.asyncProperty(payloads(method), async (payload) => {
          cases++
          const body = JSON.stringify(payload) ?? ''
          const { status, text } = await post(method, body)
          expect(status, `${method} ${body.slice(0, 200)}`).toBeLessThan(500)
          const answer = JSON.parse(text) as { ok: boolean; error?: { message: string } }
          if (!answer.ok) expect(JSON.stringify(answer.error).length, text.slice(0, 200)).toBeLessThanOrEqual(MAX_ERROR_CHARS)
          for (const path of text.match(PATH) ?? []) {
            const given = body.includes(path) || [lab.data.path, ...SYSTEM_DATASET_DIRS].some((known) => path.startsWith(known))
            expect(given, `${method} answered with a path it was not given: ${path}\n${text.slice(0, 300)}`).toBe(true)
          }
        }),
        { numRuns: RUNS_PER_METHOD, interruptAfterTimeLimit: 20_000 }
      )
    }
    // Every method was tried, not just the first few before a time limit.
    expect(cases).toBeGreaterThanOrEqual(LAB_METHOD_NAMES.length * 5)
  }, 600_000)
})
