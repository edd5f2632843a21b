/**
 * The whole round trip in a real browser: `npm run web` (as a child process, with its own data
 * folder) serving the built renderer, Chromium driving it. `npm test` builds out/ first.
 */
import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { BuildPage } from './support/build-page'
import { dirname } from 'node:path'
import { hasChromium, pagePerTest, removeDir, screenshot, startWebMode, type WebMode } from './support/web-app'

/** The shell around every view: navigation, status bar, notices. */
class Shell {
  constructor(readonly page: Page) {}
  backendStatus = () => this.page.getByTestId('backend-status')
  datasetStatus = () => this.page.getByTestId('dataset-status')
  navLink = (view: string) => this.page.getByTestId(`nav-${view}`)
  notices = () => this.page.getByTestId('notices')
}

describe.skipIf(!hasChromium)('web mode in Chromium', () => {
  let web: WebMode
  let shell: Shell
  let build: BuildPage

  // Each page signed in through the printed address as a user's browser would be.
  pagePerTest((opened) => {
    web = opened.web
    shell = new Shell(opened.page)
    build = new BuildPage(opened.page)
  })

  it('shows the backend and dataset status, and each preset with its total parameter count', async () => {
    await shell.page.goto(web.url)
    await expect.poll(() => shell.page.url()).toMatch(/#\/build$/)
    await expect.poll(() => shell.backendStatus().textContent(), { timeout: 120_000 }).toMatch(/Backend: \S+/)
    await expect.poll(() => shell.datasetStatus().textContent()).toMatch(/Fashion-MNIST(: \/| not found)/)

    await build.presetPicker().selectOption('seed-cnn')
    await expect.poll(() => build.totalParams().textContent(), { timeout: 30_000 }).toBe('896,522')
    expect(await build.summaryText().textContent()).toContain('Conv2d-1')

    await build.presetPicker().selectOption('seed-toy')
    await expect.poll(() => build.totalParams().textContent(), { timeout: 30_000 }).toBe('12')

    await build.presetPicker().selectOption('seed-cnn')
    await expect.poll(() => build.totalParams().textContent()).toBe('896,522')
    expect(await shell.notices().count()).toBe(0)
  })

  it('navigates between the views with links, keeping the nav and status bars in the window', async () => {
    for (const view of ['data', 'train', 'runs', 'shift', 'study', 'predict', 'learn', 'build']) {
      await shell.navLink(view).click()
      await expect.poll(() => shell.page.url()).toMatch(new RegExp(`#/${view}$`))
      expect(await shell.navLink(view).getAttribute('aria-current')).toBe('page')
      expect(await shell.backendStatus().isVisible()).toBe(true)
      // Views scroll inside the shell; the window itself never does, or the bars scroll away.
      const overflow = await shell.page.evaluate(() => document.documentElement.scrollHeight - window.innerHeight)
      expect({ view, overflow }).toEqual({ view, overflow: 0 })
    }
    // Keyboard from a fresh page: skip link, brand, then the views in order.
    await shell.page.reload()
    await build.palette('conv2d').waitFor()
    const focused = async () => (await shell.page.locator(':focus').textContent())?.trim()
    await shell.page.keyboard.press('Tab')
    expect(await focused()).toBe('Skip to the view')
    await shell.page.keyboard.press('Tab')
    await shell.page.keyboard.press('Tab')
    expect(await shell.page.locator(':focus').getAttribute('data-testid')).toBe('nav-build')
    await screenshot(shell.page, 'web-home', { dark: true })
  })

  it('wants the printed token: the browser signed in through the printed URL, other callers are refused', async () => {
    expect(web.token).toMatch(/^[0-9a-f]{48}$/)
    // Signed in by openWebSession: the address bar no longer shows the token.
    expect(shell.page.url()).not.toContain('token')
    const call = (headers: Record<string, string>) =>
      fetch(`${web.url}/api/runs/list`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: '{}' })
    const refused = await call({})
    expect(refused.status).toBe(401)
    expect(await refused.json()).toMatchObject({ ok: false, error: { code: 'unauthorized' } })
    expect((await fetch(`${web.url}/api/events`)).status).toBe(401)
    expect((await call({ Authorization: `Bearer ${web.token}` })).status).toBe(200)
    const cookies = await shell.page.context().cookies()
    expect(cookies.find((c) => c.value === web.token)).toMatchObject({ httpOnly: true, sameSite: 'Strict' })
  })

  it('stops cleanly on SIGTERM', async () => {
    // Closed first: a page whose server has gone logs its failed requests, as it should.
    await shell.page.close()
    expect(await web.stop()).toBe(0)
  })
})

describe('web mode with --no-token', () => {
  it('warns that anyone on the machine can call it, prints the URL without a token and serves it', async () => {
    const open = await startWebMode(undefined, ['--no-token'])
    try {
      expect(open.token).toBeUndefined()
      await expect.poll(() => open.output()).toMatch(/Warning: --no-token: any program or user on this machine/)
      const res = await fetch(`${open.url}/api/runs/list`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' })
      expect(res.status).toBe(200)
    } finally {
      await open.stop()
      await removeDir(dirname(open.dataDir))
    }
  })
})
