/**
 * Continuing a run through the Lab service, as the Train and Runs views do, against a scripted
 * engine whose train/run completes at once: what the run folder says afterwards is under test
 * (its name), not the training.
 */
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { EngineHost } from '../../src-main/engine/process/host'
import { createRun, writeHistory } from '../../src-main/runs/run-store'
import { getPreset } from '../../src-main/shared/presets'
import { completedRunMeta } from '../fixtures/runs'
import { scriptedEngine, trainRunAnswer } from '../fixtures/engine/scripted-host'
import { serviceOver } from '../fixtures/service-over'

/** train/run completes at once; every other request gets an empty answer. */
const completingEngine = (): EngineHost =>
  scriptedEngine(({ id, method, params }, reply) =>
    reply(method === 'train/run' ? trainRunAnswer(id, (params as { runId: string }).runId, 'completed') : { id, ok: true, result: {} })
  )

const lab = serviceOver(completingEngine, { prefix: 'convlab-continue-' })
const { call } = lab
const dirOf = (id: string): string => join(lab.data.path, 'runs', id)

/** A completed one-epoch toy run with no checkpoint, so it continues only with a fresh optimizer. */
async function toyRun(id: string, name: string): Promise<void> {
  await createRun(dirOf(id), completedRunMeta(id, { name, model: getPreset('seed-toy')!, data: { kind: 'toy' }, classNames: ['a', 'b'] }))
  await writeHistory(dirOf(id), { epochs: [{ epoch: 1, loss: 0.5, accuracy: 0.5, seconds: 1 }], batches: [] })
}

async function continued(id: string, epochs: number): Promise<string> {
  await call('train/continue', { runId: id, epochs, freshOptimizer: true })
  let run = await call('runs/get', { runId: id })
  while (run.status === 'running') {
    await new Promise((resolve) => setTimeout(resolve, 10))
    run = await call('runs/get', { runId: id })
  }
  expect(run.config.epochs).toBe(1 + epochs)
  return run.name
}

describe('train/continue', () => {
  it("says a default name's new epoch count, in the language it was made in", async () => {
    await toyRun('en', 'seed-toy · toy set · 1 ep')
    expect(await continued('en', 2)).toBe('seed-toy · toy set · 3 ep')
    await toyRun('zh', 'seed-toy · 玩具数据集 · 1 个迭代周期 · 种子 4')
    expect(await continued('zh', 4)).toBe('seed-toy · 玩具数据集 · 5 个迭代周期 · 种子 4')
  })

  it('leaves a name the user gave by renaming as it is, even one that looks like a default', async () => {
    await toyRun('mine', 'seed-toy · toy set · 1 ep')
    await call('runs/rename', { runId: 'mine', name: 'seed-toy · toy set · 1 ep' })
    expect(await continued('mine', 2)).toBe('seed-toy · toy set · 1 ep')
  })

  it('leaves a name without an epoch count as it is', async () => {
    await toyRun('plain', 'my first net')
    expect(await continued('plain', 1)).toBe('my first net')
  })
})
