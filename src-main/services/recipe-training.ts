/**
 * The shift study's four recipe runs, each repeated over seeds, trained one after another on one engine: the single
 * implementation behind the Study view's 'study/train-recipe' and `lab shift-study --recipe`, so
 * both build the same configs, name the runs the same and stop the same way on a cancel.
 */
import type { EngineClient } from '../engine/process/client'
import { readRunMeta } from '../runs/run-store'
import { TrainConfig, type LabEvent, type LabEventPayload, type RunFailure } from '../shared/contract'
import type { ModelSpec } from '../shared/layers'
import { getPreset } from '../shared/presets'
import { shiftRecipe, type RecipeRun } from '../shared/shift-recipe'
import { startTraining, type TrainingHandle } from './training'

export interface RecipeOptions {
  epochs: number
  /** One run of each model per seed; more than one makes each model a group (mean ± sd). */
  seeds: number[]
  /** Training images per run; all of them when absent. */
  trainLimit?: number
  /** The runs' names in the user's language (contract 'study/train-recipe'); English labels when absent. */
  names?: { models: string[]; seeds: string[] }
}

/** Where one recipe run is written: its id and folder. */
export interface RecipePlace {
  id: string
  dir: string
}

/** One recipe run starting, or found already trained when `reused`. */
export interface RecipeStep extends RecipePlace {
  /** Over all runs: seed by seed, the four models within each seed. */
  index: number
  total: number
  label: string
  seed: number
  reused: boolean
  /** The training in progress, to cancel it; absent for a reused run. */
  training?: TrainingHandle
}

export interface RecipeTrainingRequest {
  engine: EngineClient
  options: RecipeOptions
  /** Where the `index`th model's run with this seed goes. */
  place(run: RecipeRun, index: number, seed: number): RecipePlace
  /** The group of the `index`th model's runs over the seeds; none when absent. */
  group?(run: RecipeRun, index: number): string | undefined
  /** Keep a completed run already at its place with the same model, epochs, seed and limit (the CLI resumes this way). */
  reuse?: boolean
  emit<E extends LabEvent>(event: E, payload: LabEventPayload<E>): void
  onStep?(step: RecipeStep): void
  /** Asked before each run: true stops the recipe there, as cancelled. */
  stopRequested?(): boolean
  cancelGraceMs?: number
}

export type RecipeOutcome =
  | { status: 'completed'; runs: RecipePlace[] }
  /** `runs`: those completed before `label` ended early. */
  | { status: 'cancelled' | 'failed'; runs: RecipePlace[]; label: string; error?: string; failure?: RunFailure }

/** The config every recipe run trains with: the preset's recipe with the study's epochs, the seed and limit. */
export function recipeConfig(run: RecipeRun, options: Omit<RecipeOptions, 'seeds' | 'names'>, seed: number): TrainConfig {
  return TrainConfig.parse({
    ...run.model.training,
    epochs: options.epochs,
    seed,
    ...(options.trainLimit ? { limit: options.trainLimit } : {}),
    ...(run.augment ? { augment: run.augment } : {})
  })
}

/** The four runs of the recipe, from the seed-mlp and seed-cnn presets. */
export function recipeRuns(): RecipeRun[] {
  const preset = (name: string): ModelSpec => {
    const spec = getPreset(name)
    if (!spec) throw new Error(`The ${name} preset is missing.`)
    return spec
  }
  return shiftRecipe(preset('seed-mlp'), preset('seed-cnn'))
}

/**
 * Trains the recipe's runs seed by seed (all four models for the first seed before the second,
 * so an early stop still leaves a full comparison) and stops at the first that does not complete.
 */
export async function trainRecipe(req: RecipeTrainingRequest): Promise<RecipeOutcome> {
  const { seeds, names } = req.options
  const runs = recipeRuns().map((run, i) => (names ? { ...run, label: names.models[i] } : run))
  if (!seeds.length) throw new Error('the recipe needs at least one seed')
  const total = runs.length * seeds.length
  const done: RecipePlace[] = []
  for (const [s, seed] of seeds.entries()) {
    for (const [index, run] of runs.entries()) {
      const place = req.place(run, index, seed)
      const step = { ...place, index: s * runs.length + index, total, label: run.label, seed }
      if (req.stopRequested?.()) return { status: 'cancelled', runs: done, label: run.label }
      const config = recipeConfig(run, req.options, seed)
      if (req.reuse && (await alreadyTrained(place.dir, run.model, config))) {
        req.onStep?.({ ...step, reused: true })
        done.push(place)
        continue
      }
      const group = req.group?.(run, index)
      const training = await startTraining({
        engine: req.engine,
        dir: place.dir,
        id: place.id,
        name: seeds.length > 1 ? `${run.label} · ${names?.seeds[s] ?? `seed ${seed}`}` : run.label,
        model: run.model,
        data: { kind: 'fashion-mnist' },
        config,
        emit: req.emit,
        cancelGraceMs: req.cancelGraceMs,
        ...(group ? { group } : {})
      })
      req.onStep?.({ ...step, reused: false, training })
      const result = await training.finished
      if (result.status !== 'completed') {
        const status = result.status === 'cancelled' ? 'cancelled' : 'failed'
        return { status, runs: done, label: run.label, ...(result.error ? { error: result.error } : {}), ...(result.failure ? { failure: result.failure } : {}) }
      }
      done.push(place)
    }
  }
  return { status: 'completed', runs: done }
}

async function alreadyTrained(dir: string, model: ModelSpec, config: TrainConfig): Promise<boolean> {
  const meta = await readRunMeta(dir).catch(() => undefined)
  return (
    meta?.status === 'completed' &&
    meta.model.name === model.name &&
    meta.config.epochs === config.epochs &&
    meta.config.seed === config.seed &&
    meta.config.limit === config.limit
  )
}
