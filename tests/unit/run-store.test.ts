import { cp, mkdtemp, readFile, readdir, rm, utimes, writeFile, mkdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  createRun,
  listRuns,
  newRunId,
  readRun,
  runDir,
  updateRunMeta,
  writeHistory,
  writeTestMetrics,
  type RunMeta
} from '../../src-main/runs/run-store'
import { removeStaleTemporaries, writeFileAtomic } from '../../src-main/runs/atomic-write'
import { TrainConfig } from '../../src-main/shared/contract'

function meta(id: string, createdAt: string): RunMeta {
  return {
    id,
    name: `run ${id}`,
    createdAt,
    status: 'running',
    model: { name: 'tiny', inputShape: [4], layers: [{ type: 'dense', units: 2, activation: 'softmax', useBias: true }] },
    data: { kind: 'toy' },
    config: TrainConfig.parse({ epochs: 2 }),
    classNames: ['0', '1']
  }
}

describe('run store', () => {
  let root: string
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'convlab-runs-'))
  })
  afterEach(() => rm(root, { recursive: true, force: true }))

  it('round-trips a run with history and test metrics', async () => {
    const dir = join(root, 'a')
    await createRun(dir, meta('a', '2026-01-01T00:00:00.000Z'))
    await writeHistory(dir, {
      epochs: [{ epoch: 1, loss: 0.5, accuracy: 0.8, seconds: 1.5 }],
      batches: [{ epoch: 1, batch: 0, loss: 0.7, accuracy: 0.5 }]
    })
    await writeTestMetrics(dir, { count: 2, loss: 0.4, accuracy: 1, confusion: [[1, 0], [0, 1]] })
    await updateRunMeta(dir, { status: 'completed', backend: 'wasm', threads: { count: 2, split: 'batch' } })
    const run = await readRun(dir)
    expect(run.status).toBe('completed')
    expect(run.backend).toBe('wasm')
    expect(run.threads).toEqual({ count: 2, split: 'batch' })
    expect(run.augmented).toBe(false)
    // A shift of 0 px is no augmentation; 1 px is.
    for (const [maxShift, augmented] of [[0, false], [1, true]] as const) {
      const other = join(root, `shift-${maxShift}`)
      await createRun(other, { ...meta(`s${maxShift}`, '2026-01-02T00:00:00.000Z'), config: TrainConfig.parse({ augment: { maxShift } }) })
      expect((await readRun(other)).augmented).toBe(augmented)
    }
    expect(run.epochsDone).toBe(1)
    expect(run.testAccuracy).toBe(1)
    expect(run.batches).toHaveLength(1)
    expect(run.model.layers[0]).toMatchObject({ type: 'dense', units: 2 })
  })

  it('lists runs newest first, a run with a corrupt run.json as damaged rather than dropped', async () => {
    await createRun(join(root, 'old'), meta('old', '2025-01-01T00:00:00.000Z'))
    await createRun(join(root, 'new'), meta('new', '2026-01-01T00:00:00.000Z'))
    await mkdir(join(root, 'broken'))
    await writeFile(join(root, 'broken', 'run.json'), '{"id": "broken", truncated')
    await utimes(join(root, 'broken', 'run.json'), new Date('2025-06-01T00:00:00Z'), new Date('2025-06-01T00:00:00Z'))
    await mkdir(join(root, 'not-a-run'))
    // A folder name no run id can have cannot be listed, so it is reported instead.
    await mkdir(join(root, 'bad name'))
    await writeFile(join(root, 'bad name', 'run.json'), '{')
    const { runs, unreadable } = await listRuns(root)
    expect(runs.map((r) => r.id)).toEqual(['new', 'broken', 'old'])
    expect(runs[1]).toMatchObject({
      id: 'broken',
      status: 'damaged',
      modelName: '',
      createdAt: '2025-06-01T00:00:00.000Z',
      damage: { problems: ['run.json is not valid JSON (cut short or corrupted)'], modelUsable: false }
    })
    expect(runs[1].damage!.usable).toMatch(/nothing else in it is usable; delete it/)
    expect(runs[1].data).toBeUndefined()
    expect(unreadable.map((u) => u.dir)).toEqual([join(root, 'bad name')])
  })

  it('keeps a run with a corrupt metrics.json or history.json usable, and says what is wrong', async () => {
    const dir = join(root, 'm')
    await createRun(dir, meta('m', '2026-01-01T00:00:00.000Z'))
    await updateRunMeta(dir, { status: 'completed' })
    await mkdir(join(dir, 'model'))
    await writeFile(join(dir, 'model', 'model.json'), '{}')
    await writeFile(join(dir, 'model', 'weights.bin'), '')
    await writeHistory(dir, { epochs: [{ epoch: 1, loss: 0.5, accuracy: 0.8, seconds: 1 }], batches: [] })
    await writeFile(join(dir, 'metrics.json'), '{"count": 2, "loss": ')
    const run = await readRun(dir)
    expect(run.test).toBeUndefined()
    expect(run.epochs).toHaveLength(1)
    expect(run.damage).toEqual({
      problems: ['metrics.json is not valid JSON (cut short or corrupted)'],
      causes: [{ kind: 'notJson', file: 'metrics.json' }],
      usable: 'Still usable: the trained model (evaluate the run again for its test metrics), the training curves.',
      keeps: { opens: true, model: true, curves: true },
      modelUsable: true
    })

    await writeFile(join(dir, 'history.json'), JSON.stringify({ epochs: 'none' }))
    await writeTestMetrics(dir, { count: 2, loss: 0.4, accuracy: 0.5, confusion: [[1, 0], [1, 0]] })
    const again = await readRun(dir)
    expect(again.epochs).toEqual([])
    expect(again.testAccuracy).toBe(0.5)
    expect(again.damage!.problems).toEqual([expect.stringMatching(/^history\.json is malformed \(epochs: /)])
    expect(again.damage!.usable).toBe('Still usable: the trained model, the test metrics.')

    await rm(join(dir, 'model', 'weights.bin'))
    expect((await readRun(dir)).damage).toMatchObject({ problems: expect.arrayContaining(['the trained model lacks model/weights.bin']), modelUsable: false })
  })

  it('starts a run in a reused folder empty: the old metrics and model go', async () => {
    const dir = join(root, 'reused')
    await createRun(dir, meta('reused', '2026-01-01T00:00:00.000Z'))
    await writeTestMetrics(dir, { count: 2, loss: 0.4, accuracy: 0.59, confusion: [[1, 0], [1, 0]] })
    await writeHistory(dir, { epochs: [{ epoch: 1, loss: 0.5, accuracy: 0.8, seconds: 1 }], batches: [] })
    await mkdir(join(dir, 'model'))
    await writeFile(join(dir, 'model', 'weights.bin'), 'old')
    await createRun(dir, meta('reused', '2026-02-01T00:00:00.000Z'))
    const run = await readRun(dir)
    expect(run.testAccuracy).toBeUndefined()
    expect(run.epochs).toEqual([])
    expect((await readdir(dir)).sort()).toEqual(['history.json', 'run.json'])
  })

  it('addresses a run by its folder, not by the id its run.json was written with', async () => {
    await createRun(join(root, 'orig'), meta('orig', '2026-01-01T00:00:00.000Z'))
    await cp(join(root, 'orig'), join(root, 'copy'), { recursive: true })
    expect((await listRuns(root)).runs.map((r) => r.id).sort()).toEqual(['copy', 'orig'])
    expect((await readRun(join(root, 'copy'))).id).toBe('copy')
  })

  it('flags a run whose loss exploded as diverged', async () => {
    const dir = join(root, 'd')
    await createRun(dir, meta('d', '2026-01-01T00:00:00.000Z'))
    await writeHistory(dir, {
      epochs: [
        { epoch: 1, loss: 9.1e6, accuracy: 0.1, seconds: 1 },
        { epoch: 2, loss: 4.2e13, accuracy: 0.1, seconds: 1 }
      ],
      batches: [{ epoch: 1, batch: 1, loss: 2.31, accuracy: 0.1 }]
    })
    expect((await listRuns(root)).runs[0].diverged).toEqual({ firstLoss: 2.31, peakLoss: 4.2e13, epoch: 2 })
  })

  it('names the file and the field when run.json is malformed', async () => {
    const dir = join(root, 'bad')
    await mkdir(dir)
    await writeFile(join(dir, 'run.json'), JSON.stringify({ id: 'bad', name: 3 }))
    await expect(readRun(dir)).rejects.toThrow(/run\.json is malformed \(name:/)
  })

  it('says when a folder is not a run', async () => {
    await expect(readRun(join(root, 'missing'))).rejects.toThrow(/is not a ConvLab run: .*does not exist/)
  })

  it('refuses run ids that escape the runs folder', () => {
    expect(() => runDir(root, '../etc')).toThrow(/Invalid run id/)
    expect(runDir(root, 'ok-1')).toBe(join(root, 'ok-1'))
  })

  it('makes sortable, filesystem-safe ids', () => {
    const id = newRunId('Seed CNN / v2', new Date('2026-03-04T05:06:07Z'))
    expect(id).toMatch(/^20260304-050607-seed-cnn-v2-[a-z0-9]{1,4}$/)
  })

  it('removes temporary files of cut-short writes once they are a minute old, never younger ones', async () => {
    await writeFile(join(root, '.a.json.0123456789ab.tmp'), 'cut short')
    await writeFile(join(root, '.b.json.0123456789ab.tmp'), 'in progress')
    await writeFile(join(root, 'mine.tmp'), 'the user’s')
    const old = new Date(Date.now() - 120_000)
    await utimes(join(root, '.a.json.0123456789ab.tmp'), old, old)
    expect(await removeStaleTemporaries(root)).toBe(1)
    expect((await readdir(root)).sort()).toEqual(['.b.json.0123456789ab.tmp', 'mine.tmp'])
    expect(await removeStaleTemporaries(join(root, 'missing'))).toBe(0)
  })

  it('replaces a file whole through a temporary sibling and leaves no temporary files', async () => {
    const path = join(root, 'f.json')
    await writeFileAtomic(path, 'old')
    await expect(writeFileAtomic(join(path, 'child'), 'x')).rejects.toThrow()
    expect(await readFile(path, 'utf8')).toBe('old')
    await writeFileAtomic(path, 'new')
    expect(await readFile(path, 'utf8')).toBe('new')
    expect((await readdir(root)).filter((f) => f.endsWith('.tmp'))).toEqual([])
  })
})
