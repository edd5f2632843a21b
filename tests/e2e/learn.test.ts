/**
 * The Learn view in Chromium against web mode: stepping through a convolution, the toy CNN
 * trained and checked by hand, and a trained CNN's feature maps.
 */
import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { BuildPage } from './support/build-page'
import { FASHION_MNIST, SCREENSHOTS, hasChromium, pagePerTest, screenshot, type WebMode } from './support/web-app'

class LearnPage {
  constructor(readonly page: Page) {}
  input = () => this.page.getByTestId('conv-input-0')
  output = () => this.page.getByTestId('conv-output-0')
  next = () => this.page.getByTestId('conv-steps').getByTestId('step-next')
  position = () => this.page.getByTestId('conv-steps').getByTestId('step-position')
  sum = () => this.page.getByTestId('conv-sum')
  value = () => this.page.getByTestId('conv-output-value')
  formula = () => this.page.getByTestId('conv-formula')
  padding = () => this.page.getByTestId('conv-padding')

  /** [row, column] of every input cell drawn as inside the window. */
  async windowCells(): Promise<[number, number][]> {
    return this.input()
      .locator('.cell.window')
      .evaluateAll((cells) => cells.map((c) => [Number((c as HTMLElement).dataset.y), Number((c as HTMLElement).dataset.x)] as [number, number]))
  }

  async currentOutput(): Promise<{ y: number; x: number; text: string }> {
    const cell = this.output().locator('.cell.current')
    const [y, x] = await cell.evaluate((c) => [Number((c as HTMLElement).dataset.y), Number((c as HTMLElement).dataset.x)])
    return { y, x, text: (await cell.textContent())?.trim() ?? '' }
  }
}

/** The view scrolls inside the shell's main element, so a full-page shot shows only the top:
 * each section gets its own, light and dark. */
async function sectionShots(page: Page): Promise<void> {
  await mkdir(SCREENSHOTS, { recursive: true })
  // Tall enough that no section is cut by the shell's bars.
  await page.setViewportSize({ width: 1280, height: 2400 })
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme })
    for (const id of ['convolution', 'pooling', 'activation', 'parameters', 'receptive', 'toy', 'inside']) {
      const suffix = scheme === 'dark' ? '-dark' : ''
      await page.locator(`#learn-${id}`).screenshot({ path: join(SCREENSHOTS, `learn-${id}${suffix}.png`) })
    }
  }
  await page.emulateMedia({ colorScheme: 'light' })
  await page.setViewportSize({ width: 1280, height: 860 })
}

const square = (top: number, left: number, k = 3): [number, number][] =>
  Array.from({ length: k * k }, (_, i) => [top + Math.floor(i / k), left + (i % k)] as [number, number])

describe.skipIf(!hasChromium)('Learn view', () => {
  let web: WebMode
  let learn: LearnPage

  // What one test leaves on its page (a window stepped, a padding chosen) cannot change the next.
  pagePerTest(async (opened) => {
    web = opened.web
    learn = new LearnPage(opened.page)
    await learn.page.goto(`${web.url}/#/learn`)
  })

  it('steps through a convolution of the toy image: the window, the products and the output cell', async () => {
    await learn.input().waitFor()
    expect(await learn.position().textContent()).toBe('1 / 4')
    expect(await learn.windowCells()).toEqual(square(0, 0))
    // [[1,2,3],[2,3,4],[5,6,7]] under the X filter [[1,0,1],[0,1,0],[1,0,1]]: 1 + 3 + 3 + 5 + 7.
    expect(await learn.sum().textContent()).toBe('19')
    expect(await learn.currentOutput()).toEqual({ y: 0, x: 0, text: '19' })

    await learn.next().click()
    expect(await learn.position().textContent()).toBe('2 / 4')
    expect(await learn.windowCells()).toEqual(square(0, 1))
    expect(await learn.value().textContent()).toBe('24')
    expect(await learn.currentOutput()).toEqual({ y: 0, x: 1, text: '24' })

    // The stepper answers the keyboard.
    await learn.next().focus()
    await learn.page.keyboard.press('End')
    expect(await learn.position().textContent()).toBe('4 / 4')
    expect(await learn.windowCells()).toEqual(square(1, 1))
    expect(await learn.currentOutput()).toEqual({ y: 1, x: 1, text: '23' })

    // Editing an input cell under the window changes the output at once.
    await learn.input().locator('[data-y="2"][data-x="2"] input').fill('10')
    await learn.input().locator('[data-y="2"][data-x="2"] input').press('Tab')
    expect(await learn.value().textContent()).toBe('26')
    await learn.input().locator('[data-y="2"][data-x="2"] input').fill('7')
    await learn.input().locator('[data-y="2"][data-x="2"] input').press('Tab')
  })

  it('pads with zeros: 16 windows, the formula with the current numbers', async () => {
    await learn.input().waitFor()
    await learn.padding().selectOption('1')
    expect(await learn.position().textContent()).toBe('1 / 16')
    expect(await learn.formula().textContent()).toContain('floor((4 + 1 + 1 - 3) / 1) + 1 = 4')
    expect(await learn.input().locator('.cell.padded').count()).toBe(20)
    await learn.padding().selectOption('0')
    expect(await learn.formula().textContent()).toContain('floor((4 + 0 + 0 - 3) / 1) + 1 = 2')
  })

  it('trains the toy CNN and shows the forward pass by hand beside the engine, agreeing within VERIFY_TOLERANCE (1e-4)', async () => {
    const page = learn.page
    await page.getByTestId('toy-train').click()
    await expect.poll(() => page.getByTestId('toy-verdict').count(), { timeout: 180_000, interval: 1000 }).toBe(1)
    expect(await page.getByTestId('toy-verdict').textContent()).toMatch(/< 0\.0001\b/)
    expect(await page.getByTestId('toy-answer').textContent()).toMatch(/class 0.*label 0, correct/s)
    expect(await page.getByTestId('toy-params').locator('.cell').count()).toBe(9)
    expect(await page.getByTestId('toy-windows').locator('tbody tr').count()).toBe(4)
    expect(await page.getByTestId('toy-layers').locator('tbody tr').count()).toBe(5)
    await page.getByRole('tab', { name: 'Sample 2' }).click()
    expect(await page.getByTestId('toy-answer').textContent()).toMatch(/class 1.*label 1, correct/s)
  })

  it.skipIf(!existsSync(FASHION_MNIST))('draws the feature maps and first-layer filters of a trained CNN', async () => {
    const page = learn.page
    const started = await page.evaluate(async () => {
      const preset = ((await (await fetch('/api/model/presets', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' })).json()) as {
        result: { name: string; spec: unknown }[]
      }).result.find((p) => p.name === 'seed-cnn')!
      const res = await fetch('/api/train/start', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ model: preset.spec, data: { kind: 'fashion-mnist' }, config: { epochs: 1, limit: 200, batchSize: 32, seed: 2 } })
      })
      return ((await res.json()) as { result: { runId: string } }).result.runId
    })
    expect(started).toBeTruthy()
    await expect
      .poll(
        () =>
          page.evaluate(async (runId) => {
            const res = await fetch('/api/runs/get', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ runId }) })
            return ((await res.json()) as { result: { status: string } }).result.status
          }, started),
        { timeout: 180_000, interval: 1000 }
      )
      .toBe('completed')
    await page.reload()
    await page.getByTestId('inside-maps').waitFor({ timeout: 60_000 })
    // Input, filters, then Conv2d-1, MaxPool2d-2, Conv2d-4, MaxPool2d-5.
    expect(await page.getByTestId('inside-maps').locator('h4').allTextContents()).toEqual([
      expect.stringContaining('Input'),
      expect.stringContaining('First-layer filters'),
      expect.stringContaining('Conv2d-1'),
      expect.stringContaining('MaxPool2d-2'),
      expect.stringContaining('Conv2d-4'),
      expect.stringContaining('MaxPool2d-5')
    ])
    expect(await page.getByTestId('inside-maps').locator('canvas').count()).toBe(1 + 64 + 32 * 4)
    await page.getByTestId('toy-verdict').waitFor({ timeout: 60_000 })

    // Receptive fields follow the stack in Build.
    await page.getByTestId('nav-build').click()
    await new BuildPage(page).presetPicker().selectOption('seed-cnn')
    await page.getByTestId('nav-learn').click()
    await page.getByTestId('rf-drawing').waitFor()
    expect(await page.getByTestId('rf-drawing').getAttribute('aria-label')).toMatch(/MaxPool2d-5 sees rows \d+ to \d+/)

    await screenshot(page, 'learn', { dark: true })
    await sectionShots(page)
  })
})
