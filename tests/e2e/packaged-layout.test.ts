/**
 * The installers' layout, without Electron's real binary (it cannot be downloaded here):
 * `npm run dist -- --linux dir --electron-dist STAND_IN` packs the app around a stand-in Electron
 * folder, exactly as electron-builder packs it around the real one. The asar is then listed, and
 * the engine is started with Node from the unpacked files, where the packaged app's
 * utilityProcess starts it, in a folder outside this repository so nothing resolves from the
 * repository's own node_modules.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { listPackage } from '@electron/asar'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EngineClient } from '../../src-main/engine/process/client'
import { nodeEngineHostFactory } from '../../src-main/engine/process/node-host'
import { toyTrainRequest } from '../fixtures/engine/toy-run'

const ROOT = resolve(__dirname, '../..')
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> }
const dir = mkdtempSync(join(tmpdir(), 'convlab-dist-'))
const appDir = join(dir, 'release', 'linux-unpacked')
const resources = join(appDir, 'resources')
const unpacked = join(resources, 'app.asar.unpacked')
let listing: string[] = []

function sizeOf(path: string): number {
  const info = statSync(path)
  if (!info.isDirectory()) return info.size
  return readdirSync(path).reduce((sum, entry) => sum + sizeOf(join(path, entry)), 0)
}

beforeAll(() => {
  const standIn = join(dir, 'electron-stand-in')
  mkdirSync(join(standIn, 'resources'), { recursive: true })
  writeFileSync(join(standIn, 'electron'), '#!/bin/sh\necho "stand-in Electron $*"\n')
  chmodSync(join(standIn, 'electron'), 0o755)
  writeFileSync(join(standIn, 'version'), '45.5.0')
  writeFileSync(join(standIn, 'LICENSE'), 'stand-in')
  const result = spawnSync(
    process.execPath,
    ['scripts/dist.mts', '--linux', 'dir', '--electron-dist', standIn, `-c.directories.output=${join(dir, 'release')}`],
    { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CI: 'true' } }
  )
  if (result.status !== 0) throw new Error(`npm run dist failed (${result.status}):\n${result.stdout}\n${result.stderr}`)
  listing = listPackage(join(resources, 'app.asar'), { isPack: false })
}, 300_000)

afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('the packaged app (linux dir, stand-in Electron)', () => {
  it('has the renderer, main, preload and engine in app.asar, the engine unpacked beside it', () => {
    for (const file of ['/package.json', '/out/main/index.js', '/out/main/engine.js', '/out/preload/index.js', '/out/renderer/index.html']) {
      expect(listing).toContain(file)
    }
    expect(listing.some((f) => /^\/out\/renderer\/assets\/index-.*\.js$/.test(f))).toBe(true)
    expect(existsSync(join(unpacked, 'out', 'main', 'engine.js'))).toBe(true)
    expect(existsSync(join(appDir, 'convlab'))).toBe(true)
  })

  it('unpacks the wasm backend, sharp and libvips', () => {
    const wasmDist = join(unpacked, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist')
    expect(readdirSync(wasmDist).filter((f) => f.endsWith('.wasm')).sort()).toEqual([
      'tfjs-backend-wasm-simd.wasm',
      'tfjs-backend-wasm-threaded-simd.wasm',
      'tfjs-backend-wasm.wasm'
    ])
    expect(existsSync(join(unpacked, 'node_modules', 'sharp', 'package.json'))).toBe(true)
    const libvips = join(unpacked, 'node_modules', '@img', `sharp-libvips-linux-${process.arch}`, 'lib')
    expect(readdirSync(libvips).some((f) => f.startsWith('libvips-cpp.so'))).toBe(true)
    expect(readdirSync(join(unpacked, 'node_modules', '@img', `sharp-linux-${process.arch}`, 'lib')).some((f) => f.endsWith('.node'))).toBe(true)
  })

  it('holds no devDependency, no type package and no source maps', () => {
    const inside = (name: string): boolean =>
      listing.some((f) => f.startsWith(`/node_modules/${name}/`)) || existsSync(join(unpacked, 'node_modules', ...name.split('/')))
    const found = Object.keys(pkg.devDependencies).filter(inside)
    expect(found).toEqual([])
    for (const name of ['tsx', 'vitest', 'playwright-core', 'typescript', 'electron', 'electron-builder', 'vue', '@types/node']) {
      expect(inside(name), name).toBe(false)
    }
    expect(listing.filter((f) => f.endsWith('.map') || f.endsWith('.d.ts'))).toEqual([])
    expect(listing.some((f) => f.startsWith('/src-main/') || f.startsWith('/tests/'))).toBe(false)
    const installed = sizeOf(appDir)
    console.log(`Installed size without Electron's own files: ${(installed / 1e6).toFixed(1)} MB (app.asar ${(statSync(join(resources, 'app.asar')).size / 1e6).toFixed(1)} MB)`)
  })

  it('starts the engine with Node from the unpacked files, on the wasm backend, and trains the toy net', async () => {
    const client = new EngineClient({
      host: nodeEngineHostFactory({ entry: join(unpacked, 'out', 'main', 'engine.js'), env: { ...process.env, CONVLAB_BACKEND: '' } }),
      timeoutMs: 120_000
    })
    try {
      const report = await client.request('backends/report', {})
      expect(report.chosen).toBe('wasm')
      const saveDir = join(dir, 'toy-run')
      const result = await client.request('train/run', toyTrainRequest(saveDir, 20))
      expect(result.status).toBe('completed')
      expect(result.backend).toBe('wasm')
      expect((await client.request('model/evaluate', { model: { dir: saveDir }, data: { kind: 'toy' } })).count).toBe(2)
    } finally {
      client.dispose()
    }
  })

  it('loads sharp from the unpacked files and decodes an image with it', () => {
    const out = execFileSync(
      process.execPath,
      ['-e', "require(process.argv[1])({create:{width:3,height:2,channels:3,background:'#808080'}}).png().toBuffer().then(b=>require(process.argv[1])(b).metadata()).then(m=>console.log(m.format, m.width, m.height))", join(unpacked, 'node_modules', 'sharp')],
      { cwd: dir, encoding: 'utf8' }
    )
    expect(out.trim()).toBe('png 3 2')
  })
})
