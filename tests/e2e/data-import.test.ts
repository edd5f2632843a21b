/**
 * IDX files dropped on the Data view: a valid test-split pair is checked, recognised and copied
 * into the app's data folder, and a PNG renamed .gz is refused by name, beside the good ones.
 */
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { fashionSplit, gzip } from '../fixtures/data/builders'
import { DataPage } from './support/train-page'
import { hasChromium, onePageInOrder, screenshot, type WebMode } from './support/web-app'

const PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 73, 72, 68, 82, 0, 0, 0, 1, 0, 0, 0, 1])

describe.skipIf(!hasChromium)('importing IDX files in the browser', () => {
  let web: WebMode
  let page: Page
  let errors: string[]

  onePageInOrder((session) => {
    ;({ web, page, errors } = session)
  })

  it('imports a valid pair and names the file it refuses', async () => {
    const data = new DataPage(page)
    await page.goto(`${web.url}/#/data`)
    await data.fashionDrop().waitFor()
    await expect(page.getByTestId('idx-pick').isEnabled()).resolves.toBe(true)

    const test = fashionSplit(2, [1, 8])
    await data.drop('[data-testid="fashion-drop"]', [
      { name: 't10k-images-idx3-ubyte.gz', bytes: gzip(test.images) },
      { name: 't10k-labels-idx1-ubyte.gz', bytes: gzip(test.labels) },
      { name: 'train-images-idx3-ubyte.gz', bytes: PNG }
    ])
    await expect.poll(() => data.importResults().count(), { timeout: 30_000 }).toBe(3)
    const rows = await data.importResults().all()
    expect(await Promise.all(rows.map((r) => r.getAttribute('data-ok')))).toEqual(['true', 'true', 'false'])
    expect(await rows[0].textContent()).toContain('test images · 2')
    expect(await rows[1].textContent()).toContain('test labels · 2')
    expect(await rows[2].textContent()).toMatch(/train-images-idx3-ubyte\.gz is not an IDX file.*PNG image/)

    const saved = join(web.dataDir, 'fashion-mnist')
    expect(existsSync(join(saved, 't10k-images-idx3-ubyte.gz'))).toBe(true)
    expect(existsSync(join(saved, 't10k-labels-idx1-ubyte.gz'))).toBe(true)
    expect(existsSync(join(saved, 'train-images-idx3-ubyte.gz'))).toBe(false)
    // The drop zone kept the files: the window-wide Predict overlay would have changed the view.
    expect(page.url()).toContain('#/data')
    await screenshot(page, 'data-import')
    expect(errors).toEqual([])
  })
})
