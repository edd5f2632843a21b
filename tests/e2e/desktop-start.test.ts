/**
 * `npm start` as a user on a fresh clone runs it: Electron's binary is not there yet.
 * - Through a mirror (ELECTRON_MIRROR on 127.0.0.1, serving a stand-in Electron zip and its
 *   SHASUMS256.txt), the electron package's own install.js fetches it, and the stand-in is
 *   launched with the app folder and the user's arguments.
 * - When the fetch fails, the app opens in a Chromium app window (a real one, on Xvfb), and web
 *   mode stops when that window is closed.
 * Each case runs in a copy of the app's top level with its own fresh node_modules/electron, so the
 * repository's own install is never touched.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { createHash } from 'node:crypto'
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CHROMIUM, hasChromium, ROOT, SCREENSHOTS } from './support/web-app'

const ELECTRON_VERSION = (JSON.parse(readFileSync(join(ROOT, 'node_modules/electron/package.json'), 'utf8')) as { version: string }).version
const ZIP_NAME = `electron-v${ELECTRON_VERSION}-linux-${process.arch}.zip`
const hasXvfb = existsSync('/usr/bin/xvfb-run')
if (!hasXvfb) console.warn('Skipping the browser-window start test: xvfb-run is missing (apt-get install xvfb xauth).')

const work = mkdtempSync(join(tmpdir(), 'convlab-start-'))
let mirror: Server
let mirrorUrl = ''
const requested: string[] = []

/** A stand-in Electron: a shell script that records the arguments it was launched with. */
function standInZip(): Buffer {
  const zipPath = join(work, ZIP_NAME)
  const script = '#!/bin/sh\nprintf "%s\\n" "$@" > "$CONVLAB_STAND_IN_ARGV"\n'
  execFileSync('python3', [
    '-c',
    'import sys, zipfile\n' +
      'z = zipfile.ZipFile(sys.argv[1], "w")\n' +
      'i = zipfile.ZipInfo("electron"); i.external_attr = 0o100755 << 16\n' +
      'z.writestr(i, sys.argv[2]); z.writestr("version", sys.argv[3]); z.close()',
    zipPath,
    script,
    ELECTRON_VERSION
  ])
  return readFileSync(zipPath)
}

/** The app's top level, sharing the repository's files, with a fresh copy of the electron package. */
function appCopy(name: string): string {
  const root = join(work, name)
  mkdirSync(join(root, 'node_modules'), { recursive: true })
  cpSync(join(ROOT, 'scripts'), join(root, 'scripts'), { recursive: true })
  cpSync(join(ROOT, 'package.json'), join(root, 'package.json'))
  for (const entry of ['out', 'src-main', 'src-renderer', 'resources', 'electron.vite.config.ts']) {
    symlinkSync(join(ROOT, entry), join(root, entry))
  }
  for (const entry of readdirSync(join(ROOT, 'node_modules'))) {
    if (entry !== 'electron') symlinkSync(join(ROOT, 'node_modules', entry), join(root, 'node_modules', entry))
  }
  cpSync(join(ROOT, 'node_modules/electron'), join(root, 'node_modules/electron'), {
    recursive: true,
    filter: (src) => !src.includes(`${join('electron', 'dist')}`) && !src.endsWith('path.txt')
  })
  return root
}

interface Started {
  child: ChildProcess
  output: () => string
  exit: Promise<number | null>
}

function start(command: string[], env: NodeJS.ProcessEnv): Started {
  let output = ''
  // A process group of its own, so a failed test can end everything it started (xvfb-run's Xvfb,
  // start.mts, its web server and the browser), not only the first process, which would leave the
  // web server holding its port for the tests after it.
  const child = spawn(command[0], command.slice(1), { env: { ...process.env, FORCE_COLOR: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()))
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()))
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  return { child, output: () => output, exit }
}

function stopGroup(child: ChildProcess): void {
  if (child.pid === undefined) return
  try {
    process.kill(-child.pid, 'SIGTERM')
  } catch {
    // The group has ended already.
  }
}

/**
 * Chromium writes DevToolsActivePort as it starts its DevTools server, and a connect made in that
 * moment was seen to hang until it timed out (Chromium 156 under xvfb): connect once the server
 * answers /json/version, and try again if a connect still times out.
 */
async function connectWhenReady(endpoint: string): Promise<Browser> {
  for (let attempt = 1; ; attempt++) {
    const answered = await fetch(`${endpoint}/json/version`).then((r) => r.ok, () => false)
    if (answered) {
      try {
        return await chromium.connectOverCDP(endpoint, { timeout: 15_000 })
      } catch (err) {
        if (attempt >= 4) throw err
      }
    } else if (attempt >= 100) {
      throw new Error(`Chromium's DevTools server at ${endpoint} never answered`)
    }
    await new Promise((r) => setTimeout(r, 200))
  }
}

async function waitFor<T>(probe: () => T | undefined, what: string, output: () => string, ms = 120_000): Promise<T> {
  const until = Date.now() + ms
  for (;;) {
    const value = probe()
    if (value !== undefined) return value
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}; output so far:\n${output()}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

beforeAll(async () => {
  const zip = standInZip()
  const sums = `${createHash('sha256').update(zip).digest('hex')} *${ZIP_NAME}\n`
  mirror = createServer((req, res) => {
    requested.push(req.url ?? '')
    if (req.url === `/v${ELECTRON_VERSION}/${ZIP_NAME}`) {
      res.writeHead(200, { 'Content-Type': 'application/zip', 'Content-Length': zip.length }).end(zip)
    } else if (req.url === `/v${ELECTRON_VERSION}/SHASUMS256.txt`) {
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end(sums)
    } else {
      res.writeHead(404).end('not on this mirror')
    }
  })
  await new Promise<void>((resolve) => mirror.listen(0, '127.0.0.1', resolve))
  mirrorUrl = `http://127.0.0.1:${(mirror.address() as AddressInfo).port}/`
})

afterAll(async () => {
  await new Promise<void>((resolve) => mirror?.close(() => resolve()))
  rmSync(work, { recursive: true, force: true })
})

describe('npm start on a fresh install', () => {
  it("fetches Electron through ELECTRON_MIRROR with the package's own installer, then launches it with the app's arguments", async () => {
    const root = appCopy('mirror')
    const argvFile = join(work, 'argv.txt')
    const env = {
      ELECTRON_MIRROR: mirrorUrl,
      electron_use_remote_checksums: '1',
      electron_config_cache: join(work, 'electron-cache'),
      CONVLAB_STAND_IN_ARGV: argvFile
    }
    const first = start([process.execPath, join(root, 'scripts/start.mts'), '--lang', 'zh-CN'], env)
    expect(await first.exit).toBe(0)
    expect(first.output()).toContain(`Fetching Electron ${ELECTRON_VERSION} from ${mirrorUrl}`)
    // The zip, then the checksums it is verified against (electron_use_remote_checksums).
    expect(requested).toEqual([`/v${ELECTRON_VERSION}/${ZIP_NAME}`, `/v${ELECTRON_VERSION}/SHASUMS256.txt`])
    expect(readFileSync(join(root, 'node_modules/electron/path.txt'), 'utf8')).toBe('electron')
    expect(readFileSync(argvFile, 'utf8').split('\n').filter(Boolean)).toEqual([root, '--lang', 'zh-CN'])

    // The binary is kept: a second start launches it without asking the mirror again.
    const asked = requested.length
    rmSync(argvFile)
    const second = start([process.execPath, join(root, 'scripts/start.mts')], env)
    expect(await second.exit).toBe(0)
    expect(second.output()).not.toContain('Fetching Electron')
    expect(requested.length).toBe(asked)
    expect(readFileSync(argvFile, 'utf8').split('\n').filter(Boolean)).toEqual([root])
  })

  it.skipIf(!hasChromium || !hasXvfb)('says in one line why Electron could not be had, opens a Chromium app window, and stops web mode when it closes', async () => {
    const root = appCopy('offline')
    const home = join(work, 'home')
    // The browser users have, first on PATH, with the switches this sandbox needs and a DevTools
    // port so the test can see and close the window.
    const bin = join(work, 'bin')
    mkdirSync(bin, { recursive: true })
    writeFileSync(
      join(bin, 'chromium'),
      `#!/bin/sh\nexec ${CHROMIUM} --disable-gpu --disable-background-networking --disable-component-update --disable-sync --disable-dev-shm-usage --remote-debugging-port=0 "$@"\n`
    )
    chmodSync(join(bin, 'chromium'), 0o755)
    const env = {
      ELECTRON_MIRROR: `${mirrorUrl}missing/`,
      electron_use_remote_checksums: '1',
      electron_config_cache: join(work, 'electron-cache-offline'),
      CONVLAB_HOME: home,
      PATH: `${bin}:${process.env.PATH ?? ''}`
    }
    const started = start(['xvfb-run', '-a', '-s', '-screen 0 1280x860x24', process.execPath, join(root, 'scripts/start.mts')], env)
    try {
      const url = await waitFor(() => /^ConvLab web mode: (\S+)$/m.exec(started.output())?.[1], 'the web mode URL', started.output)
      const reason = started.output().split('\n').filter((l) => l.startsWith('ConvLab cannot start Electron:'))
      expect(reason).toHaveLength(1)
      expect(reason[0]).toMatch(/fetching it failed: .*404/)
      expect(started.output()).toContain(`Opening ConvLab in ${join(bin, 'chromium')} (app window)`)

      const portFile = join(home, 'browser-profile', 'DevToolsActivePort')
      const port = await waitFor(() => (existsSync(portFile) ? readFileSync(portFile, 'utf8').split('\n')[0] || undefined : undefined), 'DevToolsActivePort', started.output)
      const browser = await connectWhenReady(`http://127.0.0.1:${port}`)
      const page = await waitFor(() => browser.contexts().flatMap((c) => c.pages()).find((p) => p.url().startsWith(url.split('?')[0])), 'the app window', started.output)
      await page.getByRole('navigation').waitFor()
      await page.getByText('ConvLab').first().waitFor()
      mkdirSync(SCREENSHOTS, { recursive: true })
      await page.screenshot({ path: join(SCREENSHOTS, 'start-browser-app-window.png') })

      await page.close()
      expect(await started.exit).toBe(0)
      expect(started.output()).toMatch(/SIGTERM: shutting down/)
      await expect(fetch(url)).rejects.toThrow()
      await browser.close().catch(() => undefined)
    } finally {
      stopGroup(started.child)
    }
  })
})
