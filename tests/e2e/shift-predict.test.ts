/**
 * The tutorial's two visual experiments in a real browser: the shift heatmap for image 24150 with
 * an MLP and a CNN side by side, and images dropped onto the window for a prediction. Runs are
 * trained beforehand with the CLI straight into web mode's data folder, as a user's would be.
 */
// The page.evaluate callbacks run in Chromium and use its DOM types.
/// <reference lib="dom" />
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { trainedRuns } from './support/cli'
import { dropFiles, type DroppedFile } from './support/drop'
import { FASHION_MNIST, SCREENSHOTS, hasChromium, pagePerTest, screenshot, type WebMode } from './support/web-app'



/** A dark long-sleeved pullover on white paper, as a phone photo of a drawing would be. */
async function pulloverPng(): Promise<Buffer> {
  const side = 96
  const raw = Buffer.alloc(side * side, 245)
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const body = x >= 32 && x < 64 && y >= 16 && y < 86
      // Sleeves hang from the shoulders and flare outwards towards the cuffs.
      const reach = 10 + Math.floor((y - 16) / 5)
      const sleeves = y >= 16 && y < 80 && ((x >= 32 - reach && x < 32 - reach + 12) || (x >= 64 + reach - 12 && x < 64 + reach))
      if (body || sleeves) raw[y * side + x] = 55
    }
  }
  return sharp(raw, { raw: { width: side, height: side, channels: 1 } }).png().toBuffer()
}

class ShiftPage {
  constructor(readonly page: Page) {}
  open = (url: string) => this.page.goto(`${url}/#/shift`)
  panel = (slot: number) => this.page.getByTestId(`shift-panel-${slot}`)
  rows = (slot: number) => this.panel(slot).getByTestId('heatmap-row')
  cells = (slot: number) => this.panel(slot).getByTestId('heatmap-cell')
  compare = () => this.page.getByTestId('compare-mlp-cnn')

  /** Full-precision probabilities per row, read from the cells' data attributes. */
  async matrix(slot: number): Promise<{ shift: number; values: number[] }[]> {
    return this.rows(slot).evaluateAll((rows) =>
      rows.map((row) => ({
        shift: Number(row.getAttribute('data-shift')),
        values: Array.from(row.querySelectorAll('[data-testid="heatmap-cell"]'), (c) => Number(c.getAttribute('data-p')))
      }))
    )
  }

  rowLabels = (slot: number) => this.panel(slot).locator('th[scope="row"]').allTextContents()
}

class PredictPage {
  constructor(readonly page: Page) {}
  open = (url: string) => this.page.goto(`${url}/#/predict`)
  cards = () => this.page.getByTestId('predict-card')
  card = (name: string) => this.cards().filter({ hasText: name })

  drop = (selector: string, files: DroppedFile[]) => dropFiles(this.page, selector, files)
}

describe.skipIf(!hasChromium || !existsSync(FASHION_MNIST))('shift heatmap and predict in Chromium', () => {
  let web: WebMode
  let page: Page

  // Each test sets up the view it needs, so one failing cannot leave the next mid-way.
  const common = ['--data', 'fashion-mnist', '--seed', '1']
  // Subsets small enough for ~30 s on two cores, large enough for a heatmap worth looking at.
  const prepare = trainedRuns({
    'mlp-e2e': ['--model', 'seed-mlp', ...common, '--limit', '10000', '--epochs', '2'],
    'cnn-e2e': ['--model', 'seed-cnn', ...common, '--limit', '3000', '--epochs', '1']
  })
  pagePerTest((opened) => ({ page, web } = opened), { prepare })

  it('draws the 11 x 10 heatmap for image 24150, each row summing to 1', async () => {
    const shift = new ShiftPage(page)
    await shift.open(web.url)
    await expect.poll(() => shift.cells(0).count(), { timeout: 120_000 }).toBe(110)
    expect(await shift.rowLabels(0)).toEqual([-5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5].map((s) => `${s} pixels`))
    const matrix = await shift.matrix(0)
    expect(matrix.map((r) => r.shift)).toEqual([-5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5])
    for (const row of matrix) {
      expect(row.values).toHaveLength(10)
      expect(Math.abs(row.values.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(0.01)
    }
    // The two-decimal annotation is the same number.
    const first = shift.cells(0).first()
    expect(await first.textContent()).toContain(Number(await first.getAttribute('data-p')).toFixed(2))
    expect(await shift.panel(0).getByText('Probability of each class for various translations').count()).toBe(1)
    expect(await shift.panel(0).locator('td.predicted').count()).toBe(11)
    expect(await shift.panel(0).getByTestId('true-label').textContent()).toMatch(/True label: \S/)
  })

  it('puts the MLP and the CNN side by side with one click', async () => {
    const shift = new ShiftPage(page)
    await shift.open(web.url)
    await expect.poll(() => shift.cells(0).count(), { timeout: 120_000 }).toBe(110)
    await shift.compare().click()
    await expect.poll(() => shift.cells(1).count(), { timeout: 120_000 }).toBe(110)
    await expect.poll(() => shift.panel(0).textContent()).toContain('seed-mlp')
    expect(await shift.panel(1).textContent()).toContain('seed-cnn')
    for (const row of await shift.matrix(1)) expect(Math.abs(row.values.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(0.01)
    expect(await page.getByTestId('compare-help').count()).toBe(0)

    const [csv] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-csv').click()])
    expect(csv.suggestedFilename()).toMatch(/^shift-train-24150-.*\.csv$/)
    const lines = (await readFile(await csv.path(), 'utf8')).trimEnd().split('\n')
    expect(lines[0]).toMatch(/^run,shift,T-shirt\/top,Trouser,Pullover,.*Ankle boot,predicted,label$/)
    expect(lines).toHaveLength(1 + 2 * 11)
    const [png] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-png').click()])
    const meta = await sharp(await readFile(await png.path())).metadata()
    expect(meta.format).toBe('png')
    expect(meta.width).toBeGreaterThan(meta.height!)

    await screenshot(page, 'shift', { dark: true })
    // The view scrolls inside the shell, so the page shot stops at the fold; this one shows it all.
    await page.getByTestId('shift-heatmaps').screenshot({ path: join(SCREENSHOTS, 'shift-heatmaps.png') })
  })

  it("shifts a dropped image instead of the dataset's, and names a file that is not one", async () => {
    const shift = new ShiftPage(page)
    const drops = new PredictPage(page)
    await shift.open(web.url)
    await expect.poll(() => shift.cells(0).count(), { timeout: 120_000 }).toBe(110)
    await shift.compare().click()
    await expect.poll(() => shift.cells(1).count(), { timeout: 120_000 }).toBe(110)
    await drops.drop('[data-testid="shift-drop"]', [{ name: 'notes.txt', type: 'text/plain', bytes: Buffer.from('not a picture') }])
    await expect.poll(() => page.getByTestId('shift-image-error').textContent()).toMatch(/^notes\.txt is not a supported image/)
    await drops.drop('[data-testid="shift-drop"]', [{ name: 'pullover.png', type: 'image/png', bytes: await pulloverPng() }])
    await expect.poll(() => page.getByTestId('shift-drop').textContent()).toContain('pullover.png')
    expect(page.url()).toMatch(/#\/shift$/)
    await expect.poll(() => shift.panel(0).getByTestId('true-label').count(), { timeout: 60_000 }).toBe(0)
    await expect.poll(() => shift.cells(1).count()).toBe(110)
    await page.getByTestId('shift-index').fill('24150')
    await page.getByTestId('shift-index').press('Enter')
    await expect.poll(() => shift.panel(0).getByTestId('true-label').count(), { timeout: 60_000 }).toBe(1)
  })

  it('drops a PNG and a text file on Predict: ten bars for one, a message naming the other', async () => {
    const predict = new PredictPage(page)
    await predict.open(web.url)
    await expect.poll(() => page.getByTestId('predict-run').inputValue(), { timeout: 30_000 }).not.toBe('')
    await predict.drop('[data-testid="predict-view"]', [
      { name: 'pullover.png', type: 'image/png', bytes: await pulloverPng() },
      { name: 'notes.txt', type: 'text/plain', bytes: Buffer.from('these are my notes, not a picture') }
    ])
    const png = predict.card('pullover.png')
    await expect.poll(() => png.getAttribute('data-status'), { timeout: 60_000 }).toBe('done')
    expect(await png.getByTestId('probability-bar').count()).toBe(10)
    const bars = await png.getByTestId('probability-bar').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-p'))))
    expect(Math.abs(bars.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(0.01)
    expect(await png.getByTestId('preprocessing').textContent()).toMatch(/invert/)

    const text = predict.card('notes.txt')
    expect(await text.getAttribute('data-status')).toBe('error')
    expect(await text.getByTestId('predict-error').textContent()).toMatch(/^notes\.txt is not a supported image/)
    await screenshot(page, 'predict', { dark: true })
  })

  it('takes images dropped on any other view to Predict', async () => {
    const predict = new PredictPage(page)
    await predict.open(web.url)
    const before = await predict.cards().count()
    await new ShiftPage(page).open(web.url)
    await predict.drop('h1', [{ name: 'second.png', type: 'image/png', bytes: await pulloverPng() }])
    await expect.poll(() => page.url()).toMatch(/#\/predict$/)
    await expect.poll(() => predict.card('second.png').getAttribute('data-status'), { timeout: 60_000 }).toBe('done')
    expect(await predict.cards().count()).toBe(before + 1)
  })
})
