/** Sentences about runs that several views show, in the interface's language. */
import type { DecodedImage, Divergence, IdxImportResult, LabEventPayload, LabOutput, NoticeParams, RunDamage, RunFailure, TrainThreads } from '@shared/contract'
import { formatBytes } from '@shared/memory'
import type { z } from 'zod'
import { STACK_PROBLEMS, type ShapeError, type StackProblem, type StackProblemCode, type StackProblemParams } from '@shared/shapes'
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
  if (currentLocale() === 'en') return problem.message
  // Without a reason the data itself could not be read; the Data view words why.
  if (!problem.reason) return t('train.mismatch.unreadable', { data: dataName })
  const params = problem.params ?? {}
  if (problem.reason === 'stack') return flatStackProblemText(params) ?? problem.message
  const names = typeof params.names === 'string' && params.names ? t('train.mismatch.names', { names: params.names }) : ''
  return t(`train.mismatch.${problem.reason}`, { ...params, data: dataName, names })
}

/** What is wrong with a stack, without the layer it is at (shapes.ts words the same codes in English for the CLI). */
export function stackProblemReason(problem: StackProblem): string {
  const p = problem.params
  switch (problem.code) {
    case 'windowTooLarge':
      return t('build.problems.windowTooLarge', { ...p, what: t(`build.problems.what.${p.what === 'pool' ? 'pool' : 'kernel'}`) })
    case 'badLastLayer':
      return p.activation ? t('build.problems.badLastLayerWith', p) : t('build.problems.badLastLayer', p)
    default:
      return t(`build.problems.${problem.code}`, p)
  }
}

/** "Layer 3 (MaxPool2d):", the place of a layer's problem. */
export function shapeErrorPlace(error: Pick<ShapeError, 'layerIndex' | 'torchType'>): string {
  return t('build.problems.atLayer', { layer: error.layerIndex + 1, type: error.torchType })
}

/** A stack's problem in one sentence, with its layer when it is a layer's. */
export function stackProblemText(problem: StackProblem | ShapeError): string {
  const reason = stackProblemReason(problem)
  return 'layerIndex' in problem ? t('build.problems.placed', { place: shapeErrorPlace(problem), reason }) : reason
}

const isStackProblemCode = (code: unknown): code is StackProblemCode => (STACK_PROBLEMS as readonly unknown[]).includes(code)

/**
 * A stack's problem sent flat in an error's or a check's params (shapes.ts `flatStackProblem`),
 * worded; undefined when the params name no problem this interface knows.
 */
export function flatStackProblemText(flat: StackProblemParams): string | undefined {
  const { problem: code, atLayer, torchType, ...params } = flat
  if (!isStackProblemCode(code)) return undefined
  const problem = { code, params }
  return typeof atLayer === 'number' && typeof torchType === 'string'
    ? stackProblemText({ ...problem, layerIndex: atLayer - 1, torchType, message: '' })
    : stackProblemText(problem)
}

/** What is wrong with a damaged run and what it still offers, in one or two sentences. */
export function damageText(damage: RunDamage): string {
  // The model's missing files come comma-separated: "model/model.json and model/weights.bin".
  const fileOf = (c: RunDamage['causes'][number]): string => (c.kind === 'modelFilesMissing' ? c.file.split(', ').join(t('runs.damage.and')) : c.file)
  const causes = damage.causes.map((c) => t(`runs.damage.causes.${c.kind}`, { file: fileOf(c), detail: c.detail ?? '' })).join(t('runs.damage.separator'))
  const k = damage.keeps
  const list = (parts: string[]): string => parts.join(t('runs.damage.list'))
  let keeps: string
  if (!k.opens) {
    const parts = [
      ...(k.model ? [t('runs.damage.modelFiles')] : []),
      ...(k.test ? [t('runs.damage.testOnDisk', { accuracy: formatters().percent(k.test.accuracy, 2), count: formatters().int(k.test.count) })] : [])
    ]
    keeps = parts.length ? t('runs.damage.closed', { parts: list(parts) }) : t('runs.damage.closedNothing')
  } else {
    const parts = [
      ...(k.model ? [k.test ? t('runs.damage.model') : t('runs.damage.modelUntested')] : []),
      ...(k.test ? [t('runs.damage.test')] : []),
      ...(k.curves ? [t('runs.damage.curves')] : [])
    ]
    keeps = parts.length ? t('runs.damage.opens', { parts: list(parts) }) : t('runs.damage.opensNothing')
  }
  return t('runs.damage.sentence', { causes, keeps })
}

/** How the engine process ended, in a notice or a run's failure: "was killed by SIGKILL", "exited with code 1". */
function exitText(p: z.infer<typeof NoticeParams>): string {
  if (p.signal !== undefined) return t('train.failures.killed', { signal: p.signal })
  if (p.exitCode !== undefined) return t('train.failures.exited', { exitCode: p.exitCode })
  return t('train.failures.ended')
}

/**
 * A notice from main in the interface's language, from its code; one without a code (a version
 * of main newer than this interface) keeps main's English sentence.
 */
export function noticeText(notice: Pick<LabEventPayload<'engine/notice'>, 'message' | 'code' | 'params'>): string {
  const p = notice.params ?? {}
  const k = 'shell.engineNotices'
  if (currentLocale() === 'en') return notice.message
  switch (notice.code) {
    case undefined:
      return notice.message
    case 'engineRestarted':
    case 'engineRestartedAfterPause':
    case 'engineBackoff':
      return t(`${k}.${notice.code}`, { ...p, how: exitText(p) })
    case 'lowMemory':
      return t(`${k}.lowMemory`, { model: p.model, needed: formatBytes(Number(p.needed)), free: formatBytes(Number(p.free)) })
    case 'untestedClasses':
      return t(`${k}.untestedClasses`, { ...p, data: datasetNameText(String(p.data)) }, Number(p.count))
    case 'filesSkipped':
      return Number(p.more) > 0 ? t(`${k}.filesSkippedMore`, p) : t(`${k}.filesSkipped`, p, Number(p.count))
    default:
      return t(`${k}.${notice.code}`, p)
  }
}

/** Why a run failed or was cut short; English keeps main's own sentence, the most specific. */
export function runFailureText(error: string, failure: RunFailure | undefined): string {
  if (currentLocale() === 'en' || !failure) return error
  const p = failure.params
  if (failure.code === 'engineExited') return t('train.failures.engineExited', { how: exitText(p) })
  return t(`train.failures.${failure.code}`, p)
}

/** Why a picture could not be used, from the decoder's fault; English keeps main's sentence, which names the bytes it saw. */
export function imageFaultText(failed: Extract<DecodedImage, { ok: false }>): string {
  if (currentLocale() === 'en' || !failed.fault) return failed.error
  return t(`predict.faults.${failed.fault.code}`, failed.fault.params)
}

/** Why an IDX file was not imported; English keeps main's sentence, which names the fault exactly. */
export function importFaultText(result: IdxImportResult): string {
  if (currentLocale() === 'en' || !result.fault) return result.error ?? ''
  const p = result.fault.params
  const counts = result.fault.code === 'countMismatch' ? { count: formatters().int(Number(p.count)), otherCount: formatters().int(Number(p.otherCount)) } : {}
  return t(`data.importFaults.${result.fault.code}`, { ...p, ...counts })
}
