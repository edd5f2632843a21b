/**
 * The whole round trip in a real browser: `npm run web` (as a child process, with its own data
 * folder) serving the built renderer, Chromium driving it. `npm test` builds out/ first.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { BuildPage } from './support/build-page'
import { hasChromium, openWebSession, screenshot, type WebMode, type WebSession } from './support/web-app'

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
  let session: WebSession | undefined
  let shell: Shell
  let build: BuildPage
  let consoleErrors: string[]

  beforeAll(async () => {
    session = await openWebSession()
    ;({ web, errors: consoleErrors } = session)
    shell = new Shell(session.page)
    build = new BuildPage(session.page)
  })

  afterAll(() => session?.close())

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
    expect(consoleErrors).toEqual([])
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
    expect(consoleErrors).toEqual([])
  })

  it('stops cleanly on SIGTERM', async () => {
    expect(await web.stop()).toBe(0)
  })
})
