import { mkdir, readdir, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { holdRunLock } from '../../src-main/runs/run-lock'
import { createRun, updateRunMeta } from '../../src-main/runs/run-store'
import { completedRunMeta } from '../fixtures/runs'
import { silentEngine } from '../fixtures/engine/scripted-host'
import { serviceOver } from '../fixtures/service-over'

async function makeRunIn(dataDir: string, id: string, name: string): Promise<void> {
  await createRun(join(dataDir, 'runs', id), completedRunMeta(id, { name, data: { kind: 'toy' }, classNames: ['a', 'b'], config: { validationSplit: 0.1 } }))
}

const lab = serviceOver(silentEngine, {
  prefix: 'convlab-service-',
  fill: async (dataDir) => {
    await makeRunIn(dataDir, 'run-a', 'First')
    await makeRunIn(dataDir, 'run-b', 'Second')
  }
})
const { call } = lab
const runsDir = (): string => join(lab.data.path, 'runs')
const makeRun = (id: string, name: string): Promise<void> => makeRunIn(lab.data.path, id, name)

describe('runs/list', () => {
  it('marks a run another live process is training as trained elsewhere', async () => {
    await makeRun('run-c', 'Third')
    await updateRunMeta(join(runsDir(), 'run-c'), { status: 'running' })
    const release = await holdRunLock(join(runsDir(), 'run-c'))
    try {
      await lab.restart()
      const listed = await call('runs/list', {})
      expect(listed.find((r) => r.id === 'run-c')).toMatchObject({ status: 'running', trainedElsewhere: true })
      expect(listed.find((r) => r.id === 'run-a')!.trainedElsewhere).toBeUndefined()
      await expect(call('runs/delete', { runId: 'run-c' })).rejects.toThrow(/being trained by another process/)
    } finally {
      await release()
    }
    // Its process gone while this app runs: the list marks it interrupted, as a start would.
    const after = (await call('runs/list', {})).find((r) => r.id === 'run-c')!
    expect(after.status).toBe('failed')
    expect(after.trainedElsewhere).toBeUndefined()
  })
})

describe('runs/delete and runs/restore', () => {
  it('moves a deleted run into the trash, out of the list, and restores it whole', async () => {
    expect(await call('runs/delete', { runId: 'run-a' })).toEqual({ deleted: true })
    expect((await call('runs/list', {})).map((r) => r.id)).toEqual(['run-b'])
    expect(await readdir(join(runsDir(), '.trash'))).toEqual(['run-a'])

    expect(await call('runs/restore', { runId: 'run-a' })).toMatchObject({ id: 'run-a', name: 'First', status: 'completed' })
    expect((await call('runs/list', {})).map((r) => r.id).sort()).toEqual(['run-a', 'run-b'])
    expect(await call('runs/get', { runId: 'run-a' })).toMatchObject({ name: 'First' })
    expect(await readdir(join(runsDir(), '.trash'))).toEqual([])
  })

  it('says so when the run to restore is not in the trash', async () => {
    await expect(call('runs/restore', { runId: 'run-a' })).rejects.toThrow(/run-a is not in the trash/)
    await expect(call('runs/restore', { runId: '../run-a' })).rejects.toThrow()
  })

  it('keeps the newest copy when a run is deleted twice', async () => {
    await call('runs/delete', { runId: 'run-a' })
    await call('runs/restore', { runId: 'run-a' })
    await call('runs/rename', { runId: 'run-a', name: 'Renamed' })
    await call('runs/delete', { runId: 'run-a' })
    expect(await call('runs/restore', { runId: 'run-a' })).toMatchObject({ name: 'Renamed' })
  })

  it('empties runs deleted more than a day ago when the service starts', async () => {
    await call('runs/delete', { runId: 'run-a' })
    await call('runs/delete', { runId: 'run-b' })
    const twoDaysAgo = new Date(Date.now() - 2 * 24 * 3600 * 1000)
    await utimes(join(runsDir(), '.trash', 'run-a'), twoDaysAgo, twoDaysAgo)
    await lab.restart()
    expect(await readdir(join(runsDir(), '.trash'))).toEqual(['run-b'])
    await expect(call('runs/restore', { runId: 'run-a' })).rejects.toThrow(/not in the trash/)
    expect(await call('runs/restore', { runId: 'run-b' })).toMatchObject({ id: 'run-b' })
  })
})

/** A checkpoint of epoch 1 with optimizer state: 1000 + 200 + its checkpoint.json's bytes. */
async function layCheckpoint(id: string): Promise<number> {
  const dir = join(runsDir(), id, 'checkpoint')
  await mkdir(dir, { recursive: true })
  const info = JSON.stringify({ epoch: 1, seed: 1 })
  await writeFile(join(dir, 'weights.bin'), Buffer.alloc(1000))
  await writeFile(join(dir, 'optimizer.bin'), Buffer.alloc(200))
  await writeFile(join(dir, 'optimizer.json'), '')
  await writeFile(join(dir, 'checkpoint.json'), info)
  return 1200 + Buffer.byteLength(info)
}

describe('runs/drop-checkpoint', () => {
  it("removes a completed run's checkpoint, says how much it freed, and keeps the trained model", async () => {
    const bytes = await layCheckpoint('run-a')
    await mkdir(join(runsDir(), 'run-a', 'model'))
    await writeFile(join(runsDir(), 'run-a', 'model', 'weights.bin'), Buffer.alloc(10))
    expect((await call('runs/get', { runId: 'run-a' })).checkpoint).toEqual({ epoch: 1, optimizer: true, bytes })
    expect(await call('runs/drop-checkpoint', { runId: 'run-a' })).toEqual({ freedBytes: bytes })
    expect((await call('runs/get', { runId: 'run-a' })).checkpoint).toBeUndefined()
    expect(await readdir(join(runsDir(), 'run-a'))).not.toContain('checkpoint')
    expect(await readdir(join(runsDir(), 'run-a', 'model'))).toEqual(['weights.bin'])
    // Dropped already: nothing more to free.
    expect(await call('runs/drop-checkpoint', { runId: 'run-a' })).toEqual({ freedBytes: 0 })
  })

  it("keeps a stopped run's checkpoint, which is what resumes it, and a run's another process trains", async () => {
    const bytes = await layCheckpoint('run-a')
    await updateRunMeta(join(runsDir(), 'run-a'), { status: 'cancelled' })
    await expect(call('runs/drop-checkpoint', { runId: 'run-a' })).rejects.toThrow(/Run run-a is cancelled, not completed: its checkpoint is what resumes it/)
    await layCheckpoint('run-b')
    const release = await holdRunLock(join(runsDir(), 'run-b'))
    try {
      await expect(call('runs/drop-checkpoint', { runId: 'run-b' })).rejects.toThrow(/Run run-b is training/)
    } finally {
      await release()
    }
    expect((await call('runs/get', { runId: 'run-a' })).checkpoint).toEqual({ epoch: 1, optimizer: true, bytes })
    expect((await call('runs/get', { runId: 'run-b' })).checkpoint).toEqual({ epoch: 1, optimizer: true, bytes })
    await expect(call('runs/drop-checkpoint', { runId: 'run-x' })).rejects.toThrow(/run-x cannot be opened/)
  })
})
