/**
 * Pause, resume and continue in Chromium against web mode, on the tutorial's MLP and 3,000
 * Fashion-MNIST images (an epoch takes about a second): pause a run in Train, see it stand still, let it go on to the end; then
 * continue it from the Runs view and follow it in Train, its curve going on with the point marked.
 */
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { existsSync } from 'node:fs'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { DataPage, RunsPage, TrainPage } from './support/train-page'
import { FASHION_MNIST, hasChromium, pagePerTest, screenshot, type WebMode } from './support/web-app'

describe.skipIf(!hasChromium || !existsSync(FASHION_MNIST))('pause and continue in the browser', () => {
  let web: WebMode
  let page: Page
  pagePerTest((opened) => ({ page, web } = opened))

  const epochShown = async (): Promise<number> => Number(((await page.getByTestId('progress-epoch').textContent()) ?? '').split('/')[0].trim())

  it('pauses a run at a batch boundary, holds it, lets it go on to the end; then continues it 2 epochs from Runs', async () => {
    const data = new DataPage(page)
    await data.open(web.url)
    await expect.poll(() => data.found().textContent()).toContain(FASHION_MNIST)
    const train = new TrainPage(page)
    await train.open()
    await train.configure({ preset: 'seed-mlp', optimizer: 'sgd', learningRate: 0.01, batchSize: 32, epochs: 6, limit: 3000, seed: 7 })
    await train.start().click()
    await expect.poll(epochShown, { timeout: 120_000 }).toBeGreaterThanOrEqual(2)

    await page.getByTestId('pause').click()
    await expect.poll(() => train.phase().textContent()).toBe('Paused')
    await expect.poll(() => page.getByTestId('pause').getAttribute('aria-pressed')).toBe('true')
    const held = await epochShown()
    // Paused: a second look, after more time than an epoch takes, shows the same epoch.
    await page.waitForTimeout(1500)
    expect(await epochShown()).toBe(held)
    expect(held).toBeLessThan(6)
    await screenshot(page, 'train-paused')

    await page.getByTestId('pause').click()
    await expect.poll(() => train.phase().textContent(), { timeout: 120_000 }).toBe('Finished')
    expect(await epochShown()).toBe(6)
    await expect.poll(() => page.getByTestId('continue-run').isVisible()).toBe(true)

    const runs = new RunsPage(page)
    await runs.open()
    await runs.rows().first().getByTestId('run-open').click()
    await runs.detail().waitFor()
    await page.getByTestId('continue-epochs').fill('2')
    await expect.poll(() => page.getByTestId('continue-run').textContent()).toContain('Continue 2 epochs')
    await page.getByTestId('continue-run').click()
    // Followed in Train, to the end of its 8 epochs, the continue point marked on both charts.
    await expect.poll(() => train.phase().textContent(), { timeout: 120_000 }).toBe('Finished')
    expect(await epochShown()).toBe(8)
    await expect.poll(() => train.lossChart().getAttribute('data-marks')).toBe('6')
    expect(await page.getByTestId('accuracy-chart').locator('[data-marks]').getAttribute('data-marks')).toBe('6')
    await screenshot(page, 'train-continued')

    // The run opened before is still open in Runs.
    await runs.open()
    await runs.detail().waitFor()
    await expect.poll(() => runs.detail().getByTestId('loss-chart').locator('[data-marks]').getAttribute('data-marks')).toBe('6')
    await screenshot(page, 'runs-continued')
    // One run folder, its history one curve of 8 epochs, the point in run.json.
    const [folder] = await readdir(join(web.dataDir, 'runs'))
    const saved = JSON.parse(await readFile(join(web.dataDir, 'runs', folder, 'run.json'), 'utf8')) as { status: string; resumes: { epoch: number; kind: string }[] }
    expect(saved.status).toBe('completed')
    expect(saved.resumes.map((r) => [r.epoch, r.kind])).toEqual([[6, 'continue']])
    const history = JSON.parse(await readFile(join(web.dataDir, 'runs', folder, 'history.json'), 'utf8')) as { epochs: { epoch: number }[] }
    expect(history.epochs.map((e) => e.epoch)).toEqual(Array.from({ length: 8 }, (_, i) => i + 1))
  })
})
