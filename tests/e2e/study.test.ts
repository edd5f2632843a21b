/**
 * The Study view in a real browser: two runs trained beforehand with the CLI (one with shift
 * augmentation), measured over test images; the table, the curves, the grids and the CSV.
 */
import { existsSync } from 'node:fs'
import { readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { trainedRuns } from './support/cli'
import { FASHION_MNIST, hasChromium, pagePerTest, screenshot, type WebMode } from './support/web-app'


describe.skipIf(!hasChromium || !existsSync(FASHION_MNIST))('the shift study in Chromium', () => {
  let web: WebMode
  let page: Page

  // One page left mid-study cannot take the next test down.
  const common = ['--model', 'seed-mlp', '--data', 'fashion-mnist', '--seed', '1', '--limit', '2000', '--epochs', '1']
  const prepare = trainedRuns({ 'mlp-study': common, 'mlp-aug-study': [...common, '--augment-shift', '2'] })
  pagePerTest((opened) => ({ page, web } = opened), { width: 1280, height: 1000, prepare })

  it('measures two runs: a table row, two curves and a grid each, and a CSV of every point', async () => {
    await page.goto(`${web.url}/#/study`)
    await page.getByTestId('study-run-mlp-study').check()
    await page.getByTestId('study-run-mlp-aug-study').check()
    await page.getByTestId('study-max').fill('2')
    await page.getByTestId('study-limit').fill('300')
    await page.getByTestId('study-grid').check()
    await page.getByTestId('study-run').click()
    const rows = page.getByTestId('study-table').locator('tbody tr')
    await expect.poll(() => rows.count(), { timeout: 120_000 }).toBe(2)
    const cells = await rows.first().locator('td').allTextContents()
    expect(cells[1]).toBe('1')
    expect(cells[2]).toBe('300')
    for (const c of cells.slice(3)) expect(c).toMatch(/^\d+\.\d%$/)
    expect(await page.getByTestId('study-grid-mlp-study').locator('.cell').count()).toBe(25)
    expect(await page.locator('canvas').count()).toBeGreaterThanOrEqual(2)
    await screenshot(page, 'study', { dark: true })

    const download = page.waitForEvent('download')
    await page.getByTestId('study-csv').click()
    const csv = await readFile((await (await download).path())!, 'utf8')
    const lines = csv.trim().split('\n')
    expect(lines[0]).toBe('run,name,images,curve,dx,dy,accuracy,consistency')
    // Per run: 5 x points, 5 y points, 25 grid points.
    expect(lines).toHaveLength(1 + 2 * (5 + 5 + 25))
    expect(lines.filter((l) => l.startsWith('mlp-study,') && l.includes(',x,0,0,'))[0]).toMatch(/,1$/)
  })

  it("trains the recipe's four runs on the main side, then measures all four", async () => {
    await page.goto(`${web.url}/#/study`)
    await page.getByTestId('study-max').fill('1')
    await page.getByTestId('study-limit').fill('100')
    await page.getByTestId('study-recipe-limit').fill('100')
    await page.getByTestId('study-recipe-seeds').fill('1')
    await page.getByTestId('study-recipe').click()
    const rows = page.getByTestId('study-table').locator('tbody tr')
    await expect.poll(() => rows.count(), { timeout: 280_000, interval: 1000 }).toBe(4)
    const names = await rows.locator('td:first-child').allTextContents()
    expect(names.map((n) => n.trim())).toEqual(['seed-mlp', 'seed-cnn', 'seed-cnn + shifts ±3', 'seed-cnn + BlurPool'])
    const recipeRuns = (await readdir(join(web.dataDir, 'runs'))).filter((d) => !d.startsWith('.') && !d.endsWith('-study'))
    const metas = await Promise.all(recipeRuns.map(async (d) => JSON.parse(await readFile(join(web.dataDir, 'runs', d, 'run.json'), 'utf8')) as { status: string; config: { limit?: number } }))
    expect(metas.map((m) => [m.status, m.config.limit])).toEqual(Array(4).fill(['completed', 100]))
  })
})
