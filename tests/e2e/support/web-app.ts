/**
 * What every browser test needs: ConvLab in web mode as a child process with its own data folder
 * (`npm test` builds out/ first), and Debian's Chromium driven by playwright-core.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest'

export const CHROMIUM = '/usr/bin/chromium'
export const ROOT = resolve(__dirname, '../../..')
export const SCREENSHOTS = join(ROOT, 'test-results/screenshots')
export const hasChromium = existsSync(CHROMIUM)
export const FASHION_MNIST = '/usr/share/datasets/fashion-mnist'

if (!hasChromium) {
  console.warn(`Skipping browser tests: ${CHROMIUM} is missing (apt-get install chromium).`)
}

export interface WebMode {
  child: ChildProcess
  /** The address without the token: pages opened after `signIn` need nothing more. */
  url: string
  /** This start's token, from the printed line `ConvLab web mode: <url>/?token=<token>`; none with --no-token. */
  token?: string
  /** The printed address: opening it once gives a browser its cookie. */
  signInUrl: string
  dataDir: string
  output(): string
  stop(): Promise<number | null>
}

/** Starts `src-main/web/main.ts` on a free port and resolves once it prints its URL. */
export async function startWebMode(dataDir?: string, extraArgs: string[] = []): Promise<WebMode> {
  const dir = dataDir ?? join(await mkdtemp(join(tmpdir(), 'convlab-e2e-')), 'data')
  // --data-dir must exist: web mode refuses to create one, as an unmounted drive would be.
  await mkdir(dir, { recursive: true })
  const child = spawn(process.execPath, ['--import', 'tsx', 'src-main/web/main.ts', '--port', '0', '--data-dir', dir, ...extraArgs], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, FORCE_COLOR: '0' }
  })
  let output = ''
  const stop = async (): Promise<number | null> => {
    if (child.exitCode !== null) return child.exitCode
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)))
    child.kill('SIGTERM')
    return exited
  }
  return new Promise((resolveStart, reject) => {
    const timer = setTimeout(() => reject(new Error(`web mode did not print its URL within 120 s:\n${output}`)), 120_000)
    const onData = (chunk: Buffer): void => {
      output += chunk.toString()
      const match = /^ConvLab web mode: ((http:\/\/127\.0\.0\.1:\d+)(?:\/\?token=([0-9a-f]+))?)$/m.exec(output)
      if (match) {
        clearTimeout(timer)
        resolveStart({ child, url: match[2], token: match[3], signInUrl: match[1], dataDir: dir, output: () => output, stop })
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

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
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
}

/** A page and the console errors and uncaught exceptions it has logged so far. */
export type OpenedPage = { page: Page; errors: string[] }

/**
 * A page that records console errors and uncaught exceptions, so tests can assert none. Its
 * language is English unless `locale` says otherwise, whatever the machine's, so tests that read
 * English words read them everywhere.
 */
export async function openPage(browser: Browser, width = 1280, height = 860, locale = 'en-US'): Promise<OpenedPage> {
  const page = await browser.newPage({ viewport: { width, height }, locale })
  const errors: string[] = []
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`${m.text()} (${m.location().url})`)
  })
  page.on('pageerror', (e) => errors.push(e.message))
  return { page, errors }
}

/** Saves a full-page screenshot under test-results/screenshots, in light and optionally dark. */
export async function screenshot(page: Page, name: string, opts: { dark?: boolean } = {}): Promise<void> {
  await mkdir(SCREENSHOTS, { recursive: true })
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true })
  if (opts.dark) {
    await page.emulateMedia({ colorScheme: 'dark' })
    await page.screenshot({ path: join(SCREENSHOTS, `${name}-dark.png`), fullPage: true })
    await page.emulateMedia({ colorScheme: 'light' })
  }
}

export async function removeDir(dir: string | undefined): Promise<void> {
  if (dir) await rm(dir, { recursive: true, force: true })
}

export interface WebSession {
  web: WebMode
  page: Page
  /** Console errors and uncaught exceptions of the page. */
  errors: string[]
  /**
   * Another signed-in page in a context of its own (no storage shared with the others), so a test
   * that leaves its page broken or mid-navigation cannot take the next test down with it.
   */
  newPage(): Promise<OpenedPage>
  /** Closes the browser, stops web mode and removes the temporary folder around its data. */
  close(): Promise<void>
}

/** Web mode (with `dataDir`, or a fresh temporary one) and one Chromium page on it. */
export async function openWebSession(options: { dataDir?: string; width?: number; height?: number; locale?: string } = {}): Promise<WebSession> {
  const web = await startWebMode(options.dataDir)
  const stopWeb = async (): Promise<void> => {
    await web.stop()
    await removeDir(dirname(web.dataDir))
  }
  try {
    const browser = await launchChromium()
    const newPage = async (): Promise<OpenedPage> => {
      const opened = await openPage(browser, options.width, options.height, options.locale)
      // As a user opening the printed address: the server sets the cookie every later page needs.
      await opened.page.goto(web.signInUrl)
      return opened
    }
    const { page, errors } = await newPage()
    return { web, page, errors, newPage, close: async () => {
      await browser.close()
      await stopWeb()
    } }
  } catch (err) {
    await stopWeb()
    throw err
  }
}

type SessionOptions = Omit<NonNullable<Parameters<typeof openWebSession>[0]>, 'dataDir'> & {
  /** Fills a fresh data folder first (runs trained beforehand); the session removes it with the rest. */
  prepare?: (dataDir: string) => Promise<void>
}

async function sessionFor(options: SessionOptions): Promise<WebSession> {
  const { prepare, ...rest } = options
  if (!prepare) return openWebSession(rest)
  const dataDir = join(await mkdtemp(join(tmpdir(), 'convlab-e2e-')), 'data')
  await prepare(dataDir)
  return openWebSession({ ...rest, dataDir })
}

/**
 * Web mode for a describe block, and a fresh signed-in page per test, handed to `onPage` with the
 * web mode it is on: what one test leaves on its page, or a failure mid-way, cannot take the next
 * down. Data on disk carries on from test to test. After each test the page must have logged no
 * console error or uncaught exception (`afterTest` may check more first); it is closed either way.
 */
export function pagePerTest(
  onPage: (opened: OpenedPage & { web: WebMode }) => unknown,
  options: SessionOptions & { afterTest?: (page: Page) => Promise<void> } = {}
): void {
  const { afterTest, ...sessionOptions } = options
  let session: WebSession | undefined
  let current: OpenedPage | undefined
  beforeAll(async () => {
    session = await sessionFor(sessionOptions)
  })
  beforeEach(async () => {
    current = await session!.newPage()
    await onPage({ ...current, web: session!.web })
  })
  afterEach(async () => {
    if (!current) return
    const { page, errors } = current
    current = undefined
    try {
      await afterTest?.(page)
      expect(errors).toEqual([])
    } finally {
      await page.close()
    }
  })
  afterAll(() => session?.close())
}

/** Web mode and one page for a describe block whose tests go on, in order, from where the last left the page. */
export function onePageInOrder(onOpen: (session: WebSession) => void, options: SessionOptions = {}): void {
  let session: WebSession | undefined
  beforeAll(async () => {
    session = await sessionFor(options)
    onOpen(session)
  })
  afterAll(() => session?.close())
}
