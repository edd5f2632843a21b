/**
 * How long the shift study and its recipe take, said before they start (issue 18, part 2 item 4):
 * image counts from the settings, divided by rates measured on this machine (a short timing probe
 * of each model, services/study-rates.ts). Pure arithmetic, tested by hand.
 */
import { shiftOffsets } from './robustness'

/** Images per second of one model on this machine. */
export interface ModelRate {
  trainImagesPerSec: number
  /** Predicting on one thread, as the test evaluation at the end of a training run does. */
  inferImagesPerSec: number
  /** Predicting shifted images on the inference pool, as the study does. */
  studyImagesPerSec: number
}

export interface MeasurePlan {
  /** Runs studied. */
  runs: number
  /** Test images per run. */
  images: number
  max: number
  grid: boolean
}

/** Images the study predicts: every run, every shift, every test image. */
export function measureImages(plan: MeasurePlan): number {
  return plan.runs * plan.images * shiftOffsets(plan.max, plan.grid).length
}

export interface RecipePlan {
  seeds: number
  epochs: number
  /** Training images per run per epoch. */
  trainImages: number
  /** Test images each trained run is evaluated on after training. */
  testImages: number
}

/** Images one recipe model sees: training over every epoch and the test evaluation, per seed. */
export function recipeImages(plan: RecipePlan): { train: number; infer: number } {
  return { train: plan.seeds * plan.epochs * plan.trainImages, infer: plan.seeds * plan.testImages }
}

/** Seconds for the recipe's models (each with its rate: training, its test evaluation) and then the study of all their runs. */
export function recipeSeconds(plan: RecipePlan, rates: readonly ModelRate[], study: Omit<MeasurePlan, 'runs'>): number {
  const { train, infer } = recipeImages(plan)
  const perRun = measureImages({ ...study, runs: 1 })
  return rates.reduce((s, r) => s + train / r.trainImagesPerSec + infer / r.inferImagesPerSec + (plan.seeds * perRun) / r.studyImagesPerSec, 0)
}

/** Seconds to study runs, each with its model's rate. */
export function measureSeconds(study: Omit<MeasurePlan, 'runs'>, rates: readonly ModelRate[]): number {
  const perRun = measureImages({ ...study, runs: 1 })
  return rates.reduce((s, r) => s + perRun / r.studyImagesPerSec, 0)
}

/** Seconds left at the rate so far: elapsed × (left / done); unknown until some work is done. */
export function etaSeconds(done: number, total: number, elapsedSeconds: number): number | null {
  if (done <= 0 || elapsedSeconds <= 0) return null
  return (elapsedSeconds * Math.max(0, total - done)) / done
}

/** Whole minutes to say, rounded up, at least 1: "about 28 min". */
export function roundedMinutes(seconds: number): number {
  return Math.max(1, Math.ceil(seconds / 60))
}
