/**
 * The whole round trip in a real browser: `npm run web` (as a child process, with its own data
 * folder) serving the built renderer, Chromium driving it. `npm test` builds out/ first.
 */
import { dirname } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { hasChromium, launchChromium, openPage, removeDir, screenshot, startWebMode, type WebMode } from './support/web-app'

/** The home page as the test sees it, so a layout change is fixed in one place. */
class HomePage {
  constructor(readonly page: Page) {}
  backendLine = () => this.page.getByTestId('backend-line')
  presetPicker = () => this.page.getByTestId('preset-picker')
  totalParams = () => this.page.getByTestId('total-params')
  summaryText = () => this.page.getByTestId('summary-text')
  notices = () => this.page.getByTestId('notices')
}

describe.skipIf(!hasChromium)('web mode in Chromium', () => {
  let web: WebMode
  let browser: Browser
  let home: HomePage
  let consoleErrors: string[]

  beforeAll(async () => {
    web = await startWebMode()
    browser = await launchChromium()
    const opened = await openPage(browser, 1100, 900)
    consoleErrors = opened.errors
    home = new HomePage(opened.page)
  })

  afterAll(async () => {
    await browser?.close()
    await web?.stop()
    await removeDir(web && dirname(web.dataDir))
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

    await screenshot(home.page, 'web-home', { dark: true })
  })

  it('stops cleanly on SIGTERM', async () => {
    expect(await web.stop()).toBe(0)
  })
})
