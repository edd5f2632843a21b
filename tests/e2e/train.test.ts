/**
 * Data → Train → Runs in Chromium against web mode: browse Fashion-MNIST, train the tutorial's MLP
 * on a small subset while its curve grows, read the test accuracy and confusion matrix, then find,
 * open and rename the run.
 */
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { existsSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { createRun, writeHistory } from '../../src-main/runs/run-store'
import { getPreset } from '../../src-main/shared/presets'
import { DataPage, RunsPage, TrainPage } from './support/train-page'
import { FASHION_MNIST, hasChromium, openWebSession, screenshot, type WebMode, type WebSession } from './support/web-app'

const CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot']

describe.skipIf(!hasChromium || !existsSync(FASHION_MNIST))('Data, Train and Runs in the browser', () => {
  let web: WebMode
  let session: WebSession | undefined
  let page: Page
  let errors: string[]

  beforeAll(async () => {
    session = await openWebSession()
    ;({ web, page, errors } = session)
  })

  afterAll(() => session?.close())

  it('shows Fashion-MNIST samples with their labels and the class balance', async () => {
    const data = new DataPage(page)
    await data.open(web.url)
    await expect.poll(() => data.found().textContent()).toContain(FASHION_MNIST)
    expect(await data.samples().count()).toBe(60)
    const labels = await data.labels()
    expect(labels.every((l) => CLASSES.includes(l))).toBe(true)
    // The first training image of Fashion-MNIST is an ankle boot.
    expect(labels[0]).toBe('Ankle boot')
    expect(await data.range().textContent()).toContain('of 60,000')
    expect(await data.balance().locator('li').count()).toBe(10)
    await screenshot(page, 'data', { dark: true })
    await data.next().click()
    await expect.poll(() => data.range().textContent()).toMatch(/^61–120 of/)
  })

  it('shows the toy set, names a missing image folder, and goes back to Fashion-MNIST', async () => {
    const data = new DataPage(page)
    await page.getByTestId('source-toy').check()
    await expect.poll(() => data.range().textContent()).toMatch(/^1–\d+ of \d+$/)
    await page.getByTestId('source-folder').check()
    await page.getByTestId('folder-dir').fill('/no/such/folder')
    await page.getByTestId('folder-dir').press('Enter')
    await expect.poll(() => page.getByTestId('data-error').textContent()).toContain('/no/such/folder')
    await screenshot(page, 'data-folder-error')
    await page.getByTestId('source-fashion-mnist').check()
    await expect.poll(() => data.range().textContent()).toContain('of 60,000')
  })

  it('trains seed-mlp on 2,000 images with a curve that grows live, then shows test accuracy and a 10x10 confusion matrix', async () => {
    const train = new TrainPage(page)
    await train.open()
    await train.configure({ preset: 'seed-mlp', optimizer: 'sgd', learningRate: 0.01, batchSize: 32, epochs: 2, limit: 2000, seed: 7 })
    await train.start().click()

    // Sampled while training: the plotted points must grow between two moments of the same run.
    const seen: number[] = []
    // A running CSS animation repaints every frame: a progress bar's width transition took a
    // quarter of a core from the training threads on a 2-core machine (epochs 40% longer).
    const animated = new Set<string>()
    const deadline = Date.now() + 240_000
    while (Date.now() < deadline && seen.length < 2) {
      const phase = (await train.phase().textContent())?.trim()
      if (phase === 'Finished' || phase === 'Failed' || phase === 'Cancelled') break
      if (phase === 'Training') {
        const n = await train.plottedPoints()
        if (n > 0 && n !== seen[seen.length - 1]) seen.push(n)
        for (const a of await page.evaluate(() => document.getAnimations().map((x) => `${x.constructor.name} of ${(x.effect as KeyframeEffect | null)?.target?.className}`))) animated.add(a)
      }
      await page.waitForTimeout(100)
    }
    expect(seen.length, `points seen while training: ${seen.join(', ')}`).toBe(2)
    expect(seen[1]).toBeGreaterThan(seen[0])
    expect([...animated]).toEqual([])
    await screenshot(page, 'train-live')

    // The run goes on while the user looks at another view, and its curve is all there on return.
    await page.getByTestId('nav-data').click()
    await page.getByTestId('sample-grid').waitFor()
    await train.open()
    expect(await train.plottedPoints()).toBeGreaterThanOrEqual(seen[1])

    await expect.poll(() => train.phase().textContent(), { timeout: 240_000 }).toBe('Finished')
    await train.testAccuracy().waitFor()
    const accuracy = Number.parseFloat((await train.testAccuracy().textContent()) ?? '')
    // Two epochs of SGD on 2,000 images get well above chance (10%).
    expect(accuracy).toBeGreaterThan(40)
    expect(await train.confusionRows().count()).toBe(10)
    expect(await train.confusionCells().count()).toBe(100)
    // Every batch is plotted once the run is saved: 1,800 images after the 10% hold-out make 57 batches of 32.
    await expect.poll(() => train.plottedPoints()).toBeGreaterThanOrEqual(2 * 57)
    await screenshot(page, 'train', { dark: true })
    await page.getByTestId('test-results').scrollIntoViewIfNeeded()
    await screenshot(page, 'train-results', { dark: true })
  })

  it('lists the run in Runs, opens it with its summary, and renames it', async () => {
    const runs = new RunsPage(page)
    await runs.open()
    const name = 'seed-mlp · Fashion-MNIST · 2000 images · 2 ep'
    await runs.row(name).waitFor()
    await runs.openRun(name)
    expect(await runs.summary().textContent()).toMatch(/Total params: 795,010/)
    // 1,800 images twice: seconds, on however many threads this machine gave it.
    expect(await runs.detail().textContent()).toMatch(/Threads\s*\d threads?.*Training time\s*\d+ s/s)
    await runs.rename(name, 'My first MLP')
    await page.reload()
    await runs.row('My first MLP').waitFor()
    await runs.openRun('My first MLP')
    await screenshot(page, 'runs', { dark: true })
  })

  it('brings the details of a run into view when it is opened above a list longer than the window', async () => {
    const older = Array.from({ length: 12 }, (_, i) => join(web.dataDir, 'runs', `older-${i}`))
    for (const [i, dir] of older.entries()) {
      await createRun(dir, {
        id: `older-${i}`,
        name: `older run ${i}`,
        createdAt: new Date(Date.UTC(2025, 0, 1 + i)).toISOString(),
        status: 'completed',
        model: getPreset('seed-mlp')!,
        data: { kind: 'fashion-mnist' },
        config: { optimizer: 'sgd', learningRate: 0.01, batchSize: 32, epochs: 1, validationSplit: 0 },
        classNames: CLASSES
      })
    }
    const runs = new RunsPage(page)
    const size = page.viewportSize()!
    await page.setViewportSize({ width: size.width, height: 500 })
    try {
      await runs.detail().getByRole('button', { name: 'Close' }).click()
      await page.getByTestId('runs-refresh').click()
      await runs.row('older run 0').waitFor()
      // The newest run, at the top of the list: its details start below the twelve older ones.
      await runs.openRun('My first MLP')
      const title = runs.detail().locator('h2')
      await expect.poll(async () => {
        const box = await title.boundingBox()
        return box !== null && box.y >= 0 && box.y + box.height <= 500
      }).toBe(true)
      await runs.detail().getByRole('button', { name: 'Close' }).click()
    } finally {
      await page.setViewportSize(size)
      for (const dir of older) await rm(dir, { recursive: true, force: true })
      await page.getByTestId('runs-refresh').click()
    }
  })

  it('opens a run of 100,000 batches and redraws its curves quickly', async () => {
    const dir = join(web.dataDir, 'runs', 'long-run')
    const batchesPerEpoch = 1000
    await createRun(dir, {
      id: 'long-run',
      name: '100k batches',
      createdAt: new Date().toISOString(),
      status: 'completed',
      model: getPreset('seed-mlp')!,
      data: { kind: 'fashion-mnist' },
      config: { optimizer: 'sgd', learningRate: 0.01, batchSize: 32, epochs: 100, validationSplit: 0.1 },
      classNames: CLASSES
    })
    await writeHistory(dir, {
      epochs: Array.from({ length: 100 }, (_, e) => ({ epoch: e + 1, loss: 1 / (e + 2), accuracy: 0.9, valLoss: 1.1 / (e + 2), valAccuracy: 0.88, seconds: 1 })),
      batches: Array.from({ length: 100 * batchesPerEpoch }, (_, i) => ({
        epoch: Math.floor(i / batchesPerEpoch) + 1,
        batch: (i % batchesPerEpoch) + 1,
        loss: 2 / Math.sqrt(i + 1) + 0.1 * Math.sin(i),
        accuracy: 0.9 - 0.5 / Math.sqrt(i + 1)
      }))
    })
    const runs = new RunsPage(page)
    await page.getByTestId('runs-refresh').click()
    await runs.openRun('100k batches')
    const chart = runs.detail().getByTestId('loss-chart').locator('[data-points]')
    // Raw and smoothed batches plus train and validation epochs.
    await expect.poll(() => chart.getAttribute('data-points')).toBe(String(2 * 100_000 + 2 * 100))
    // Moving the smoothing slider recomputes 100k smoothed points and redraws two charts before the next frame.
    const ms = await page.evaluate(async () => {
      const slider = document.querySelector<HTMLInputElement>('[data-testid="run-detail"] [data-testid="smoothing"]')!
      const t0 = performance.now()
      slider.value = '0.9'
      slider.dispatchEvent(new Event('input', { bubbles: true }))
      await new Promise<void>((r) => requestAnimationFrame(() => r()))
      return performance.now() - t0
    })
    expect(ms).toBeLessThan(400)
    await screenshot(page, 'runs-100k')
  })

  it('overlays the curves of two ticked runs', async () => {
    const runs = new RunsPage(page)
    await runs.row('My first MLP').getByTestId('run-compare').check()
    await runs.row('100k batches').getByTestId('run-compare').check()
    await runs.compare().waitFor()
    // Training as every batch (smoothed), validation per epoch: 2 x 57 batches + 2 epochs, and 100,000 batches + 100 epochs.
    await expect.poll(() => runs.compare().locator('[data-points]').first().getAttribute('data-points')).toBe(String(2 * 57 + 2 + 100_000 + 100))
    await runs.detail().getByRole('button', { name: 'Close' }).click()
    await screenshot(page, 'runs-compare', { dark: true })
  })

  it('deletes a run only after confirmation, and undoes the delete', async () => {
    const runs = new RunsPage(page)
    await runs.row('My first MLP').getByTestId('run-delete').click()
    await runs.dialog().getByRole('button', { name: 'Keep it' }).click()
    expect(await runs.row('My first MLP').count()).toBe(1)
    await runs.row('My first MLP').getByTestId('run-delete').click()
    await runs.dialog().getByTestId('confirm').click()
    await expect.poll(() => runs.row('My first MLP').count()).toBe(0)
    expect(await runs.undoToast().textContent()).toContain('My first MLP')
    await screenshot(page, 'runs-undo')
    await runs.undoToast().getByTestId('undo').click()
    await runs.row('My first MLP').waitFor()
    expect(await runs.undoToast().count()).toBe(0)
    // Restored on disk, not only in the page: a reload reads the folder again.
    await page.reload()
    await runs.row('My first MLP').waitFor()

    await runs.row('My first MLP').getByTestId('run-delete').click()
    await runs.dialog().getByTestId('confirm').click()
    await expect.poll(() => runs.row('My first MLP').count()).toBe(0)
    await page.reload()
    await runs.row('100k batches').waitFor()
    expect(await runs.row('My first MLP').count()).toBe(0)
    expect(errors).toEqual([])
  })
})
