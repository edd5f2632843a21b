/**
 * A run's checkpoint in the Runs view, in Chromium against web mode (issue 18): the details say
 * its epoch, its size and whether the run goes on from it exactly; Drop checkpoint asks first
 * (Escape keeps it, the focus back on the button), frees the disk, and the details then say that
 * Continue needs a fresh optimizer, which it does. A stopped run's checkpoint is kept. All by
 * keyboard, in English and in Chinese, with screenshots at 1400×900 and 1024×700.
 */
import { existsSync } from 'node:fs'
import { cp, readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { trainRun } from './support/cli'
import { RunsPage, TrainPage } from './support/train-page'
import { FASHION_MNIST, hasChromium, pagePerTest, screenshot, type WebMode } from './support/web-app'

/** seed-cnn with Adam for one epoch on a few hundred images: a real checkpoint of about 10 MB in seconds. */
const CNN = ['--model', 'seed-cnn', '--data', 'fashion-mnist', '--epochs', '1', '--limit', '300', '--test-limit', '200', '--seed', '3']
const DONE = 'seed-cnn · Fashion-MNIST · 300 images · 1 ep'
const STOPPED = 'seed-cnn stopped after epoch 1 of 3'

const SIZES = [
  [1400, 900],
  [1024, 700]
] as const

/** A completed run, and a copy of it marked cancelled after 1 of 3 epochs: resumable from its checkpoint. */
async function prepare(dataDir: string): Promise<void> {
  const done = join(dataDir, 'runs', 'cnn')
  await trainRun([...CNN, '--out', done])
  const stopped = join(dataDir, 'runs', 'cnn-stopped')
  await cp(done, stopped, { recursive: true })
  const meta = JSON.parse(await readFile(join(stopped, 'run.json'), 'utf8')) as { name: string; status: string; config: { epochs: number } }
  await writeFile(join(stopped, 'run.json'), JSON.stringify({ ...meta, id: 'cnn-stopped', name: STOPPED, status: 'cancelled', config: { ...meta.config, epochs: 3 } }))
}

const focused = (page: Page): Promise<string | null> => page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? document.activeElement?.tagName ?? null)

async function shots(page: Page, name: string): Promise<void> {
  for (const [width, height] of SIZES) {
    await page.setViewportSize({ width, height })
    await screenshot(page, `${name}-${width}`)
  }
  await page.setViewportSize({ width: 1400, height: 900 })
}

/** Opens the dialog from the focused Drop button with Enter; the focus starts on "Keep it". */
async function askToDrop(page: Page): Promise<void> {
  await page.getByTestId('drop-checkpoint').focus()
  await page.keyboard.press('Enter')
  await page.getByTestId('confirm-dialog').waitFor()
  expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).toBe(await page.getByTestId('confirm-dialog').locator('button').first().textContent().then((s) => s?.trim()))
}

describe.skipIf(!hasChromium || !existsSync(FASHION_MNIST))("a run's checkpoint in the Runs view", () => {
  let web: WebMode
  let page: Page
  pagePerTest((opened) => ({ page, web } = opened), { width: 1400, height: 900, prepare })

  it('says what the checkpoint holds, drops it after asking, and then Continue trains on with a fresh optimizer', async () => {
    const runs = new RunsPage(page)
    await page.goto(`${web.url}/#/runs`)
    await runs.openRun(STOPPED)
    // A stopped run's checkpoint resumes it: shown, never offered to drop.
    await expect.poll(() => page.getByTestId('checkpoint-saved').textContent()).toMatch(/^after epoch 1, (9|10|11) MB$/)
    expect(await page.getByTestId('checkpoint-note').textContent()).toBe('Resume goes on exactly where the run stopped; the checkpoint is kept while the run can be resumed.')
    expect(await page.getByTestId('drop-checkpoint').count()).toBe(0)
    await shots(page, 'checkpoint-stopped')

    await runs.openRun(DONE)
    await expect.poll(() => page.getByTestId('checkpoint-note').textContent()).toBe('Continue gives the same weights as one longer run.')
    const size = (await page.getByTestId('checkpoint-saved').textContent())?.replace('after epoch 1, ', '')
    expect(await page.getByTestId('fresh-optimizer').count()).toBe(0)
    await shots(page, 'checkpoint-completed')

    // Escape keeps it, the focus back on the button that asked.
    await askToDrop(page)
    await shots(page, 'checkpoint-dialog')
    expect(await page.getByTestId('confirm-dialog').textContent()).toContain(`the weights and optimizer state after epoch 1) is deleted; the trained model stays. Continuing the run then needs a fresh optimizer`)
    await page.keyboard.press('Escape')
    await expect.poll(() => page.getByTestId('confirm-dialog').count()).toBe(0)
    expect(await focused(page)).toBe('drop-checkpoint')
    expect(await readdir(join(web.dataDir, 'runs', 'cnn'))).toContain('checkpoint')

    await askToDrop(page)
    await page.keyboard.press('Tab')
    expect(await focused(page)).toBe('confirm')
    await page.keyboard.press('Enter')
    await expect.poll(() => page.getByTestId('checkpoint-dropped').textContent()).toBe(`Checkpoint dropped: ${size} freed.`)
    expect(await page.getByTestId('checkpoint-saved').textContent()).toBe('none')
    expect(await page.getByTestId('checkpoint-note').textContent()).toBe('No checkpoint: Continue needs a fresh optimizer, so it no longer gives the same weights as one longer run.')
    expect(await page.getByTestId('drop-checkpoint').count()).toBe(0)
    expect(await focused(page)).toBe('P')
    expect(await readdir(join(web.dataDir, 'runs', 'cnn'))).not.toContain('checkpoint')
    expect(await readdir(join(web.dataDir, 'runs', 'cnn', 'model'))).toEqual(['model.json', 'weights.bin'])
    await shots(page, 'checkpoint-dropped')

    // Continue waits for the fresh optimizer to be ticked, then trains on; the name says the new epoch count.
    await page.getByTestId('continue-epochs').fill('1')
    expect(await page.getByTestId('continue-run').isDisabled()).toBe(true)
    await page.getByTestId('fresh-optimizer').check()
    await page.getByTestId('continue-run').click()
    const train = new TrainPage(page)
    await expect.poll(() => train.phase().textContent(), { timeout: 180_000 }).toBe('Finished')
    const saved = JSON.parse(await readFile(join(web.dataDir, 'runs', 'cnn', 'run.json'), 'utf8')) as { name: string; resumes: { epoch: number; freshOptimizer?: boolean }[] }
    expect(saved.name).toBe('seed-cnn · Fashion-MNIST · 300 images · 2 ep')
    expect(saved.resumes).toEqual([expect.objectContaining({ epoch: 1, kind: 'continue', freshOptimizer: true })])
    expect(await page.locator('#run-title').textContent()).toBe(saved.name)
  })
})

describe.skipIf(!hasChromium || !existsSync(FASHION_MNIST))("a run's checkpoint in the Runs view, in Chinese", () => {
  let web: WebMode
  let page: Page
  pagePerTest((opened) => ({ page, web } = opened), { width: 1400, height: 900, locale: 'zh-CN', prepare })

  it('says the checkpoint, the dialog and the dropped state in zh-CN', async () => {
    const runs = new RunsPage(page)
    await page.goto(`${web.url}/#/runs`)
    await runs.openRun(STOPPED)
    await expect.poll(() => page.getByTestId('checkpoint-saved').textContent()).toMatch(/^第 1 个迭代周期之后，(9|10|11) MB$/)
    expect(await page.getByTestId('checkpoint-note').textContent()).toBe('恢复训练会从运行停下的地方精确地接着训练；运行还能恢复训练时，检查点会保留。')
    await shots(page, 'checkpoint-stopped-zh')
    await runs.openRun(DONE)
    await expect.poll(() => page.getByTestId('checkpoint-note').textContent()).toBe('继续训练得到的权重与一次更长的训练相同。')
    await shots(page, 'checkpoint-completed-zh')
    await askToDrop(page)
    expect(await page.getByTestId('confirm-dialog').textContent()).toContain('删除检查点？')
    await shots(page, 'checkpoint-dialog-zh')
    await page.keyboard.press('Tab')
    await page.keyboard.press('Enter')
    await expect.poll(() => page.getByTestId('checkpoint-dropped').textContent()).toMatch(/^已删除检查点：释放了 (9|10|11) MB。$/)
    expect(await page.getByTestId('checkpoint-note').textContent()).toBe('没有检查点：继续训练需要重新开始优化器，得到的权重不再与一次更长的训练相同。')
    await shots(page, 'checkpoint-dropped-zh')
  })
})
