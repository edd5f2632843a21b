/**
 * What a first walk-through of the app found (#18, part 2), each checked in Chromium at the two
 * window sizes it was seen at, with a screenshot of each.
 */
import type { Locator, Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { existsSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createRun, writeHistory } from '../../src-main/runs/run-store'
import { getPreset } from '../../src-main/shared/presets'
import { completedRunMeta } from '../fixtures/runs'
import { BuildPage } from './support/build-page'
import { DataPage, RunsPage, TrainPage } from './support/train-page'
import { FASHION_MNIST, hasChromium, pagePerTest, screenshot, type WebMode } from './support/web-app'

const SIZES = [
  { width: 1400, height: 900 },
  { width: 1024, height: 700 }
]

interface Box {
  width: number
  height: number
}

/**
 * The blobs of one colour on a chart's canvas taller than a legend swatch: with one epoch, each
 * per-epoch series is a single marker. A marker cut by the plot's edge is half as wide as tall.
 */
async function markerBoxes(chart: Locator, hex: string): Promise<Box[]> {
  return chart.locator('canvas').evaluate((canvas: HTMLCanvasElement, colour: string) => {
    const [r, g, b] = [1, 3, 5].map((i) => Number.parseInt(colour.slice(i, i + 2), 16))
    const { width, height } = canvas
    const data = canvas.getContext('2d')!.getImageData(0, 0, width, height).data
    const near = (i: number): boolean => Math.abs(data[i] - r) + Math.abs(data[i + 1] - g) + Math.abs(data[i + 2] - b) < 60 && data[i + 3] > 200
    const seen = new Uint8Array(width * height)
    const boxes: { width: number; height: number }[] = []
    for (let start = 0; start < width * height; start++) {
      if (seen[start] || !near(start * 4)) continue
      let [x0, x1, y0, y1] = [width, -1, height, -1]
      const stack = [start]
      seen[start] = 1
      while (stack.length) {
        const p = stack.pop()!
        const [x, y] = [p % width, Math.floor(p / width)]
        ;[x0, x1, y0, y1] = [Math.min(x0, x), Math.max(x1, x), Math.min(y0, y), Math.max(y1, y)]
        for (const q of [p - 1, p + 1, p - width, p + width]) {
          if (q < 0 || q >= width * height || seen[q] || Math.abs((q % width) - x) > 1 || !near(q * 4)) continue
          seen[q] = 1
          stack.push(q)
        }
      }
      if (y1 - y0 + 1 >= 5) boxes.push({ width: x1 - x0 + 1, height: y1 - y0 + 1 })
    }
    return boxes
  }, hex)
}

describe.skipIf(!hasChromium)('What the first walk-through found (#18)', () => {
  let web: WebMode
  let page: Page
  // A page per test (each goes to its own view): one failing mid-way, at another window size or
  // with a dialog open, cannot take the next one down.
  pagePerTest(
    (opened) => ({ page, web } = opened),
    { width: SIZES[0].width, height: SIZES[0].height }
  )

  it('draws the markers of a one-epoch run whole, at the right edge and at 100% (item 8)', async () => {
    const dir = join(web.dataDir, 'runs', 'one-epoch')
    await createRun(dir, completedRunMeta('one-epoch', { name: 'one epoch', config: { validationSplit: 0.1 } }))
    await writeHistory(dir, {
      // 100% validation accuracy puts that marker on the plot's top edge as well as its right one.
      epochs: [{ epoch: 1, loss: 0.6, accuracy: 0.8, valLoss: 0.5, valAccuracy: 1, seconds: 1 }],
      batches: Array.from({ length: 20 }, (_, i) => ({ epoch: 1, batch: i + 1, loss: 2 / (i + 1), accuracy: 0.5 + i / 50 }))
    })
    const runs = new RunsPage(page)
    await page.goto(`${web.url}/#/runs`)
    await runs.openRun('one epoch')
    for (const size of SIZES) {
      await page.setViewportSize(size)
      for (const id of ['loss-chart', 'accuracy-chart']) {
        const chart = runs.detail().getByTestId(id)
        await chart.scrollIntoViewIfNeeded()
        // The epoch (orange) and validation (green) markers: one each, as wide as tall.
        for (const colour of ['#e69f00', '#009e73']) {
          await expect.poll(() => markerBoxes(chart, colour), { message: `${id} ${colour} at ${size.width}` }).toHaveLength(1)
          const [box] = await markerBoxes(chart, colour)
          expect(Math.abs(box.width - box.height), `${id} ${colour} marker ${box.width}x${box.height} at ${size.width}`).toBeLessThanOrEqual(1)
        }
      }
      await runs.detail().getByTestId('accuracy-chart').scrollIntoViewIfNeeded()
      await screenshot(page, `walkthrough-one-epoch-${size.width}`)
    }
    await page.setViewportSize(SIZES[0])
  })

  it.skipIf(!existsSync(FASHION_MNIST))('says what is wrong with a wrong "Other folder" and keeps the Fashion-MNIST that works (item 3)', async () => {
    const data = new DataPage(page)
    await data.open(web.url)
    await expect.poll(() => data.found().textContent()).toContain(FASHION_MNIST)
    const field = page.getByTestId('fashion-dir')
    const problem = page.getByTestId('fashion-dir-problem')
    const status = page.getByTestId('dataset-status')
    const wrong = [
      { dir: '/no/such/folder', says: '/no/such/folder does not exist.' },
      // The data folder exists but holds runs, not the dataset.
      { dir: web.dataDir, says: `${web.dataDir} holds none of Fashion-MNIST's four files` }
    ]
    for (const [i, { dir, says }] of wrong.entries()) {
      await page.setViewportSize(SIZES[i])
      await field.fill(dir)
      await field.press('Enter')
      await expect.poll(() => problem.textContent()).toContain(says)
      // Said once, beside the field; the copy in use, its samples and the status bar stay.
      expect(await page.getByText(says).count()).toBe(1)
      expect(await data.found().textContent()).toContain(FASHION_MNIST)
      expect(await status.textContent()).toContain(FASHION_MNIST)
      expect(await status.locator('.dot.ok').count()).toBe(1)
      expect(await page.getByTestId('data-error').count()).toBe(0)
      expect(await page.getByTestId('fashion-missing').count()).toBe(0)
      expect(await data.samples().count()).toBe(60)
      expect(await field.inputValue()).toBe(dir)
      await screenshot(page, `walkthrough-wrong-folder-${SIZES[i].width}`)
    }
    // Emptying the field and pressing Enter clears the complaint.
    await field.fill('')
    await field.press('Enter')
    await expect.poll(() => problem.count()).toBe(0)
    await page.setViewportSize(SIZES[0])
  })

  it("keeps Learn's toy runs out of Shift, Predict and Study, marks them in Runs, and keeps the last toy net when Train again is stopped (item 5)", async () => {
    await page.goto(`${web.url}/#/learn`)
    await page.getByTestId('toy-train').click()
    await expect.poll(() => page.getByTestId('toy-verdict').count(), { timeout: 180_000, interval: 500 }).toBe(1)
    const verdict = await page.getByTestId('toy-verdict').textContent()
    const params = await page.getByTestId('toy-params').textContent()

    // Train again, then stop it once it is under way: the net checked before stays, said so.
    await page.getByTestId('toy-train').click()
    await expect.poll(() => page.getByTestId('toy-status').textContent(), { timeout: 60_000, interval: 100 }).toMatch(/epoch [1-9]/)
    expect(await page.getByTestId('toy-previous').count()).toBe(1)
    expect(await page.getByTestId('toy-params').textContent()).toBe(params)
    await page.getByRole('button', { name: 'Stop', exact: true }).click()
    await expect.poll(() => page.getByTestId('toy-note').textContent()).toContain('the net trained before is shown')
    expect(await page.getByTestId('toy-status').textContent()).toContain('Trained')
    expect(await page.getByTestId('toy-verdict').textContent()).toBe(verdict)
    expect(await page.getByTestId('toy-params').textContent()).toBe(params)
    for (const size of SIZES) {
      await page.setViewportSize(size)
      await page.getByTestId('toy-note').scrollIntoViewIfNeeded()
      await screenshot(page, `walkthrough-learn-stopped-${size.width}`)
    }

    // Runs lists both toy runs, the finished and the cancelled one, marked.
    const runs = new RunsPage(page)
    await page.goto(`${web.url}/#/runs`)
    await runs.row('Learn: the toy CNN').first().waitFor()
    expect(await runs.row('Learn: the toy CNN').count()).toBe(2)
    expect(await runs.row('Learn: the toy CNN').getByTestId('run-toy-badge').count()).toBe(2)
    for (const size of SIZES) {
      await page.setViewportSize(size)
      await runs.row('Learn: the toy CNN').first().scrollIntoViewIfNeeded()
      await screenshot(page, `walkthrough-runs-toy-${size.width}`)
    }

    // Shift, Predict and Study do not offer them, and say why.
    for (const [view, select] of [['shift', 'shift-run-a'], ['predict', 'predict-run'], ['study', null]] as const) {
      for (const size of SIZES) {
        await page.setViewportSize(size)
        await page.goto(`${web.url}/#/${view}`)
        await expect.poll(() => page.getByTestId('runs-left-out').textContent(), { message: view }).toMatch(/trained runs? (is|are) not offered here/)
        expect(await page.getByTestId('runs-left-out').textContent()).toMatch(view === 'study' ? /not trained on Fashion-MNIST/ : /toy set|1×4×4/)
        if (select) expect(await page.getByTestId(select).locator('option').allTextContents()).not.toContainEqual(expect.stringContaining('toy'))
        else expect(await page.getByTestId('study-no-runs').count()).toBe(1)
        await screenshot(page, `walkthrough-${view}-toy-left-out-${size.width}`)
      }
    }
    await page.setViewportSize(SIZES[0])
  })

  it.skipIf(!existsSync(FASHION_MNIST))('names each step before the first batch instead of a silent "Training" over an empty bar (item 1)', async () => {
    const train = new TrainPage(page)
    for (const [i, size] of SIZES.entries()) {
      await page.setViewportSize(size)
      await page.goto(`${web.url}/#/data`)
      await page.getByTestId('source-fashion-mnist').check()
      await train.open()
      await train.configure({ preset: 'seed-mlp', optimizer: 'sgd', learningRate: 0.01, batchSize: 32, epochs: 1, limit: 1000 + 500 * i, seed: i + 1 })
      // Every word the phase shows, however briefly: polling would miss a step shorter than a poll.
      await train.phase().evaluate((el) => {
        const seen: string[] = []
        ;(window as unknown as { phases: string[] }).phases = seen
        new MutationObserver(() => {
          const text = el.textContent?.trim() ?? ''
          if (text !== seen.at(-1)) seen.push(text)
        }).observe(el, { childList: true, characterData: true, subtree: true })
      })
      await train.start().click()
      // Waits for the recorded words, not the screen: the second run's files are already parsed,
      // so its loading can be over before any poll of the page would see it.
      await expect
        .poll(() => page.evaluate(() => (window as unknown as { phases: string[] }).phases.some((p) => p === 'Loading the data…' || p === 'Building the model…')))
        .toBe(true)
      await screenshot(page, `walkthrough-train-loading-${size.width}`)
      await expect.poll(() => train.phase().textContent(), { timeout: 240_000 }).toMatch(/^(Finished|Failed|Cancelled)$/)
      const seen = await page.evaluate(() => (window as unknown as { phases: string[] }).phases)
      const order = seen.join(' → ')
      expect(seen.at(-1), order).toBe('Finished')
      // Each step before the first batch is named, in order, before "Training"; then the test and the save.
      const at = (word: string): number => seen.indexOf(word)
      expect(at('Loading the data…'), order).toBeGreaterThanOrEqual(0)
      expect(at('Loading the data…'), order).toBeLessThan(at('Building the model…'))
      expect(at('Building the model…'), order).toBeLessThan(at('Training'))
      expect(at('Training'), order).toBeLessThan(at('Testing on the test set…'))
      expect(at('Testing on the test set…'), order).toBeLessThan(at('Saving the model…'))
    }
    await page.setViewportSize(SIZES[0])
  })

  it('refuses to start a model that does not fit the data, says what to change, and starts once it fits (item 2)', async () => {
    for (const size of SIZES) {
      await page.setViewportSize(size)
      await page.goto(`${web.url}/#/data`)
      await page.getByTestId('source-toy').check()
      await new TrainPage(page).open()
      await page.getByTestId('model-choice').selectOption('seed-mlp')
      await expect.poll(() => page.getByTestId('start-blocker').textContent()).toBe("The model's input is 1×28×28 but the toy set's images are 1×4×4: set the input to 1×4×4.")
      expect(await page.getByTestId('start').isDisabled()).toBe(true)
      await screenshot(page, `walkthrough-train-mismatch-${size.width}`)
      await page.getByTestId('model-choice').selectOption('seed-toy')
      await expect.poll(() => page.getByTestId('start-blocker').count()).toBe(0)
      expect(await page.getByTestId('start').isDisabled()).toBe(false)
    }
    await page.goto(`${web.url}/#/data`)
    await page.getByTestId('source-fashion-mnist').check()
    await page.setViewportSize(SIZES[0])
  })

  it("keeps every run's Rename and Delete in the window at 1024 px, however long its name and however many marks it has", async () => {
    const dir = join(web.dataDir, 'runs', 'long-marked')
    await createRun(
      dir,
      completedRunMeta('long-marked', {
        name: 'seed-cnn-blurpool on Fashion-MNIST, shifts ±3 px xy zero-filled, repeated for the report',
        model: { ...getPreset('seed-cnn')!, name: 'seed-cnn-blurpool-wide' },
        config: { optimizer: 'adam', learningRate: 10 }
      })
    )
    // Loss exploded (diverged) and a metrics file cut short (damaged): two marks beside the status.
    await writeHistory(dir, { epochs: [{ epoch: 1, loss: 4.2e13, accuracy: 0.1, seconds: 1 }], batches: [1, 2, 3].map((b) => ({ epoch: 1, batch: b, loss: b === 1 ? 2.3 : 4.2e13, accuracy: 0.1 })) })
    await writeFile(join(dir, 'metrics.json'), '{"accuracy": 0.1')
    const runs = new RunsPage(page)
    await page.setViewportSize(SIZES[1])
    await page.goto(`${web.url}/#/runs`)
    const row = runs.row('seed-cnn-blurpool on Fashion-MNIST, shifts ±3 px xy zero-filled, repeated for the report')
    await row.getByTestId('run-diverged-badge').waitFor()
    expect(await row.getByTestId('run-damaged-badge').count()).toBe(1)
    for (const button of ['run-rename', 'run-delete']) {
      const box = (await row.getByTestId(button).boundingBox())!
      expect(box.x + box.width, button).toBeLessThanOrEqual(SIZES[1].width)
    }
    await screenshot(page, 'walkthrough-runs-1024')
    await page.setViewportSize(SIZES[0])
  })

  it('undoes and redoes edits in Build with Ctrl+Z and Ctrl+Shift+Z, leaving a text field its own undo (item 6)', async () => {
    const build = new BuildPage(page)
    await build.open(web.url)
    await build.newStack()
    await build.add('conv2d', { Filters: 6 })
    await build.add('relu')
    await build.add('flatten')
    expect(await build.stackTypes()).toEqual(['Conv2d', 'ReLU', 'Flatten'])
    // In a number field Ctrl+Z belongs to the field: the stack keeps its three layers.
    await build.layerButton(1).click()
    await build.layer(1).getByLabel('Filters', { exact: true }).focus()
    await page.keyboard.press('Control+z')
    expect(await build.stackTypes()).toEqual(['Conv2d', 'ReLU', 'Flatten'])
    await build.layerButton(3).click()
    await page.keyboard.press('Control+z')
    await expect.poll(() => build.stackTypes()).toEqual(['Conv2d', 'ReLU'])
    expect(await page.getByTestId('undo-status').textContent()).toBe('Undone: Added Flatten')
    await page.keyboard.press('Control+z')
    await expect.poll(() => build.stackTypes()).toEqual(['Conv2d'])
    await page.keyboard.press('Control+Shift+z')
    await expect.poll(() => build.stackTypes()).toEqual(['Conv2d', 'ReLU'])
    await page.keyboard.press('Control+y')
    await expect.poll(() => build.stackTypes()).toEqual(['Conv2d', 'ReLU', 'Flatten'])
    expect(await page.getByTestId('undo-status').textContent()).toBe('Redone: Added Flatten')
  })

  it('makes the layer stack one tab stop, with arrows between layers and along a layer\'s buttons (item 6)', async () => {
    const build = new BuildPage(page)
    await build.open(web.url)
    await build.newStack()
    for (const type of ['conv2d', 'relu', 'flatten'] as const) await build.add(type)
    const focused = (): Promise<string> =>
      page.evaluate(() => {
        const el = document.activeElement as HTMLElement | null
        const row = el?.closest('[data-layer-id]')?.getAttribute('data-testid')
        return `${row ?? 'outside'}:${el?.getAttribute('aria-label')?.split(':')[0] ?? el?.tagName}`
      })
    // From the input shape's last field one Tab enters the stack at the selected layer (Flatten,
    // just added, has no form), and the next leaves the stack: five buttons a row no longer stop it.
    await page.getByLabel('Width', { exact: true }).focus()
    await page.keyboard.press('Tab')
    expect(await focused()).toBe('layer-3:Layer 3 of 3')
    await page.keyboard.press('Tab')
    expect(await focused()).toMatch(/^outside:/)
    await build.layerButton(3).focus()
    await page.keyboard.press('Home')
    expect(await focused()).toBe('layer-1:Layer 1 of 3')
    await page.keyboard.press('ArrowDown')
    expect(await focused()).toBe('layer-2:Layer 2 of 3')
    await page.keyboard.press('ArrowRight')
    // Layer 2's first enabled button: Move up.
    expect(await focused()).toBe('layer-2:Move ReLU up')
    await page.keyboard.press('ArrowRight')
    expect(await focused()).toBe('layer-2:Move ReLU down')
    await page.keyboard.press('ArrowDown')
    expect(await focused()).toBe('layer-3:Layer 3 of 3')
    expect(await page.locator('.layers button[tabindex="0"]').count()).toBe(1)
  })

  it('keeps the keyboard focus in the runs list after rename, Escape in the delete dialog, delete and undo; and on the next layer after Delete in Build (item 6)', async () => {
    for (const i of [1, 2, 3]) {
      await createRun(
        join(web.dataDir, 'runs', `focus-${i}`),
        completedRunMeta(`focus-${i}`, { name: `focus ${i}`, createdAt: new Date(Date.UTC(2030, 0, i)).toISOString() })
      )
    }
    const runs = new RunsPage(page)
    await page.goto(`${web.url}/#/runs`)
    await runs.row('focus 1').waitFor()
    // Which row holds the focus, and which control of it.
    const focused = (): Promise<string | null> =>
      page.evaluate(() => {
        const el = document.activeElement as HTMLElement | null
        const row = el?.closest('tr[data-run-id]')
        return row ? `${row.getAttribute('data-run-id')} ${el?.getAttribute('data-testid')}` : (el?.tagName ?? null)
      })
    const ids = await runs.rows().evaluateAll((rows) => rows.map((r) => r.getAttribute('data-run-id')!))
    expect(ids.length).toBeGreaterThanOrEqual(3)
    const [first, second] = ids

    const rename = runs.rows().nth(0).getByTestId('run-rename')
    await rename.click()
    await page.getByTestId('rename-input').press('Escape')
    await expect.poll(focused).toBe(`${first} run-rename`)
    await page.keyboard.press('Enter')
    await page.getByTestId('rename-input').fill('renamed by keyboard')
    await page.getByTestId('rename-input').press('Enter')
    await runs.row('renamed by keyboard').waitFor()
    await expect.poll(focused).toBe(`${first} run-rename`)

    await runs.rows().nth(0).getByTestId('run-delete').click()
    await runs.dialog().waitFor()
    await page.keyboard.press('Escape')
    await expect.poll(() => runs.dialog().count()).toBe(0)
    await expect.poll(focused).toBe(`${first} run-delete`)

    // Delete, confirmed: the row that took its place; Undo: the run brought back.
    await page.keyboard.press('Enter')
    await runs.dialog().getByTestId('confirm').click()
    await expect.poll(focused).toBe(`${second} run-delete`)
    await runs.undoToast().getByTestId('undo').click()
    await expect.poll(focused).toBe(`${first} run-open`)
    for (const size of SIZES) {
      await page.setViewportSize(size)
      await screenshot(page, `walkthrough-runs-focus-${size.width}`)
    }
    await page.setViewportSize(SIZES[0])

    // Build: Delete on a layer puts the focus on the layer that took its place.
    const build = new BuildPage(page)
    await build.open(web.url)
    await build.presetPicker().selectOption('seed-cnn')
    const layer = build.layer
    await layer(3).waitFor()
    const before = await page.locator('li[data-layer-id]').evaluateAll((li) => li.map((l) => l.getAttribute('data-layer-id')))
    await layer(3).locator('button.main').focus()
    await page.keyboard.press('Delete')
    await expect.poll(() => page.locator('li[data-layer-id]').count()).toBe(before.length - 1)
    await expect.poll(() => page.locator('li[data-layer-id]:has(:focus)').getAttribute('data-layer-id')).toBe(before[3])
    for (const size of SIZES) {
      await page.setViewportSize(size)
      await screenshot(page, `walkthrough-build-delete-focus-${size.width}`)
    }
    await page.setViewportSize(SIZES[0])
  })
})
