import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { EngineClient } from '../../src-main/engine/process/client'
import type { EngineEvents } from '../../src-main/engine/process/protocol'
import { startTraining } from '../../src-main/services/training'
import { TrainConfig, type BatchRecord, type LabEvent } from '../../src-main/shared/contract'
import { ModelSpec } from '../../src-main/shared/layers'
import { getPreset } from '../../src-main/shared/presets'
import { tempFolder } from '../fixtures/temp-folder'

type Listener = (payload: never) => void

/**
 * An engine that trains nothing: 'train/run' sends what the script says, then fails as a
 * crashed engine would, so history.json is left as the epochs wrote it.
 */
function scriptedEngine(script: (send: <E extends keyof EngineEvents>(event: E, payload: EngineEvents[E]) => void) => Promise<void>): EngineClient {
  const listeners = new Map<string, Set<Listener>>()
  const engine = {
    pid: 1,
    on(event: string, listener: Listener) {
      const set = listeners.get(event) ?? new Set()
      set.add(listener)
      listeners.set(event, set)
      return () => set.delete(listener)
    },
    async request(method: string) {
      if (method !== 'train/run') throw new Error(`unexpected ${method}`)
      await script((event, payload) => listeners.get(event)?.forEach((l) => (l as (p: typeof payload) => void)(payload)))
      throw new Error('The engine process exited with code 1')
    },
    killWorker() {}
  }
  return engine as unknown as EngineClient
}

const batch = (epoch: number, b: number, loss: number): BatchRecord => ({ epoch, batch: b, loss, accuracy: 0.5 })

const dir = tempFolder('convlab-history-', { each: true })

describe("a run's history.json", () => {
  it("holds the engine's true per-batch records, never the progress events' running means, when the run dies mid-epoch", async () => {
    const events: LabEvent[] = []
    const trueBatches = [batch(1, 1, 2.0), batch(1, 2, 1.0), batch(1, 3, 0.6)]
    const engine = scriptedEngine(async (send) => {
      const progress = (epoch: number, b: number, runningMean: number): void =>
        send('train/progress', {
          runId: 'r',
          epoch,
          epochs: 2,
          batch: b,
          batchesPerEpoch: 3,
          loss: runningMean,
          accuracy: 0.5,
          imagesPerSec: 10,
          etaSeconds: 1,
          elapsedSeconds: 1,
          recent: { batches: 1, loss: runningMean, accuracy: 0.5 },
          threads: { count: 1 }
        })
      progress(1, 2, 1.5)
      progress(1, 3, 1.2)
      send('train/epoch', { runId: 'r', epoch: 1, loss: 1.2, accuracy: 0.5, seconds: 1, batches: trueBatches })
      // Epoch 2 reports progress, then the engine dies before the epoch ends.
      progress(2, 1, 0.5)
    })
    const started = await startTraining({
      engine,
      dir,
      id: 'r',
      name: 'history test',
      model: ModelSpec.parse(getPreset('seed-toy')),
      data: { kind: 'toy' },
      config: TrainConfig.parse({ epochs: 2, batchSize: 1 }),
      emit: (event) => events.push(event),
      memory: { total: 2 ** 40, free: 2 ** 40 }
    })
    const run = await started.finished
    expect(run.status).toBe('failed')
    const history = JSON.parse(await readFile(join(dir, 'history.json'), 'utf8')) as { epochs: unknown[]; batches: BatchRecord[] }
    expect(history.batches).toEqual(trueBatches)
    expect(history.epochs).toEqual([{ epoch: 1, loss: 1.2, accuracy: 0.5, seconds: 1 }])
    expect(run.batches).toEqual(trueBatches)
    // The view still hears every event, and the epoch without the engine's batch list.
    expect(events.filter((e) => e === 'train/progress')).toHaveLength(3)
    expect(events.filter((e) => e === 'train/epoch')).toHaveLength(1)
  })
})
