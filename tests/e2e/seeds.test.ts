/**
 * Runs repeated over seeds in Chromium (issue 18): the Train view's Seeds field trains a group
 * one seed after another; Runs shows each group as one row with test accuracy mean ± sd and
 * compares groups with a band; Study measures groups and says how long it will take first.
 * Tiny data throughout: a few hundred training and test images, one epoch.
 */
import { existsSync } from 'node:fs'
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { trainedRuns } from './support/cli'
import { TrainPage } from './support/train-page'
import { FASHION_MNIST, hasChromium, pagePerTest, screenshot, type WebMode } from './support/web-app'

/** One epoch on a few hundred images: enough for a run with curves and a test accuracy. */
const TINY = ['--model', 'seed-mlp', '--data', 'fashion-mnist', '--epochs', '1', '--limit', '300', '--test-limit', '200']

const SIZES = [
  [1400, 900],
  [1024, 700]
] as const

describe.skipIf(!hasChromium || !existsSync(FASHION_MNIST))('groups of runs over seeds in Chromium', () => {
  let web: WebMode
  let page: Page
  const prepare = trainedRuns({ grp: [...TINY, '--seeds', '1,2'], solo: [...TINY, '--seed', '9'] })
  pagePerTest((opened) => ({ page, web } = opened), { width: 1400, height: 900, prepare })

  it('Train: the Seeds field trains a group one seed after another, "seed 2 of 2", then its test accuracy as mean ± sd', async () => {
    const train = new TrainPage(page)
    await train.open()
    await train.configure({ preset: 'seed-mlp', optimizer: 'adam', learningRate: 0.001, batchSize: 32, epochs: 1, limit: 300 })
    await page.getByTestId('test-limit').fill('200')
    await page.getByTestId('seed').fill('1,1')
    await page.getByTestId('seed').press('Tab')
    await expect.poll(() => page.getByTestId('start-blocker').textContent()).toContain('1 is given twice')
    await page.getByTestId('seed').fill('3, 4')
    await page.getByTestId('seed').press('Tab')
    await page.getByTestId('start').click()
    await expect.poll(() => page.getByTestId('seed-step').textContent(), { timeout: 60_000 }).toContain('Seed 1 of 2 (seed 3)')
    await expect.poll(() => page.getByTestId('seed-step').textContent(), { timeout: 120_000 }).toContain('Seed 2 of 2 (seed 4)')
    await expect.poll(() => page.getByTestId('group-accuracy').textContent(), { timeout: 120_000 }).toMatch(/over 2 seeds: \d+\.\d% ± \d+\.\d/)
    await expect.poll(() => page.getByTestId('start').count(), { timeout: 60_000 }).toBe(1)
    await screenshot(page, 'seeds-train')
  })

  it('Runs: a group is one row with n and test accuracy mean ± sd, opens to its runs, and groups compare with a band', async () => {
    await page.goto(`${web.url}/#/runs`)
    await page.getByTestId('runs-table').waitFor()
    const grp = page.locator('[data-testid="group-row"][data-group="grp"]')
    await expect.poll(() => grp.count()).toBe(1)
    expect(await grp.getByTestId('group-count').textContent()).toContain('2 runs over seeds')
    expect(await grp.getByTestId('group-accuracy').textContent()).toMatch(/^\s*\d+\.\d% ± \d+\.\d\s*$/)
    // The Train view's group is the other group row; the single run stays a run row.
    expect(await page.getByTestId('group-row').count()).toBe(2)
    expect(await page.getByTestId('run-row').count()).toBe(1)

    await grp.getByTestId('group-toggle').click()
    expect(await grp.getByTestId('group-toggle').getAttribute('aria-expanded')).toBe('true')
    await expect.poll(() => page.getByTestId('run-row').count()).toBe(3)
    // A run of the group still opens its details.
    await page.getByTestId('run-row').nth(0).getByTestId('run-open').click()
    await page.getByTestId('run-detail').waitFor()
    await page.getByTestId('run-row').nth(0).getByTestId('run-open').click()
    await expect.poll(() => page.getByTestId('run-detail').count()).toBe(0)

    for (const row of await page.getByTestId('group-row').all()) await row.getByTestId('group-compare').check()
    const figures = page.getByTestId('compare-groups').locator('li')
    await expect.poll(() => figures.count()).toBe(2)
    expect(await figures.first().textContent()).toMatch(/test accuracy \d+\.\d% ± \d+\.\d \(mean ± sd over 2 seeds\)/)
    expect(await page.getByTestId('runs-compare').locator('canvas').count()).toBe(2)
    for (const [w, h] of SIZES) {
      await page.setViewportSize({ width: w, height: h })
      await screenshot(page, `seeds-runs-${w}`)
    }
  })

  it('Runs: a group row is shaded to its end, the actions cell too, at rest and under the pointer, in light and dark', async () => {
    await page.goto(`${web.url}/#/runs`)
    const grp = page.locator('[data-testid="group-row"][data-group="grp"]')
    await grp.waitFor()
    const shades = (): Promise<string[]> => grp.locator('td').evaluateAll((cells) => [...new Set(cells.map((c) => getComputedStyle(c).backgroundColor))])
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme })
      await page.mouse.move(0, 0)
      const atRest = await shades()
      expect(atRest).toHaveLength(1)
      await grp.getByTestId('group-count').hover()
      const hovered = await shades()
      expect(hovered).toHaveLength(1)
      expect(hovered).not.toEqual(atRest)
      await screenshot(page, `seeds-runs-group-hover-${scheme}`)
    }
  })

  it('Study: estimates the time before starting, measures a group beside a run as mean ± sd, with the full grid optional', async () => {
    await page.goto(`${web.url}/#/study`)
    const group = page.locator('[data-testid="study-group"][data-group="grp"]')
    await group.check()
    await page.getByTestId('study-run-solo').check()
    await page.getByTestId('study-max').fill('1')
    await page.getByTestId('study-limit').fill('50')
    expect(await page.getByTestId('study-grid').isChecked()).toBe(false)
    // 3 runs × 50 images × 5 shifts (x and y axes only).
    // The timing probe takes a few seconds per model, far more on a loaded machine.
    await expect.poll(() => page.getByTestId('study-estimate').textContent(), { timeout: 180_000 }).toMatch(/About \d+ min: 750 predictions/)
    await expect.poll(() => page.getByTestId('study-recipe-estimate').textContent(), { timeout: 180_000 }).toMatch(/About \d+ min: 12 runs to train/)
    await page.getByTestId('study-grid').check()
    await expect.poll(() => page.getByTestId('study-estimate').textContent()).toMatch(/1,350 predictions/)
    await page.getByTestId('study-grid').uncheck()
    for (const [w, h] of SIZES) {
      await page.setViewportSize({ width: w, height: h })
      await screenshot(page, `seeds-study-estimate-${w}`)
    }

    await page.getByTestId('study-run').click()
    await expect.poll(() => page.getByTestId('study-table').locator('tbody tr').count(), { timeout: 120_000 }).toBe(2)
    const groupRow = page.getByTestId('study-group-row')
    const cells = (await groupRow.locator('td').allTextContents()).map((c) => c.trim())
    expect(cells[0]).toBe('grp')
    expect(cells[1]).toBe('2')
    for (const c of cells.slice(3)) expect(c).toMatch(/^\d+\.\d% ± \d+\.\d$/)
    expect(await page.getByTestId('study-shifts-x').locator('tbody tr').count()).toBe(2)
    // Without the grid option no grid is drawn.
    expect(await page.locator('[data-testid^="study-grid-"]').count()).toBe(0)
    for (const [w, h] of SIZES) {
      await page.setViewportSize({ width: w, height: h })
      await screenshot(page, `seeds-study-${w}`)
    }
  })
})

describe.skipIf(!hasChromium || !existsSync(FASHION_MNIST))('groups of runs over seeds in Chinese', () => {
  let web: WebMode
  let page: Page
  const prepare = trainedRuns({ grp: [...TINY, '--seeds', '1,2'] })
  pagePerTest((opened) => ({ page, web } = opened), { width: 1400, height: 900, locale: 'zh-CN', prepare })

  it('shows the group row, the Seeds field and the Study estimate in zh-CN', async () => {
    const url = web.url
    await page.goto(`${url}/#/runs`)
    const grp = page.locator('[data-testid="group-row"][data-group="grp"]')
    await expect.poll(() => grp.getByTestId('group-count').textContent()).toContain('2 次不同随机种子的运行')
    await grp.getByTestId('group-toggle').click()
    await grp.getByTestId('group-compare').check()
    await expect.poll(() => page.getByTestId('compare-groups').textContent()).toContain('均值 ± 标准差')
    for (const [w, h] of SIZES) {
      await page.setViewportSize({ width: w, height: h })
      await screenshot(page, `seeds-runs-zh-${w}`)
    }
    await page.goto(`${url}/#/study`)
    await page.locator('[data-testid="study-group"]').check()
    await page.getByTestId('study-limit').fill('50')
    await expect.poll(() => page.getByTestId('study-estimate').textContent(), { timeout: 180_000 }).toMatch(/约 \d+ 分钟/)
    for (const [w, h] of SIZES) {
      await page.setViewportSize({ width: w, height: h })
      await screenshot(page, `seeds-study-zh-${w}`)
    }
    await page.goto(`${url}/#/train`)
    await page.getByTestId('seed').fill('1,2,3')
    for (const [w, h] of SIZES) {
      await page.setViewportSize({ width: w, height: h })
      await screenshot(page, `seeds-train-zh-${w}`)
    }
  })
})
