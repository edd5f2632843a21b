import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { Protocol } from 'electron'
import { APP_INDEX_URL, appProtocolResponse, handleAppProtocol, registerAppScheme } from '../../src-main/electron/app-protocol'
import { CONTENT_SECURITY_POLICY } from '../../src-main/shared/csp'
import { contentTypeOf, staticTarget } from '../../src-main/services/static-files'

const ROOT = '/opt/convlab/out/renderer'

describe('staticTarget: URL path to a file under the renderer folder', () => {
  it('maps / to index.html and keeps paths under the root', () => {
    expect(staticTarget(ROOT, '/')).toEqual({ kind: 'path', path: `${ROOT}/index.html`, routeLike: true })
    expect(staticTarget(ROOT, '/index.html')).toEqual({ kind: 'path', path: `${ROOT}/index.html`, routeLike: false })
    expect(staticTarget(ROOT, '/assets/index-B2.js')).toEqual({ kind: 'path', path: `${ROOT}/assets/index-B2.js`, routeLike: false })
    expect(staticTarget(ROOT, '/runs')).toMatchObject({ kind: 'path', routeLike: true })
    expect(staticTarget(ROOT, '/a%20b.png')).toMatchObject({ kind: 'path', path: `${ROOT}/a b.png` })
  })

  it.each([
    ['/../secret', 'plain'],
    ['/%2e%2e/secret', 'percent-encoded dots'],
    ['/%2E%2E/%2E%2E/etc/passwd', 'upper-case encoding'],
    ['/assets/..%2f..%2fsecret', 'encoded slash after dots'],
    ['/..%5c..%5csecret', 'encoded backslashes'],
    ['/assets\\..\\..\\secret', 'literal backslashes'],
    ['/%2e%2e%2fsecret', 'dots and slash all encoded'],
    ['/..', 'bare parent']
  ])('refuses %s (%s)', (pathname) => {
    expect(staticTarget(ROOT, pathname).kind).toBe('outside')
  })

  it('calls malformed encodings and NUL bytes malformed', () => {
    expect(staticTarget(ROOT, '/%E0%A4%A')).toEqual({ kind: 'malformed' })
    expect(staticTarget(ROOT, '/index.html%00.png')).toEqual({ kind: 'malformed' })
  })

  it('gives the renderer its MIME types', () => {
    expect(contentTypeOf('index.html')).toBe('text/html; charset=utf-8')
    expect(contentTypeOf('a/B.JS')).toBe('text/javascript; charset=utf-8')
    expect(contentTypeOf('x.css')).toBe('text/css; charset=utf-8')
    expect(contentTypeOf('k.wasm')).toBe('application/wasm')
    expect(contentTypeOf('f.woff2')).toBe('font/woff2')
    expect(contentTypeOf('icon.svg')).toBe('image/svg+xml')
    expect(contentTypeOf('unknown.bin')).toBe('application/octet-stream')
  })
})

describe('app://convlab/ responses', () => {
  const dir = mkdtempSync(join(tmpdir(), 'convlab-app-protocol-'))
  const root = join(dir, 'renderer')
  mkdirSync(join(root, 'assets'), { recursive: true })
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>ConvLab</title>')
  writeFileSync(join(root, 'assets', 'app.js'), 'console.log(1)')
  writeFileSync(join(dir, 'secret.txt'), 'not for the renderer')
  symlinkSync(join(dir, 'secret.txt'), join(root, 'assets', 'link.txt'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('serves the index with its type and the CSP', async () => {
    const res = await appProtocolResponse(root, APP_INDEX_URL)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(res.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY)
    expect(await res.text()).toContain('<title>ConvLab</title>')
  })

  it('serves assets, and index.html for client-side routes', async () => {
    const js = await appProtocolResponse(root, 'app://convlab/assets/app.js')
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
    expect(await js.text()).toBe('console.log(1)')
    expect(await (await appProtocolResponse(root, 'app://convlab/runs')).text()).toContain('ConvLab')
  })

  it.each([
    'app://convlab/%2e%2e/secret.txt',
    'app://convlab/assets/..%2f..%2fsecret.txt',
    'app://convlab/..%5csecret.txt',
    'app://convlab/assets/link.txt',
    'app://convlab/missing.js',
    'app://other/index.html',
    'file:///etc/passwd'
  ])('answers 404 for %s and never sends the secret', async (url) => {
    const res = await appProtocolResponse(root, url)
    expect(res.status).toBe(404)
    expect(await res.text()).not.toContain('not for the renderer')
  })

  it('answers 400 for malformed URLs', async () => {
    expect((await appProtocolResponse(root, 'app://convlab/%E0%A4%A')).status).toBe(400)
    expect((await appProtocolResponse(root, 'app://convlab/a%00b')).status).toBe(400)
  })

  it('registers app: as standard and secure, and handles it with the same responses', async () => {
    const schemes: unknown[] = []
    registerAppScheme({ registerSchemesAsPrivileged: (s) => void schemes.push(...s) })
    expect(schemes).toEqual([{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }])

    let handler: ((request: Request) => Promise<Response> | Response) | undefined
    const fake = { handle: (scheme: string, h: typeof handler) => void (scheme === 'app' && (handler = h)) }
    handleAppProtocol(fake as unknown as Pick<Protocol, 'handle'>, root)
    const res = await handler!(new Request('app://convlab/assets/app.js'))
    expect(await res.text()).toBe('console.log(1)')
  })
})
