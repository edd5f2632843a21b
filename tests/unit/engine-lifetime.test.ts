/**
 * Cancel and parent death against an engine that is busy in one long synchronous step, where it
 * hears no message: tests/fixtures/engine/busy-worker.ts stands in for a huge convolution.
 */
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { nodeEngineHostFactory } from '../../src-main/engine/process/node-host'
import { createRun } from '../../src-main/runs/run-store'
import { dispatch } from '../../src-main/services/dispatch'
import { createLabService, type LabService } from '../../src-main/services/lab-service'
import type { LabEvent, LabMethod, LabOutput } from '../../src-main/shared/contract'
import { getPreset } from '../../src-main/shared/presets'
import { tempDir, type TempDir } from '../fixtures/data/builders'
import { completedRunMeta } from '../fixtures/runs'

const FIXTURES = resolve(__dirname, '../fixtures/engine')
const TSX = ['--import', 'tsx']

/** Gone, or a zombie nobody reaped yet: either way it computes nothing. */
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z'
  } catch {
    return false
  }
}

async function until(check: () => boolean, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

let tmp: TempDir | undefined
let service: LabService | undefined
afterEach(async () => {
  await service?.dispose()
  await tmp?.remove()
  service = undefined
  tmp = undefined
})

async function start(stepMs: number, cancelGraceMs: number): Promise<{ events: { event: LabEvent; payload: unknown }[] }> {
  tmp = await tempDir('convlab-cancel-')
  service = await createLabService({
    dataDir: tmp.path,
    engineHost: nodeEngineHostFactory({ entry: join(FIXTURES, 'busy-worker.ts'), env: { ...process.env, STEP_MS: String(stepMs), STEPS: '100000' } }),
    cancelGraceMs
  })
  const events: { event: LabEvent; payload: unknown }[] = []
  service.onEvent((event, payload) => events.push({ event, payload }))
  await service.engine.request('engine/ping', {})
  return { events }
}

async function call<M extends LabMethod>(name: M, payload: unknown): Promise<LabOutput<M>> {
  const response = await dispatch(service!.handlers, name, payload)
  if (!response.ok) throw new Error(response.error.message)
  return response.result as LabOutput<M>
}

const trainToy = { model: getPreset('seed-toy')!, data: { kind: 'toy' }, config: { epochs: 1, batchSize: 1 } }

describe("a group's next seed", () => {
  it('starts on hearing that the last run finished: the lab is idle once it says so', async () => {
    tmp = await tempDir('convlab-next-seed-')
    const host = nodeEngineHostFactory({ entry: join(FIXTURES, 'busy-worker.ts'), env: { ...process.env, STEP_MS: '1', STEPS: '1' } })
    const lab = (service = await createLabService({ dataDir: tmp.path, engineHost: host }))
    await lab.engine.request('engine/ping', {})
    const finishedRuns: string[] = []
    let nextStart: Promise<unknown> | undefined
    const bothFinished = new Promise<void>((resolveBoth) =>
      lab.onEvent((event, payload) => {
        if (event !== 'train/finished') return
        finishedRuns.push((payload as { runId: string }).runId)
        // As the Train view's group does: the next seed's start is sent from the finished event itself.
        if (finishedRuns.length === 1) nextStart = dispatch(lab.handlers, 'train/start', trainToy)
        else resolveBoth()
      })
    )
    const { runId: first } = await call('train/start', trainToy)
    await until(() => nextStart !== undefined, 'the first run finished')
    const second = (await nextStart) as { ok: boolean; result?: { runId: string } }
    expect(second).toMatchObject({ ok: true, result: { runId: expect.any(String) } })
    await bothFinished
    expect(finishedRuns).toEqual([first, second.result?.runId])
  })
})

describe('cancelling a run', () => {
  it('answers at once during a step that does not end, then kills and restarts the engine, and the run ends cancelled', async () => {
    const { events } = await start(600_000, 300)
    const busyPid = service!.engine.pid!
    const { runId } = await call('train/start', trainToy)
    const order: string[] = []
    const finished = new Promise<void>((resolveFinished) =>
      service!.onEvent((event) => {
        if (event === 'train/finished') {
          order.push('finished')
          resolveFinished()
        }
      })
    )
    expect(await call('train/cancel', { runId })).toEqual({ cancelled: true })
    order.push('cancel answered')
    await finished
    expect(order).toEqual(['cancel answered', 'finished'])
    expect(events.find((e) => e.event === 'train/finished')?.payload).toMatchObject({
      runId,
      status: 'cancelled',
      error: expect.stringMatching(/engine was stopped and restarted.*model was not saved/)
    })
    expect(await call('runs/get', { runId })).toMatchObject({ status: 'cancelled' })
    // Its model went with the engine: calls that need one say so instead of failing on a missing file.
    expect(await dispatch(service!.handlers, 'runs/evaluate', { runId })).toEqual({
      ok: false,
      error: {
        code: 'not-found',
        message: expect.stringMatching(/^Run .* has no trained model: Cancelled in the middle of a training step/),
        reason: 'runNoModel',
        params: { run: runId }
      }
    })
    await until(() => !isAlive(busyPid), 'the busy engine is gone')
    expect(events.some((e) => e.event === 'engine/notice' && /restarted/.test((e.payload as { message: string }).message))).toBe(true)
    const ping = await service!.engine.request('engine/ping', {})
    expect(ping.pid).not.toBe(busyPid)
  })

  it('stops between steps without killing an engine that hears the cancel', async () => {
    await start(20, 60_000)
    const pid = service!.engine.pid
    const { runId } = await call('train/start', trainToy)
    const finished = new Promise<unknown>((resolveFinished) =>
      service!.onEvent((event, payload) => {
        if (event === 'train/finished') resolveFinished(payload)
      })
    )
    await new Promise((r) => setTimeout(r, 100))
    expect(await call('train/cancel', { runId })).toEqual({ cancelled: true })
    expect(await finished).toEqual({ runId, status: 'cancelled', seconds: expect.any(Number) })
    expect(service!.engine.pid).toBe(pid)
    expect(isAlive(pid!)).toBe(true)
  })

  it('restarts the engine on request, ending a run in progress as cancelled', async () => {
    await start(600_000, 60_000)
    const busyPid = service!.engine.pid!
    const { runId } = await call('train/start', trainToy)
    const finished = new Promise<unknown>((resolveFinished) =>
      service!.onEvent((event, payload) => {
        if (event === 'train/finished') resolveFinished(payload)
      })
    )
    expect(await call('engine/restart', {})).toEqual({ restarted: true })
    expect(await finished).toMatchObject({ runId, status: 'cancelled', error: expect.stringMatching(/restarted at your request/) })
    await until(() => !isAlive(busyPid), 'the busy engine is gone')
    expect((await service!.engine.request('engine/ping', {})).pid).not.toBe(busyPid)
  })
})

describe('cancelling a robustness study', () => {
  it('answers at once during a chunk that does not end, then kills the engine, and the study ends cancelled', async () => {
    await start(600_000, 300)
    const busyPid = service!.engine.pid!
    await createRun(join(tmp!.path, 'runs', 'done'), completedRunMeta('done', { data: { kind: 'toy' }, classNames: ['a', 'b'] }))
    // Only the model files' presence is looked at before the engine is asked.
    await mkdir(join(tmp!.path, 'runs', 'done', 'model'))
    for (const file of ['model.json', 'weights.bin']) await writeFile(join(tmp!.path, 'runs', 'done', 'model', file), '{}')
    const order: string[] = []
    const study = dispatch(service!.handlers, 'runs/robustness', { runId: 'done', jobId: 'study', max: 2 }).then((r) => {
      order.push('study ended')
      return r
    })
    await new Promise((r) => setTimeout(r, 100))
    expect(await call('runs/robustness-cancel', { jobId: 'study' })).toEqual({ cancelled: true })
    order.push('cancel answered')
    expect(await study).toEqual({ ok: true, result: { status: 'cancelled', count: 0, max: 2, mode: 'roll', classNames: ['a', 'b'] } })
    expect(order).toEqual(['cancel answered', 'study ended'])
    await until(() => !isAlive(busyPid), 'the busy engine is gone')
    expect(await call('runs/robustness-cancel', { jobId: 'study' })).toEqual({ cancelled: false })
  })
})

describe('an engine whose parent goes', () => {
  async function parentWithBusyEngine(mode: 'wait' | 'exit', env: NodeJS.ProcessEnv): Promise<{ parent: ReturnType<typeof spawn>; enginePid: number }> {
    const parent = spawn(process.execPath, [...TSX, join(FIXTURES, 'engine-parent.ts'), mode], { env, stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    parent.stdout!.on('data', (d: Buffer) => (out += d.toString()))
    await until(() => /engine \d+/.test(out), 'the engine is busy')
    return { parent, enginePid: Number(/engine (\d+)/.exec(out)![1]) }
  }

  it('dies with a parent killed by SIGKILL while it is inside a step', async () => {
    const { parent, enginePid } = await parentWithBusyEngine('wait', process.env)
    expect(isAlive(enginePid)).toBe(true)
    parent.kill('SIGKILL')
    await until(() => !isAlive(enginePid), 'the orphaned engine is gone')
  })

  it('is killed by a parent that exits while it is inside a step (no watchdog needed)', async () => {
    const { parent, enginePid } = await parentWithBusyEngine('exit', { ...process.env, WATCH_PARENT: '0' })
    await new Promise((r) => parent.once('exit', r))
    await until(() => !isAlive(enginePid), 'the engine is gone')
  })
})
