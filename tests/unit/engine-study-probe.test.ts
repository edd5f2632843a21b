/**
 * The Study view's timing probe of the study itself (engine/study-probe.ts): it runs the study's own
 * code on the inference pool it is given, at the pool's threads, and counts the images it predicted.
 */
import { resolve } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../src-main/engine/backends'
import { InferPool } from '../../src-main/engine/parallel/infer-pool'
import { probeStudyRate } from '../../src-main/engine/study-probe'
import { ModelSpec } from '../../src-main/shared/layers'
import { getPreset } from '../../src-main/shared/presets'

const ENTRY = resolve(__dirname, '../../src-main/engine/process/worker.ts')
const cnn = getPreset('seed-cnn') as ModelSpec

beforeAll(async () => {
  await initBackend({ force: 'wasm' })
})

describe('probeStudyRate', () => {
  it("times seed-cnn's study chunks on the pool's threads: two with a helper, one without", async () => {
    for (const [entry, threads] of [[ENTRY, 2], [undefined, 1]] as const) {
      const pool = new InferPool(entry, threads)
      try {
        const rate = await probeStudyRate(cnn, pool, { seconds: 0.05, warmUpSeconds: 0 })
        expect(rate.threads).toBe(threads)
        expect(rate.imagesPerSec).toBeGreaterThan(0)
      } finally {
        await pool.dispose()
      }
    }
  })

  it('gives no rate for a model without an image input, which the study cannot shift', async () => {
    const flat = ModelSpec.parse({ name: 'flat', inputShape: [16], layers: [{ type: 'dense', units: 3 }] })
    expect(await probeStudyRate(flat, new InferPool(undefined), { seconds: 0.05, warmUpSeconds: 0 })).toEqual({ threads: 1 })
  })
})
