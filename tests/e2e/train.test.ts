/**
 * Data → Train → Runs in Chromium against web mode: browse Fashion-MNIST, train the tutorial's MLP
 * on a small subset while its curve grows, read the test accuracy and confusion matrix, then find,
 * open and rename the run.
 */
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { existsSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { createRun, writeHistory } from '../../src-main/runs/run-store'
import { completedRunMeta } from '../fixtures/runs'
import { DataPage, RunsPage, TrainPage } from './support/train-page'
import { FASHION_MNIST, hasChromium, pagePerTest, screenshot, type WebMode } from './support/web-app'

const CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot']

describe.skipIf(!hasChromium || !existsSync(FASHION_MNIST))('Data, Train and Runs in the browser', () => {
  let web: WebMode
  let page: Page

  // The runs on disk carry on from test to test, a broken page does not.
  pagePerTest((opened) => ({ page, web } = opened))

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
    await data.open(web.url)
    await expect.poll(() => data.range().textContent()).toContain('of 60,000')
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

    // Recorded while training, not sampled: every train/progress event and every value the loss
    // chart's point count takes, with the phase shown at that moment and any CSS animation running.
    // (A running CSS animation repaints every frame: a progress bar's width transition took a
    // quarter of a core from the training threads on a 2-core machine, epochs 40% longer.)
    await page.evaluate(async () => {
      const live = { progress: [] as [number, number][], points: [] as number[], animated: [] as string[] }
      ;(window as unknown as { live: typeof live }).live = live
      const events = new EventSource('/api/events')
      events.addEventListener('train/progress', (e) => {
        const p = JSON.parse((e as MessageEvent<string>).data) as { epoch: number; batch: number }
        live.progress.push([p.epoch, p.batch])
      })
      new MutationObserver((changes) => {
        for (const c of changes) {
          const target = c.target as HTMLElement
          if (!target.closest('[data-testid="loss-chart"]')) continue
          if (document.querySelector('[data-testid="train-phase"]')?.textContent?.trim() !== 'Training') continue
          live.points.push(Number(target.getAttribute('data-points')))
          for (const a of document.getAnimations()) live.animated.push(`${a.constructor.name} of ${(a.effect as KeyframeEffect | null)?.target?.className}`)
        }
      }).observe(document.body, { subtree: true, attributes: true, attributeFilter: ['data-points'] })
      await new Promise<void>((resolve) => events.addEventListener('open', () => resolve(), { once: true }))
    })
    // A setting looks usable while it is, filled like the panel around it, and greyed out while the run locks it.
    const atRest = await train.fieldLook('batch-size')
    expect(atRest).toMatchObject({ disabled: false, background: atRest.panel })
    await train.start().click()
    let locked = atRest
    await expect.poll(async () => (locked = await train.fieldLook('batch-size')).disabled).toBe(true)
    expect(locked.background).not.toBe(atRest.background)
    expect(locked.color).not.toBe(atRest.color)
    type Live = { progress: [number, number][]; points: number[]; animated: string[] }
    const live = (): Promise<Live> => page.evaluate(() => (window as unknown as { live: Live }).live)
    // The curve grows while the run trains: two point counts, the second larger.
    await expect.poll(async () => new Set((await live()).points).size, { timeout: 240_000 }).toBeGreaterThanOrEqual(2)
    const seen = (await live()).points
    expect(seen.every((n, i) => i === 0 || n > seen[i - 1]), `point counts while training: ${seen.join(', ')}`).toBe(true)
    await screenshot(page, 'train-live')

    // The run goes on while the user looks at another view, and its curve is all there on return.
    await page.getByTestId('nav-data').click()
    await page.getByTestId('sample-grid').waitFor()
    await train.open()
    expect(await train.plottedPoints()).toBeGreaterThanOrEqual(seen[1])

    await expect.poll(() => train.phase().textContent(), { timeout: 240_000 }).toBe('Finished')
    const { progress, animated } = await live()
    // Progress in batch order, the last one the last batch of the second epoch (57 batches of 32).
    expect(progress.length).toBeGreaterThanOrEqual(2)
    expect(progress.every(([e, b], i) => i === 0 || e > progress[i - 1][0] || (e === progress[i - 1][0] && b > progress[i - 1][1]))).toBe(true)
    expect(progress.at(-1)).toEqual([2, 57])
    expect([...new Set(animated)]).toEqual([])
    await train.testAccuracy().waitFor()
    const accuracy = Number.parseFloat((await train.testAccuracy().textContent()) ?? '')
    // Two epochs of SGD on 2,000 images get well above chance (10%).
    expect(accuracy).toBeGreaterThan(40)
    expect(await train.confusionRows().count()).toBe(10)
    expect(await train.confusionCells().count()).toBe(100)
    // "Train on first 2,000" leaves the test set whole, and the result says which it used.
    expect((await page.getByTestId('test-coverage').textContent())?.replace(/\s+/g, ' ')).toMatch(/on 10,000 images never seen in training, the whole test set/)
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
      await createRun(dir, completedRunMeta(`older-${i}`, { name: `older run ${i}`, createdAt: new Date(Date.UTC(2025, 0, 1 + i)).toISOString() }))
    }
    const runs = new RunsPage(page)
    await runs.open()
    const size = page.viewportSize()!
    await page.setViewportSize({ width: size.width, height: 500 })
    try {
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

  it('opens a run of 100,000 batches and redraws its two curves once each, before the next frame', async () => {
    const dir = join(web.dataDir, 'runs', 'long-run')
    const batchesPerEpoch = 1000
    await createRun(dir, completedRunMeta('long-run', { name: '100k batches', config: { epochs: 100, validationSplit: 0.1 } }))
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
    await runs.open()
    await runs.openRun('100k batches')
    const chart = runs.detail().getByTestId('loss-chart').locator('[data-points]')
    // Raw and smoothed batches plus train and validation epochs.
    await expect.poll(() => chart.getAttribute('data-points')).toBe(String(2 * 100_000 + 2 * 100))
    // Moving the smoothing slider recomputes 100k smoothed points and redraws the two charts once
    // each, before the next frame: counted, not timed.
    const draws = await page.evaluate(async () => {
      const detail = document.querySelector('[data-testid="run-detail"]')!
      const count = (): number[] => Array.from(detail.querySelectorAll('[data-draws]'), (c) => Number(c.getAttribute('data-draws')))
      const before = count()
      const slider = detail.querySelector<HTMLInputElement>('[data-testid="smoothing"]')!
      slider.value = '0.9'
      slider.dispatchEvent(new Event('input', { bubbles: true }))
      await new Promise<void>((r) => requestAnimationFrame(() => r()))
      return { before, after: count() }
    })
    expect(draws.before).toHaveLength(2)
    expect(draws.after).toEqual(draws.before.map((n) => n + 1))
    await screenshot(page, 'runs-100k')
  })

  it('overlays the curves of two ticked runs', async () => {
    const runs = new RunsPage(page)
    await runs.open()
    await runs.row('My first MLP').getByTestId('run-compare').check()
    await runs.row('100k batches').getByTestId('run-compare').check()
    await runs.compare().waitFor()
    // Training as every batch (smoothed), validation per epoch: 2 x 57 batches + 2 epochs, and 100,000 batches + 100 epochs.
    await expect.poll(() => runs.compare().locator('[data-points]').first().getAttribute('data-points')).toBe(String(2 * 57 + 2 + 100_000 + 100))
    await screenshot(page, 'runs-compare', { dark: true })
  })

  it('deletes a run only after confirmation, and undoes the delete', async () => {
    const runs = new RunsPage(page)
    await runs.open()
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
  })
})
