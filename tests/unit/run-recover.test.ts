import { readFile, readdir, utimes, writeFile } from 'node:fs/promises'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { INTERRUPTED_ERROR, recoverRuns } from '../../src-main/runs/recover'
import { LOCK_FILE, STALE_MS, holdRunLock, runLockState } from '../../src-main/runs/run-lock'
import { createRun, readRunMeta, type RunMeta } from '../../src-main/runs/run-store'
import { dispatch } from '../../src-main/services/dispatch'
import { createLabService } from '../../src-main/services/lab-service'
import { TrainConfig } from '../../src-main/shared/contract'
import { getPreset } from '../../src-main/shared/presets'
import { tempDir, type TempDir } from '../fixtures/data/builders'
import { makeReadOnly } from '../fixtures/read-only'
import { silentEngine } from '../fixtures/engine/scripted-host'

function meta(id: string): RunMeta {
  return {
    id,
    name: id,
    createdAt: '2026-01-01T00:00:00.000Z',
    status: 'running',
    model: getPreset('seed-mlp')!,
    data: { kind: 'toy' },
    config: TrainConfig.parse({}),
    classNames: []
  }
}

/** A pid no process has: the kernel's limit is below 2^22 on Linux. */
const DEAD_PID = 2 ** 22 + 12345

let tmp: TempDir
const runs = (): string => join(tmp.path, 'runs')
beforeEach(async () => {
  tmp = await tempDir('convlab-recover-')
})
afterEach(() => tmp.remove())

describe('run locks', () => {
  it('is live while the training process exists and beats, and not after', async () => {
    const dir = join(runs(), 'a')
    await createRun(dir, meta('a'))
    expect((await runLockState(dir)).live).toBe(false)
    const release = await holdRunLock(dir)
    const state = await runLockState(dir)
    expect(state).toMatchObject({ live: true, lock: { pid: process.pid, host: hostname() } })
    // The same lock judged a minute later without a heartbeat (the pid reused by another program).
    expect((await runLockState(dir, Date.now() + STALE_MS + 1)).live).toBe(false)
    // Its process gone.
    expect((await runLockState(dir, Date.now(), () => false)).live).toBe(false)
    await release()
    expect(await readdir(dir)).not.toContain(LOCK_FILE)
  })
})

describe('recoverRuns', () => {
  it('marks runs whose process is gone interrupted, cleans their temporary files, and leaves a live run alone', async () => {
    const dead = join(runs(), 'dead')
    const live = join(runs(), 'live')
    const done = join(runs(), 'done')
    await createRun(dead, meta('dead'))
    await writeFile(join(dead, LOCK_FILE), JSON.stringify({ pid: DEAD_PID, host: hostname(), startedAt: 'x' }))
    await writeFile(join(dead, '.history.json.0123456789ab.tmp'), '{"epo')
    await createRun(join(dead, '..', 'nolock'), meta('nolock'))
    await createRun(live, meta('live'))
    const release = await holdRunLock(live)
    await writeFile(join(live, '.metrics.json.0123456789ab.tmp'), 'mid-write')
    await createRun(done, { ...meta('done'), status: 'completed' })
    await writeFile(join(done, 'notes.tmp'), 'the user’s own file')

    const result = await recoverRuns(runs())
    expect(result.interrupted.sort()).toEqual(['dead', 'nolock'])
    expect(result.removed).toBe(1)
    expect(result.readOnly).toBeUndefined()
    expect(await readRunMeta(dead)).toMatchObject({ status: 'failed', error: INTERRUPTED_ERROR })
    expect((await readdir(dead)).sort()).toEqual(['history.json', 'run.json'])
    expect((await readRunMeta(live)).status).toBe('running')
    expect(await readdir(live)).toContain('.metrics.json.0123456789ab.tmp')
    expect(await readdir(done)).toContain('notes.tmp')
    await release()
  })

  it('starts the app over a read-only runs folder holding a running run: runs shown, changes refused, and why', async () => {
    const dir = join(runs(), 'r')
    await createRun(dir, meta('r'))
    const before = await readFile(join(dir, 'run.json'), 'utf8')
    const ro = await makeReadOnly([runs(), dir])
    try {
      if (!ro.applied) return
      const service = await createLabService({ dataDir: tmp.path, engineHost: silentEngine })
      try {
        const info = await dispatch(service.handlers, 'app/info', {})
        expect(info).toMatchObject({ ok: true, result: { runsReadOnly: expect.stringMatching(/runs folder .* cannot be written \((EACCES|EPERM)\): runs are shown read-only/) } })
        const list = await dispatch(service.handlers, 'runs/list', {})
        expect(list).toMatchObject({ ok: true, result: [{ id: 'r', status: 'running' }] })
        for (const [method, payload] of [
          ['runs/rename', { runId: 'r', name: 'x' }],
          ['runs/delete', { runId: 'r' }],
          ['runs/drop-checkpoint', { runId: 'r' }]
        ] as const) {
          const r = await dispatch(service.handlers, method, payload)
          expect(r).toMatchObject({ ok: false, error: { code: 'permission', message: expect.stringMatching(/read-only/) } })
        }
      } finally {
        await service.dispose()
      }
      expect(await readFile(join(dir, 'run.json'), 'utf8')).toBe(before)
    } finally {
      await ro.undo()
    }
  })

  it('treats a lock that stopped beating as gone even when its pid exists', async () => {
    const dir = join(runs(), 'hung')
    await createRun(dir, meta('hung'))
    await writeFile(join(dir, LOCK_FILE), JSON.stringify({ pid: process.pid, host: hostname(), startedAt: 'x' }))
    const old = new Date(Date.now() - 2 * STALE_MS)
    await utimes(join(dir, LOCK_FILE), old, old)
    expect((await recoverRuns(runs())).interrupted).toEqual(['hung'])
  })
})
