/**
 * The whole round trip in a real browser: `npm run web` (as a child process, with its own data
 * folder) serving the built renderer, Chromium driving it. `npm test` builds out/ first.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chromium, type Browser, type Page } from 'playwright-core'

const CHROMIUM = '/usr/bin/chromium'
const ROOT = resolve(__dirname, '../..')
const SCREENSHOTS = join(ROOT, 'test-results/screenshots')
const hasChromium = existsSync(CHROMIUM)

if (!hasChromium) {
  console.warn(`Skipping the web end-to-end test: ${CHROMIUM} is missing (apt-get install chromium).`)
}

/** The home page as the test sees it, so a layout change is fixed in one place. */
class HomePage {
  constructor(readonly page: Page) {}
  backendLine = () => this.page.getByTestId('backend-line')
  presetPicker = () => this.page.getByTestId('preset-picker')
  totalParams = () => this.page.getByTestId('total-params')
  summaryText = () => this.page.getByTestId('summary-text')
  notices = () => this.page.getByTestId('notices')
}

function startWebMode(dataDir: string): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src-main/web/main.ts', '--port', '0', '--data-dir', dataDir], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, FORCE_COLOR: '0' }
  })
  let output = ''
  return new Promise((resolveStart, reject) => {
    const timer = setTimeout(() => reject(new Error(`web mode did not print its URL within 120 s:\n${output}`)), 120_000)
    const onData = (chunk: Buffer): void => {
      output += chunk.toString()
      const match = /^ConvLab web mode: (http:\/\/127\.0\.0\.1:\d+)$/m.exec(output)
      if (match) {
        clearTimeout(timer)
        resolveStart({ child, url: match[1], output: () => output })
      }
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', onData)
    child.on('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`web mode exited with ${code} before serving:\n${output}`))
    })
  })
}

describe.skipIf(!hasChromium)('web mode in Chromium', () => {
  let tmp: string
  let web: Awaited<ReturnType<typeof startWebMode>>
  let browser: Browser
  let home: HomePage
  const consoleErrors: string[] = []

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'convlab-e2e-'))
    web = await startWebMode(join(tmp, 'data'))
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-dev-shm-usage'
      ]
    })
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } })
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(`${m.text()} (${m.location().url})`)
    })
    page.on('pageerror', (e) => consoleErrors.push(e.message))
    home = new HomePage(page)
  })

  afterAll(async () => {
    await browser?.close()
    if (web?.child.exitCode === null) {
      const exited = new Promise((r) => web.child.once('exit', r))
      web.child.kill('SIGTERM')
      await exited
    }
    if (tmp) await rm(tmp, { recursive: true, force: true })
  })

  it('shows the backend, and each preset with its total parameter count', async () => {
    await home.page.goto(web.url)
    await expect.poll(() => home.backendLine().textContent(), { timeout: 120_000 }).toMatch(/Backend: \S+/)

    await home.presetPicker().selectOption('seed-cnn')
    await expect.poll(() => home.totalParams().textContent(), { timeout: 30_000 }).toBe('Total params: 896,522')
    expect(await home.summaryText().textContent()).toContain('Conv2d-1')

    await home.presetPicker().selectOption('seed-toy')
    await expect.poll(() => home.totalParams().textContent(), { timeout: 30_000 }).toBe('Total params: 12')

    await home.presetPicker().selectOption('seed-cnn')
    await expect.poll(() => home.totalParams().textContent()).toBe('Total params: 896,522')
    expect(await home.notices().count()).toBe(0)
    expect(consoleErrors).toEqual([])

    await mkdir(SCREENSHOTS, { recursive: true })
    await home.page.screenshot({ path: join(SCREENSHOTS, 'web-home.png'), fullPage: true })
    await home.page.emulateMedia({ colorScheme: 'dark' })
    await home.page.screenshot({ path: join(SCREENSHOTS, 'web-home-dark.png'), fullPage: true })
  })

  it('stops cleanly on SIGTERM', async () => {
    const exited = new Promise<number | null>((r) => web.child.once('exit', (code) => r(code)))
    web.child.kill('SIGTERM')
    expect(await exited).toBe(0)
  })
})
