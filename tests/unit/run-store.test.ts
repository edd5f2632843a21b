import { mkdtemp, readFile, readdir, rm, writeFile, mkdir } from 'node:fs/promises'
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
import { writeFileAtomic } from '../../src-main/runs/atomic-write'
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

  it('lists runs newest first and reports unreadable folders instead of failing', async () => {
    await createRun(join(root, 'old'), meta('old', '2025-01-01T00:00:00.000Z'))
    await createRun(join(root, 'new'), meta('new', '2026-01-01T00:00:00.000Z'))
    await mkdir(join(root, 'broken'))
    await writeFile(join(root, 'broken', 'run.json'), '{"id": "broken", truncated')
    await mkdir(join(root, 'not-a-run'))
    const { runs, unreadable } = await listRuns(root)
    expect(runs.map((r) => r.id)).toEqual(['new', 'old'])
    expect(unreadable).toHaveLength(1)
    expect(unreadable[0].reason).toMatch(/not valid JSON/)
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
