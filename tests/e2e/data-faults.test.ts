/**
 * The Data view over an image folder with files that are not images: it says how many are skipped
 * and why, before any training. Web mode in Chromium; the folder comes from the bad-input corpus.
 */
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeBadInputs, type BadInputs } from '../fixtures/bad-inputs/generate'
import { hasChromium, openWebSession, screenshot, type WebSession } from './support/web-app'

describe.skipIf(!hasChromium)('Data view over an image folder with junk in it', () => {
  let session: WebSession | undefined
  let corpus: BadInputs

  beforeAll(async () => {
    const root = await mkdtemp(join(tmpdir(), 'convlab-data-faults-'))
    corpus = await writeBadInputs(join(root, 'data', 'corpus'))
    // The session removes the folder around its data folder, corpus included.
    session = await openWebSession({ dataDir: join(root, 'data') })
  })
  afterAll(() => session?.close())

  it('shows the skipped files with their reasons beside the samples', async () => {
    const { page, web, errors } = session!
    await page.goto(`${web.url}/#/data`)
    await page.getByTestId('source-folder').check()
    await page.getByTestId('folder-dir').fill(corpus.junkFolder)
    await page.getByTestId('folder-dir').press('Enter')
    const skipped = page.getByTestId('data-skipped')
    await skipped.waitFor()
    expect(await skipped.textContent()).toMatch(/2 files of this folder are not readable images and will be skipped \(neither trained nor tested on\): notes\.txt is not a supported image .* empty\.png is empty\./)
    await screenshot(page, 'data-skipped')
    // Five files per class, one of each held out for testing by the seeded split; of the eight
    // left for training, the one junk file among them is skipped.
    await expect.poll(() => page.getByTestId('sample').count()).toBe(7)
    expect(errors).toEqual([])
  })
})
