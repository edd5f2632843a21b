/**
 * The Runs view over runs that went wrong: a diverged run, damaged ones, and a runs folder the app
 * cannot write. Web mode in Chromium; the runs are written straight to disk, so no training and no
 * Fashion-MNIST are needed.
 */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRun, updateRunMeta, writeHistory, writeTestMetrics, type RunMeta } from '../../src-main/runs/run-store'
import { makeReadOnly, type ReadOnly } from '../fixtures/read-only'
import { completedRunMeta } from '../fixtures/runs'
import { RunsPage } from './support/train-page'
import { hasChromium, openWebSession, screenshot, type WebSession } from './support/web-app'

const meta = (id: string, name: string, day: number): RunMeta =>
  completedRunMeta(id, {
    name,
    createdAt: new Date(Date.UTC(2026, 0, day)).toISOString(),
    config: { optimizer: 'adam', learningRate: 10, epochs: 2 },
    classNames: ['a', 'b']
  })

/** Stand-ins for a saved model: the list only checks that its files are there. */
async function fakeModel(dir: string): Promise<void> {
  await mkdir(join(dir, 'model'), { recursive: true })
  await writeFile(join(dir, 'model', 'model.json'), '{}')
  await writeFile(join(dir, 'model', 'weights.bin'), '')
}

async function seedRuns(runs: string): Promise<void> {
  await createRun(join(runs, 'fine'), meta('fine', 'Learns fine', 1))
  await fakeModel(join(runs, 'fine'))
  await writeHistory(join(runs, 'fine'), { epochs: [{ epoch: 1, loss: 0.6, accuracy: 0.8, seconds: 3 }], batches: [{ epoch: 1, batch: 1, loss: 2.3, accuracy: 0.1 }] })
  await writeTestMetrics(join(runs, 'fine'), { count: 2, loss: 0.5, accuracy: 0.5, confusion: [[1, 0], [1, 0]] })
  await createRun(join(runs, 'exploded'), meta('exploded', 'Adam at lr 10', 2))
  await fakeModel(join(runs, 'exploded'))
  await writeHistory(join(runs, 'exploded'), {
    epochs: [
      { epoch: 1, loss: 3.1e9, accuracy: 0.1, seconds: 3 },
      { epoch: 2, loss: 4.2e13, accuracy: 0.1, seconds: 3 }
    ],
    batches: [{ epoch: 1, batch: 1, loss: 2.31, accuracy: 0.1 }]
  })
  await createRun(join(runs, 'bad-metrics'), meta('bad-metrics', 'Corrupt metrics', 3))
  await writeFile(join(runs, 'bad-metrics', 'metrics.json'), '{"count": 10000, "loss"')
  await mkdir(join(runs, 'bad-run-json'), { recursive: true })
  await writeFile(join(runs, 'bad-run-json', 'run.json'), '{"id": "bad-run-json", "name": "cut')
}

describe.skipIf(!hasChromium)('Runs view over diverged and damaged runs', () => {
  let session: WebSession | undefined

  beforeAll(async () => {
    const dataDir = join(await mkdtemp(join(tmpdir(), 'convlab-runs-faults-')), 'data')
    await seedRuns(join(dataDir, 'runs'))
    session = await openWebSession({ dataDir })
  })
  afterAll(() => session?.close())

  it('flags the diverged run and lists the damaged ones with what is wrong and what is usable', async () => {
    const { page, web, errors } = session!
    await page.goto(web.url)
    const runs = new RunsPage(page)
    await runs.open()
    expect(await runs.rows().count()).toBe(4)
    expect(await runs.row('Adam at lr 10').getByTestId('run-diverged-badge').count()).toBe(1)
    expect(await runs.row('Learns fine').getByTestId('run-diverged-badge').count()).toBe(0)
    expect(await runs.row('Corrupt metrics').getByTestId('run-damaged-badge').count()).toBe(1)
    expect(await runs.row('bad-run-json').textContent()).toContain('damaged')
    const notice = await page.getByTestId('runs-damaged').textContent()
    expect(notice).toMatch(/2 runs are damaged/)
    expect(notice).toMatch(/bad-run-json: run\.json is not valid JSON \(cut short or corrupted\)\. The run cannot be opened without run\.json, and nothing else in it is usable; delete it\./)
    expect(notice).toMatch(/Corrupt metrics: metrics\.json is not valid JSON .*the trained model lacks model\/model\.json and model\/weights\.bin/)
    await runs.openRun('Adam at lr 10')
    expect(await runs.detail().getByTestId('run-diverged').textContent()).toMatch(/Diverged: the loss rose from 2\.31 to 4\.2e\+13 \(epoch 2\); the weights are kept but did not learn/)
    await screenshot(page, 'runs-diverged-damaged', { dark: true })
    expect(errors).toEqual([])
  })
})

describe.skipIf(!hasChromium)('Runs view over a read-only runs folder', () => {
  let session: WebSession | undefined
  let ro: ReadOnly | undefined

  beforeAll(async () => {
    const dataDir = join(await mkdtemp(join(tmpdir(), 'convlab-runs-ro-')), 'data')
    const runs = join(dataDir, 'runs')
    await seedRuns(runs)
    // A run a killed app left "running": marking it interrupted is the write that used to stop the app.
    await updateRunMeta(join(runs, 'fine'), { status: 'running' })
    ro = await makeReadOnly([runs, join(runs, 'fine')])
    if (!ro.applied) return
    session = await openWebSession({ dataDir })
  })
  afterAll(async () => {
    await ro?.undo()
    await session?.close()
  })

  it('starts, shows the runs, says why they are read-only and offers no change', async (ctx) => {
    if (!session) ctx.skip()
    const { page, web, errors } = session!
    await page.goto(web.url)
    const runs = new RunsPage(page)
    await runs.open()
    expect(await page.getByTestId('runs-read-only').textContent()).toMatch(/The runs folder .* cannot be written \((EACCES|EPERM)\): runs are shown read-only/)
    expect(await runs.rows().count()).toBe(4)
    expect(await runs.row('Learns fine').getByTestId('run-delete').isDisabled()).toBe(true)
    expect(await runs.row('Adam at lr 10').getByTestId('run-rename').isDisabled()).toBe(true)
    await screenshot(page, 'runs-read-only')
    expect(errors).toEqual([])
  })
})
