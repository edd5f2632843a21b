/** Which runs can answer predictions (the ones with a trained model on disk), and which of those each view can use. */
import type { RunSummary } from '@shared/contract'
import { request } from '@renderer/api/client'
import { t } from '@renderer/i18n'

export function hasTrainedModel(run: RunSummary): boolean {
  if (run.damage && !run.damage.modelUsable) return false
  return run.status === 'completed' || (run.status === 'cancelled' && run.epochsDone > 0)
}

/** The views that pick a trained run, each fed differently. */
export type RunUse = 'shift' | 'study' | 'predict'

const FASHION_MNIST_SHAPE = [1, 28, 28]
const sameShape = (a: readonly number[] | undefined, b: readonly number[]): boolean => a !== undefined && a.length === b.length && a.every((n, i) => n === b[i])

/**
 * Why a trained run cannot serve a view, or null when it can. Learn's toy runs (4x4 inputs, two
 * classes) were offered everywhere and failed there, e.g. "index 24150 is out of range" in Shift
 * (#18, item 5):
 * - Shift rolls a Fashion-MNIST image (or a file fitted to the run's input): 28x28 grey inputs.
 * - Study scores the Fashion-MNIST test set against its labels: runs trained on Fashion-MNIST.
 * - Predict fits any picture to the run's input, but the toy set's two 4x4 matrices say nothing of pictures.
 */
export function unusableFor(run: RunSummary, use: RunUse): string | null {
  const toy = run.data?.kind === 'toy'
  if (use === 'predict') return toy ? t('predict.runs.toyPredict') : null
  if (use === 'study' && run.data?.kind !== 'fashion-mnist') return t('predict.runs.notFashion')
  if (!sameShape(run.inputShape, FASHION_MNIST_SHAPE)) return t('predict.runs.wrongInput', { shape: run.inputShape?.join('×') ?? t('predict.runs.unknown') })
  return null
}

export interface RunsFor {
  runs: RunSummary[]
  /** Trained runs this view cannot use, in one sentence; null when none was left out. */
  leftOut: string | null
}

/** Trained runs a view can use, newest first (runs/list already sorts them so), and a word on the rest. */
export function runsFor(all: RunSummary[], use: RunUse): RunsFor {
  const trained = all.filter(hasTrainedModel)
  const runs = trained.filter((r) => unusableFor(r, use) === null)
  const out = trained.filter((r) => unusableFor(r, use) !== null)
  if (!out.length) return { runs, leftOut: null }
  const reasons = [...new Set(out.map((r) => unusableFor(r, use)))]
  const what = out.length === 1 ? t('predict.runs.leftOutOne', { name: out[0].name }) : t('predict.runs.leftOutMany', { n: out.length })
  return { runs, leftOut: t('predict.runs.leftOut', { what, reasons: reasons.join('; ') }) }
}

/** Trained runs, newest first. */
export async function loadTrainedRuns(): Promise<RunSummary[]> {
  return (await request('runs/list', {})).filter(hasTrainedModel)
}

/** The trained runs `use` can take, with a word on those left out. */
export async function loadRunsFor(use: RunUse): Promise<RunsFor> {
  return runsFor(await request('runs/list', {}), use)
}
