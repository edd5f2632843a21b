/**
 * The Runs view's "Export for PyTorch": a trained run is written into the data folder's exports/
 * as the CLI's export writes it, and the view says where; a failed run offers no export. The
 * details' report files (summary as text and Markdown, confusion matrix as CSV) download.
 */
import { existsSync } from 'node:fs'
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { trainedRuns } from './support/cli'
import { FASHION_MNIST, hasChromium, pagePerTest, screenshot, type WebMode } from './support/web-app'

describe.skipIf(!hasChromium || !existsSync(FASHION_MNIST))('exporting a run from the Runs view', () => {
  let web: WebMode
  let page: Page
  // A page per test: each opens the run it needs.
  pagePerTest(
    (opened) => ({ page, web } = opened),
    {
      prepare: async (dataDir) => {
        await trainedRuns({ 'mlp-export': ['--model', 'seed-mlp', '--data', 'fashion-mnist', '--seed', '1', '--limit', '600', '--epochs', '1'] })(dataDir)
        await mkdir(join(dataDir, 'runs', 'failed-run'), { recursive: true })
        const run = JSON.parse(await readFile(join(dataDir, 'runs', 'mlp-export', 'run.json'), 'utf8')) as Record<string, unknown>
        await writeFile(join(dataDir, 'runs', 'failed-run', 'run.json'), JSON.stringify({ ...run, id: 'failed-run', name: 'Failed run', status: 'failed', error: 'NaN loss' }))
      }
    }
  )

  it('writes model.py, the weights and train.py into exports/ and says where', async () => {
    await page.goto(`${web.url}/#/runs`)
    const rows = page.getByTestId('run-row')
    await rows.first().waitFor()
    await rows.filter({ hasText: 'Failed run' }).getByTestId('run-open').click()
    await expect.poll(() => page.getByTestId('run-detail').locator('h2').textContent()).toBe('Failed run')
    expect(await page.getByTestId('run-export-pytorch').isDisabled()).toBe(true)

    await rows.filter({ hasNotText: 'Failed run' }).getByTestId('run-open').click()
    await expect.poll(() => page.getByTestId('run-detail').locator('h2').textContent()).not.toBe('Failed run')
    await page.getByTestId('run-export-pytorch').click()
    const notice = page.getByTestId('run-exported')
    await notice.waitFor({ timeout: 60_000 })
    const dir = (await notice.locator('code').textContent())!.trim()
    expect(dir.startsWith(join(web.dataDir, 'exports'))).toBe(true)
    expect((await readdir(dir)).sort()).toEqual(['README.md', 'model.py', 'predict.py', 'train.py', 'weights.safetensors'])
    expect(await notice.textContent()).toContain('README.md, model.py, predict.py, train.py, weights.safetensors')
    await screenshot(page, 'runs-exported')
  })

  it("downloads the summary as text and Markdown and the confusion matrix as CSV, named after the run", async () => {
    await page.goto(`${web.url}/#/runs`)
    await page.getByTestId('run-row').filter({ hasNotText: 'Failed run' }).getByTestId('run-open').click()
    await page.getByTestId('run-summary').waitFor()
    const saved = async (testId: string): Promise<{ name: string; text: string }> => {
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testId).click()])
      return { name: download.suggestedFilename(), text: await readFile((await download.path())!, 'utf8') }
    }
    const text = await saved('summary-text')
    expect(text.name).toBe('seed-mlp · Fashion-MNIST · 600 images · 1 ep-summary.txt')
    expect(text.text).toBe(await page.getByTestId('run-summary').textContent())
    const markdown = await saved('summary-markdown')
    expect(markdown.name).toBe('seed-mlp · Fashion-MNIST · 600 images · 1 ep-summary.md')
    expect(markdown.text).toContain('| Linear-2 | [-1, 1000] | 785,000 |')
    expect(markdown.text).toContain('| Total params | 795,010 |')
    const csv = await saved('confusion-csv')
    expect(csv.name).toBe('seed-mlp · Fashion-MNIST · 600 images · 1 ep-confusion.csv')
    const rows = csv.text.trim().split('\n').map((line) => line.split(','))
    expect(rows[0]).toEqual(['true \\ predicted', 'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'])
    // The counts the run kept, true classes down.
    const metrics = JSON.parse(await readFile(join(web.dataDir, 'runs', 'mlp-export', 'metrics.json'), 'utf8')) as { confusion: number[][] }
    expect(rows.slice(1).map((r) => r.slice(1).map(Number))).toEqual(metrics.confusion)
    await screenshot(page, 'runs-report-buttons')
  })
})
