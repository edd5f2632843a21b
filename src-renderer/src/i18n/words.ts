/** Sentences about runs that several views show, in the interface's language. */
import type { Divergence, LabOutput, TrainThreads } from '@shared/contract'
import { currentLocale, formatters, t } from './index'

/** "2 threads (hidden units)": how a run used the cores. */
export function threadsText(threads: TrainThreads): string {
  const count = t('train.threadCount.count', threads.count)
  return threads.split ? t('train.threadCount.withSplit', { count, split: t(`train.threadCount.split.${threads.split}`) }) : count
}

/** Why a run's weights are kept but useless: its loss exploded. */
export function divergenceText(d: Divergence): string {
  const f = formatters()
  const num = (x: number): string => (Number.isFinite(x) && Math.abs(x) < 1e4 ? f.fixed(x, 2) : x.toExponential(1))
  return t('train.divergence', { first: num(d.firstLoss), peak: num(d.peakLoss), epoch: d.epoch })
}

/** The decoder's English step names (data/images.ts) matched to messages; an unknown step stays as sent. */
const STEP_PATTERNS: [RegExp, (m: RegExpExecArray) => string][] = [
  [/^grey$/, () => t('predict.steps.grey')],
  [/^first frame of (\d+)$/, (m) => t('predict.steps.firstFrame', { n: m[1] })],
  [/^rotate \(EXIF orientation (\d+)\)$/, (m) => t('predict.steps.rotate', { n: m[1] })],
  [/^flatten transparency onto white$/, () => t('predict.steps.flatten')],
  [/^resize (\d+x\d+) → (\d+x\d+)$/, (m) => t('predict.steps.resize', { from: m[1], to: m[2] })],
  [/^centre on (\d+x\d+), padded with the background grey$/, (m) => t('predict.steps.centre', { size: m[1] })],
  [/^invert \(light background\)$/, () => t('predict.steps.invert')]
]

export function preprocessingStepText(step: string): string {
  for (const [pattern, word] of STEP_PATTERNS) {
    const m = pattern.exec(step)
    if (m) return word(m)
  }
  return step
}

/** The engine's English account of a backend it did not use (engine/backends.ts), per locale. */
const BACKEND_REASONS: [RegExp, (m: RegExpExecArray) => string][] = [
  [/^(\S+) is not installed$/, (m) => t('shell.status.reasons.notInstalled', { pkg: m[1] })],
  [/^not needed: (\S+) was chosen first$/, (m) => t('shell.status.reasons.notNeeded', { chosen: m[1] })],
  [/^not tried: backend forced to (\S+)$/, (m) => t('shell.status.reasons.notTried', { forced: m[1] })]
]

export function backendReasonText(reason: string): string {
  for (const [pattern, word] of BACKEND_REASONS) {
    const m = pattern.exec(reason)
    if (m) return word(m)
  }
  return reason
}

/** A dataset's name as main gives it ("Fashion-MNIST (train)", "… (test, first 600)") with its split worded. */
export function datasetNameText(name: string): string {
  return name.replace(/\((train|test)(?:, first (\d+))?\)$/, (_, split: 'train' | 'test', first?: string) =>
    first ? t('data.nameFirst', { split: t(`data.splitNames.${split}`), n: first }) : t('data.nameSplit', { split: t(`data.splitNames.${split}`) })
  )
}

/** Why a model cannot train on some data, as 'train/check' answers. */
export type FitProblem = NonNullable<LabOutput<'train/check'>['problem']>

/**
 * Why the model cannot train on the data ('train/check'), worded from its cause; English keeps
 * main's own sentence. `dataName` is the data as this interface names it (the Data view's label).
 */
export function mismatchText(problem: FitProblem, dataName: string): string {
  if (currentLocale() === 'en' || !problem.reason || problem.reason === 'stack') return problem.message
  const params = problem.params ?? {}
  const names = typeof params.names === 'string' && params.names ? t('train.mismatch.names', { names: params.names }) : ''
  return t(`train.mismatch.${problem.reason}`, { ...params, data: dataName, names })
}
