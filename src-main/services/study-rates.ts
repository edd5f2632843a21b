/**
 * 'study/rates': how fast this machine trains and predicts with the models the Study view is
 * about to use, so the view can say "about 28 min" before it starts. Training and the test
 * evaluation after it (one thread) are timed by the bench's own code (engine/bench.ts); the study
 * itself by its own code on the inference pool (engine/study-probe.ts), as it runs. Models with the
 * same layers are timed once, and each is timed once per session: the figures are kept, keyed by
 * the layers and by what else they depend on (backend, kernels' build, the pool's threads).
 */
import type { EngineClient } from '../engine/process/client'
import type { LabHandlers } from './dispatch'
import type { ModelSpec } from '../shared/layers'
import type { ModelRate } from '../shared/study-estimate'
import { recipeRuns } from './recipe-training'

/**
 * Each of training and prediction per model: a short warm-up, then timed. A few seconds per model
 * in all, so the probe does not hold up the study it estimates; its figure is rougher than `lab bench`'s.
 */
const PROBE = { seconds: 0.5, warmUpSeconds: 0.3, datasetImages: 4096 }
/** The study's passes: its first pass (helpers started, model and images sent) is the warm-up. */
const STUDY_PROBE = { seconds: 0.5, warmUpSeconds: 0 }

export interface StudyRatesDeps {
  engine: EngineClient
  /** A finished run's model. */
  modelSpecOf(runId: string): Promise<ModelSpec>
  assertIdle(): void
}

export function createStudyRatesHandler({ engine, modelSpecOf, assertIdle }: StudyRatesDeps): Pick<LabHandlers, 'study/rates'> {
  /** Rates measured in this session, by setup and layers. */
  const measured = new Map<string, ModelRate>()
  return {
    async 'study/rates'({ runIds, recipe }) {
      assertIdle()
      const wanted: { key: string; spec: ModelSpec }[] = []
      for (const runId of runIds) wanted.push({ key: runId, spec: await modelSpecOf(runId) })
      if (recipe) for (const run of recipeRuns()) wanted.push({ key: run.label, spec: run.model })
      if (!wanted.length) return { rates: [] }
      const setup = await engine.request('study/setup', {})
      // The layers and the training settings decide the cost; the name does not.
      const costKey = (spec: ModelSpec): string => JSON.stringify([setup.backend, setup.kernels ?? null, setup.threads, { ...spec, name: '' }])
      const missing = [...new Map(wanted.map((w) => [costKey(w.spec), w.spec])).entries()].filter(([key]) => !measured.has(key))
      if (missing.length) {
        const models = missing.map(([, spec]) => spec)
        const bench = await engine.request('bench/run', { models, backends: [setup.backend], ...PROBE }, { timeoutMs: 0 })
        const study = await engine.request('study/probe', { models, ...STUDY_PROBE }, { timeoutMs: 0 })
        missing.forEach(([key], i) => {
          const train = bench.rows[i]?.trainImagesPerSec
          const infer = bench.rows[i]?.inferImagesPerSec
          const studied = study.rows[i]?.imagesPerSec
          if (train && infer && studied) measured.set(key, { trainImagesPerSec: train, inferImagesPerSec: infer, studyImagesPerSec: studied })
        })
      }
      const rates = []
      for (const w of wanted) {
        const rate = measured.get(costKey(w.spec))
        if (rate) rates.push({ key: w.key, ...rate })
      }
      return { rates }
    }
  }
}
