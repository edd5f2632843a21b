/**
 * The pictures and tables a report needs, downloaded from a real browser: the training curves as
 * PNG and CSV from a run's details and from Train, the confusion matrix as PNG, and the Shift
 * heatmaps' PNG with its image, true label and colour bar. Every PNG is decoded and must show
 * drawn content, not a blank canvas; the Shift view shows its two heatmaps side by side at both
 * window sizes. The figures and screenshots are kept under test-results/ to be looked at.
 */
// The page.evaluate callbacks run in Chromium and use its DOM types.
/// <reference lib="dom" />
import { existsSync } from 'node:fs'
import { copyFile, mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import sharp from 'sharp'
import type { Download, Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { trainedRuns } from './support/cli'
import { TrainPage } from './support/train-page'
import { FASHION_MNIST, ROOT, SCREENSHOTS, hasChromium, pagePerTest, type WebMode } from './support/web-app'

const FIGURES = join(ROOT, 'test-results/figures')

interface PngFacts {
  width: number
  height: number
  /** Pixels clearly darker than the white paper, as a share of all. */
  inked: number
  /** Distinct colours among the pixels, a few hundred at most counted. */
  colours: number
}

/** Decodes a downloaded PNG, keeps a copy to look at, and measures how much is drawn on it. */
async function pngFacts(download: Download, keepAs: string): Promise<PngFacts> {
  const path = (await download.path())!
  await mkdir(FIGURES, { recursive: true })
  await copyFile(path, join(FIGURES, keepAs))
  const { data, info } = await sharp(await readFile(path)).removeAlpha().raw().toBuffer({ resolveWithObject: true })
  let inked = 0
  const colours = new Set<number>()
  for (let i = 0; i < data.length; i += 3) {
    if (data[i] + data[i + 1] + data[i + 2] < 600) inked++
    if (colours.size < 500) colours.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2])
  }
  return { width: info.width, height: info.height, inked: inked / (info.width * info.height), colours: colours.size }
}

/**
 * The window as the user sees it with `testId` scrolled to the top: the view scrolls inside the
 * shell, so a full-page shot stops at the fold and an element shot of a tall element is garbled.
 */
async function shotOf(page: Page, testId: string, name: string): Promise<void> {
  await page.getByTestId(testId).evaluate((el) => el.scrollIntoView({ block: 'start' }))
  await mkdir(SCREENSHOTS, { recursive: true })
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) })
}

/** The grey level (0..255) of the pixel at (x, y) of a PNG, in CSS pixels of the figure (drawn at 2x). */
async function greyAt(download: Download, x: number, y: number): Promise<number> {
  const { data } = await sharp((await download.path())!).extract({ left: Math.round(x * 2), top: Math.round(y * 2), width: 1, height: 1 }).removeAlpha().raw().toBuffer({ resolveWithObject: true })
  return Math.round((data[0] + data[1] + data[2]) / 3)
}

/** Share of inked pixels in the title block's first line: the figure says what it is of. */
async function titleInk(download: Download): Promise<number> {
  const { data, info } = await sharp((await download.path())!).extract({ left: 48, top: 48, width: 600, height: 36 }).removeAlpha().raw().toBuffer({ resolveWithObject: true })
  let inked = 0
  for (let i = 0; i < data.length; i += 3) if (data[i] + data[i + 1] + data[i + 2] < 300) inked++
  return inked / (info.width * info.height)
}

const save = (page: Page, testId: string): Promise<Download> =>
  Promise.all([page.waitForEvent('download'), page.getByTestId(testId).click()]).then(([d]) => d)

describe.skipIf(!hasChromium || !existsSync(FASHION_MNIST))('figures and tables for a report, in Chromium', () => {
  let web: WebMode
  let page: Page
  const common = ['--data', 'fashion-mnist', '--seed', '1']
  const prepare = trainedRuns({
    'mlp-fig': ['--model', 'seed-mlp', ...common, '--limit', '3000', '--epochs', '2', '--val-split', '0.2'],
    'cnn-fig': ['--model', 'seed-cnn', ...common, '--limit', '600', '--epochs', '1']
  })
  pagePerTest((opened) => ({ page, web } = opened), { width: 1400, height: 900, prepare })

  async function openMlpRun(): Promise<void> {
    await page.goto(`${web.url}/#/runs`)
    await page.getByTestId('run-row').filter({ hasText: '3000 images' }).getByTestId('run-open').click()
    await page.getByTestId('run-summary').waitFor()
  }

  it('exports every series of the curves as CSV, one row per batch and per epoch, in the order trained', async () => {
    await openMlpRun()
    const download = await save(page, 'curves-csv')
    expect(download.suggestedFilename()).toMatch(/^seed-mlp .*-curves\.csv$/)
    const rows = (await readFile((await download.path())!, 'utf8')).trimEnd().split('\n').map((l) => l.split(','))
    expect(rows[0]).toEqual(['epoch', 'batch', 'step', 'batch loss', 'batch accuracy', 'epoch loss (train)', 'epoch accuracy (train)', 'validation loss', 'validation accuracy'])
    const epochRows = rows.slice(1).filter((r) => r[1] === '')
    expect(epochRows.map((r) => r[0])).toEqual(['1', '2'])
    // Validation was held out, so each epoch row has all four values.
    for (const r of epochRows) expect(r.slice(5).every((v) => Number.isFinite(Number(v)) && v !== '')).toBe(true)
    const batchRows = rows.slice(1).filter((r) => r[1] !== '')
    expect(batchRows.length).toBeGreaterThan(10)
    const steps = batchRows.map((r) => Number(r[2]))
    expect(steps).toEqual([...steps].sort((a, b) => a - b))
  })

  it('exports the curves as a PNG with the run written in, in English and in Chinese', async () => {
    await openMlpRun()
    const enFile = await save(page, 'curves-png')
    const en = await pngFacts(enFile, 'curves-en.png')
    expect(await titleInk(enFile)).toBeGreaterThan(0.05)
    expect(en.width).toBe(2 * (24 * 2 + 560 * 2 + 24))
    expect(en.height).toBeGreaterThan(900)
    expect(en.inked).toBeGreaterThan(0.01)
    expect(en.colours).toBeGreaterThan(20)
    await page.getByTestId('language').selectOption('zh-CN')
    const zh = await save(page, 'curves-png')
    expect(zh.suggestedFilename()).toMatch(/-curves\.png$/)
    expect((await pngFacts(zh, 'curves-zh.png')).inked).toBeGreaterThan(0.01)
    const csv = await save(page, 'curves-csv')
    expect((await readFile((await csv.path())!, 'utf8')).split('\n')[0]).toBe('迭代周期,批量,步数,批量损失,批量准确率,迭代周期损失（训练）,迭代周期准确率（训练）,验证损失,验证准确率')
  })

  it('exports the confusion matrix as a PNG with counts, class names and a colour bar', async () => {
    await openMlpRun()
    const download = await save(page, 'confusion-png')
    expect(download.suggestedFilename()).toMatch(/-confusion\.png$/)
    const facts = await pngFacts(download, 'confusion-en.png')
    expect(await titleInk(download)).toBeGreaterThan(0.05)
    expect(facts.width).toBeGreaterThan(2 * 10 * 56)
    expect(facts.height).toBeGreaterThan(2 * 10 * 40)
    expect(facts.inked).toBeGreaterThan(0.05)
    await page.getByTestId('language').selectOption('zh-CN')
    expect((await pngFacts(await save(page, 'confusion-png'), 'confusion-zh.png')).inked).toBeGreaterThan(0.05)
  })

  it('exports the curves from Train once a run has finished, not before', async () => {
    await page.goto(`${web.url}/#/`)
    const train = new TrainPage(page)
    await train.open()
    await train.configure({ preset: 'seed-mlp', optimizer: 'adam', learningRate: 0.001, batchSize: 64, epochs: 1, limit: 600, seed: 3 })
    expect(await page.getByTestId('curves-png').count()).toBe(0)
    await train.start().click()
    await expect.poll(() => train.phase().textContent(), { timeout: 240_000 }).toBe('Finished')
    const csv = await save(page, 'curves-csv')
    const rows = (await readFile((await csv.path())!, 'utf8')).trimEnd().split('\n')
    // One epoch trained: one epoch row after its batches.
    expect(rows.filter((r) => r.startsWith('1,,')).length).toBe(1)
    const png = await pngFacts(await save(page, 'curves-png'), 'curves-train.png')
    expect(png.inked).toBeGreaterThan(0.01)
    await shotOf(page, 'train-phase', 'train-finished-exports')
  })

  for (const [width, height] of [
    [1400, 900],
    [1024, 700]
  ] as const) {
    it(`shows the MLP and the CNN heatmaps side by side at ${width}x${height}, with large thumbnails, and exports them with their context`, async () => {
      await page.setViewportSize({ width, height })
      await page.goto(`${web.url}/#/shift`)
      await expect.poll(() => page.getByTestId('shift-panel-0').getByTestId('heatmap-cell').count(), { timeout: 120_000 }).toBe(110)
      await page.getByTestId('compare-mlp-cnn').click()
      await expect.poll(() => page.getByTestId('shift-panel-1').getByTestId('heatmap-cell').count(), { timeout: 120_000 }).toBe(110)
      expect(await page.getByTestId('shift-heatmaps').getAttribute('data-columns')).toBe('2')
      const boxes = await Promise.all([0, 1].map((slot) => page.getByTestId(`shift-panel-${slot}`).boundingBox()))
      // Side by side: the same top, the second to the right of the first.
      expect(Math.abs(boxes[0]!.y - boxes[1]!.y)).toBeLessThan(1)
      expect(boxes[1]!.x).toBeGreaterThan(boxes[0]!.x + boxes[0]!.width - 1)
      // Nothing scrolls sideways: not the view, not a heatmap inside its panel.
      const overflow = await page.evaluate(() =>
        [document.querySelector('main')!, ...Array.from(document.querySelectorAll('[data-testid="heatmap"] .scroller'))].map((el) => el.scrollWidth - el.clientWidth)
      )
      expect(overflow.every((o) => o <= 0)).toBe(true)
      const thumb = await page.getByTestId('shift-panel-0').locator('.thumb canvas').first().boundingBox()
      expect(thumb!.width).toBeGreaterThanOrEqual(40)
      await shotOf(page, 'shift-heatmaps', `shift-heatmaps-${width}-en`)

      const pngFile = await save(page, 'export-png')
      const png = await pngFacts(pngFile, `shift-${width}-en.png`)
      expect(png.width).toBeGreaterThan(png.height)
      expect(png.inked).toBeGreaterThan(0.05)
      expect(await titleInk(pngFile)).toBeGreaterThan(0.05)
      // The colour bar's middle sits its room (80 px) and the padding (24 px) in from the right edge, less
      // half its width: white (1.0) at the top of the 11 rows of 44 px, black (0.0) at their foot.
      const barX = png.width / 2 - 24 - 80 + 8
      const foot = png.height / 2 - 24
      expect(await greyAt(pngFile, barX, foot - 11 * 44 + 3)).toBeGreaterThan(235)
      expect(await greyAt(pngFile, barX, foot - 3)).toBeLessThan(20)
      expect(await greyAt(pngFile, barX, foot - (11 * 44) / 2)).toBeGreaterThan(100)
      expect(await greyAt(pngFile, barX, foot - (11 * 44) / 2)).toBeLessThan(155)

      await page.getByTestId('language').selectOption('zh-CN')
      await expect.poll(() => page.getByTestId('true-label').first().textContent()).toContain('真实标签')
      await shotOf(page, 'shift-heatmaps', `shift-heatmaps-${width}-zh`)
      expect((await pngFacts(await save(page, 'export-png'), `shift-${width}-zh.png`)).inked).toBeGreaterThan(0.05)
    })

    it(`shows a run's details with its export buttons at ${width}x${height}`, async () => {
      await page.setViewportSize({ width, height })
      await openMlpRun()
      await shotOf(page, 'run-detail', `run-detail-${width}-en`)
      await page.getByTestId('language').selectOption('zh-CN')
      await expect.poll(() => page.getByTestId('curves-png').textContent()).toContain('导出 PNG')
      await shotOf(page, 'run-detail', `run-detail-${width}-zh`)
    })
  }
})
