/**
 * 'study/rates': how fast this machine trains and predicts with the models the Study view is
 * about to use, measured by the bench's own timing (engine/bench.ts) for a moment per model, so
 * the view can say "about 28 min" before it starts. Models with the same layers are timed once.
 */
import type { EngineClient } from '../engine/process/client'
import type { LabHandlers } from './dispatch'
import type { ModelSpec } from '../shared/layers'
import { recipeRuns } from './recipe-training'

/**
 * Each of training and prediction per model: a short warm-up, then timed. A few seconds per model
 * in all, so the probe does not hold up the study it estimates; its figure is rougher than `lab bench`'s.
 */
const PROBE = { seconds: 0.5, warmUpSeconds: 0.3, datasetImages: 4096 }

export interface StudyRatesDeps {
  engine: EngineClient
  /** A finished run's model. */
  modelSpecOf(runId: string): Promise<ModelSpec>
  assertIdle(): void
}

export function createStudyRatesHandler({ engine, modelSpecOf, assertIdle }: StudyRatesDeps): Pick<LabHandlers, 'study/rates'> {
  return {
    async 'study/rates'({ runIds, recipe }) {
      assertIdle()
      const wanted: { key: string; spec: ModelSpec }[] = []
      for (const runId of runIds) wanted.push({ key: runId, spec: await modelSpecOf(runId) })
      if (recipe) for (const run of recipeRuns()) wanted.push({ key: run.label, spec: run.model })
      // The layers and the training settings decide the cost; the name does not.
      const costKey = ({ spec }: { spec: ModelSpec }): string => JSON.stringify({ ...spec, name: '' })
      const distinct = [...new Map(wanted.map((w) => [costKey(w), w.spec])).entries()]
      if (!distinct.length) return { rates: [] }
      const { chosen } = await engine.request('backends/report', {})
      const report = await engine.request(
        'bench/run',
        { models: distinct.map(([, spec]) => spec), backends: [chosen], ...PROBE },
        { timeoutMs: 0 }
      )
      const byCost = new Map(distinct.map(([key], i) => [key, report.rows[i]]))
      const rates = []
      for (const w of wanted) {
        const row = byCost.get(costKey(w))
        if (row?.trainImagesPerSec && row.inferImagesPerSec) rates.push({ key: w.key, trainImagesPerSec: row.trainImagesPerSec, inferImagesPerSec: row.inferImagesPerSec })
      }
      return { rates }
    }
  }
}
