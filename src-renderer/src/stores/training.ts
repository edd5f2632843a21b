import { acceptHMRUpdate, defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { Divergence, EpochRecord, EvalMetrics, LabEventPayload, LabOutput, ResumePoint, RunDetail, RunStatus, TrainConfigInput, TrainPhase as RunStep, TrainThreads } from '@shared/contract'
import type { DataSource } from '@shared/dataset'
import type { ModelSpec, TrainingDefaults } from '@shared/layers'
import { describeError, lab, request } from '@renderer/api/client'
import { t } from '@renderer/i18n'
import { runFailureText, type FitProblem } from '@renderer/i18n/words'
import { runNameParts } from '@shared/run-name'
import { toPlain } from '@renderer/api/plain'
import { batchPoints, batchX, type Point } from '@renderer/charts/series'
import { parseSeeds } from '@renderer/lib/seeds'
import { meanSd, type MeanSd } from '@shared/stats'

export type Preset = LabOutput<'model/presets'>[number]
export type TrainPhase = 'idle' | 'starting' | RunStatus
type Progress = LabEventPayload<'train/progress'>

export interface TrainForm {
  optimizer: 'adam' | 'sgd'
  learningRate: number
  batchSize: number
  epochs: number
  validationSplit: number
  /** Empty: one run with a random seed, recorded in the run; "1": that seed; "1,2,3": a group, one run per seed (lib/seeds.ts). */
  seeds: string
  /** "Use first N training images"; empty means all. */
  limit: number | null
  /** "Test on first N test images"; empty means the whole test set. */
  testLimit: number | null
  /** Most threads training may use; empty means all this machine allows (maxThreads). */
  threads: number | null
}

/**
 * The word beside a run: while it runs, the step it is in, so the seconds of loading and building
 * before the first batch are not a silent "Training" over an empty bar (#18, item 1).
 */
/**
 * The name a run started here gets: the same parts as shared/run-name.ts's (so runs stay apart by
 * data, images, epochs and shifts), worded in the interface's language.
 */
export function localRunName(model: string, data: DataSource, config: TrainConfigInput): string {
  const p = runNameParts(model, data, config)
  const dataName =
    p.data.kind === 'toy'
      ? t('train.runLabel.toy')
      : p.data.kind === 'folder'
        ? t('train.runLabel.folder', { name: p.data.dir.split(/[\\/]/).filter(Boolean).pop() ?? p.data.dir })
        : 'Fashion-MNIST'
  const parts = [p.model, dataName]
  if (p.limit !== undefined) parts.push(t('train.runLabel.images', { n: p.limit }))
  parts.push(t('train.runLabel.epochs', { n: p.epochs }))
  if (p.shifts) parts.push(t(p.shifts.zeroFilled ? 'train.runLabel.shiftsZero' : 'train.runLabel.shifts', { k: p.shifts.maxShift, axes: p.shifts.axes }))
  return parts.join(' · ')
}

export function phaseText(phase: TrainPhase, step: RunStep | null, cancelling: boolean, paused = false): string {
  switch (phase) {
    case 'starting':
    case 'running':
      if (cancelling) return t('train.phases.stopping')
      if (paused) return t('train.phases.paused')
      return step ? t(`train.steps.${step}`) : t('train.phases.starting')
    case 'completed':
      return t('train.phases.completed')
    case 'cancelled':
      return t('train.phases.cancelled')
    case 'failed':
      return t('train.phases.failed')
    default:
      return t('train.phases.idle')
  }
}

/** "build" trains the Build view's stack; any other value names a preset. */
export const FROM_BUILD = 'build'

/**
 * The one training run the lab watches. The store, not a component, holds the event
 * subscription, so the run keeps reporting while the user is in another view.
 */
export const useTrainingStore = defineStore('training', () => {
  const presets = ref<Preset[]>([])
  /** Most threads a run can use here (app/info): the form offers 1 to this. */
  const maxThreads = ref<number | null>(null)
  const modelChoice = ref<string>(FROM_BUILD)
  const form = ref<TrainForm>({ optimizer: 'adam', learningRate: 0.001, batchSize: 32, epochs: 5, validationSplit: 0.1, seeds: '', limit: null, testLimit: null, threads: null })

  const runId = ref<string | null>(null)
  const runName = ref('')
  const phase = ref<TrainPhase>('idle')
  /** The step the run reported last (loading data, building, training…); null before the first. */
  const step = ref<RunStep | null>(null)
  const progress = ref<Progress | null>(null)
  /** Seconds since the run began, loading included, as its events last said. */
  const elapsed = ref(0)
  const error = ref<string | null>(null)
  const cancelling = ref(false)
  /** Paused at a batch boundary (train/pause): no batch trains, and the clock and ETA leave the time out. */
  const paused = ref(false)
  /** A pause or unpause asked and not yet answered. */
  const pausing = ref(false)
  /** The run as last read from disk (status, recipe, checkpoint): what Resume and Continue go on from. */
  const detail = shallowRef<RunDetail | null>(null)
  /** Where this run was resumed or continued: marked on the curves. */
  const resumes = ref<ResumePoint[]>([])
  // Up to one point per batch, so 100k+ entries: kept shallow, never proxied point by point.
  const batchLoss = shallowRef<Point[]>([])
  const batchAccuracy = shallowRef<Point[]>([])
  const epochs = ref<EpochRecord[]>([])
  const test = ref<EvalMetrics | null>(null)
  const classNames = ref<string[]>([])
  const backend = ref<string | null>(null)
  const threads = ref<TrainThreads | null>(null)
  /** The finished run's loss exploded (shared/divergence.ts): its accuracy means nothing. */
  const diverged = ref<Divergence | null>(null)
  /** The run's test limit: its test figures cover only that many test images. */
  const testLimit = ref<number | null>(null)
  const modelName = ref('')
  /** The group being trained seed by seed: which seed of how many; null for a single run. */
  const seedStep = ref<{ index: number; total: number; seed: number } | null>(null)
  /** The group's test accuracy over the seeds finished so far. */
  const groupAccuracy = ref<MeanSd | null>(null)
  let groupStopped = false
  /** True from a group's first start to its last run's end, so Start stays off between its seeds. */
  const groupBusy = ref(false)
  /** Resolves the run awaited by a group when it finishes. */
  let finishedWaiter: ((status: RunStatus, accuracy: number | undefined) => void) | null = null

  const active = computed(() => groupBusy.value || phase.value === 'starting' || phase.value === 'running')
  /** 0..1 of all batches of all epochs. */
  const fraction = computed(() => {
    const p = progress.value
    if (!p) return 0
    return Math.min(1, ((p.epoch - 1) * p.batchesPerEpoch + p.batch) / Math.max(1, p.epochs * p.batchesPerEpoch))
  })

  // Kept for the app's lifetime: a run outlives every view that shows it.
  let subscribed = false

  function listen(): void {
    if (subscribed) return
    subscribed = true
    lab.on('train/phase', onStep)
    lab.on('train/progress', onProgress)
    lab.on('train/epoch', onEpoch)
    lab.on('train/finished', onFinished)
  }

  /** Events can beat the train/start reply; the first one of a run we are starting names it. */
  function ours(id: string): boolean {
    if (phase.value === 'starting' && runId.value === null) runId.value = id
    return id === runId.value
  }

  function onStep(p: LabEventPayload<'train/phase'>): void {
    if (!ours(p.runId)) return
    step.value = p.phase
    elapsed.value = p.elapsedSeconds
  }

  function onProgress(p: Progress): void {
    if (!ours(p.runId)) return
    if (phase.value === 'starting') phase.value = 'running'
    // Batches are the training step, also for a run this view attached to after it began.
    step.value = 'training'
    elapsed.value = p.elapsedSeconds
    progress.value = p
    threads.value = p.threads
    const x = batchX(p.epoch, p.batch, p.batchesPerEpoch)
    // New arrays, not pushes: a component given the same array as a prop would not see it grow.
    batchLoss.value = batchLoss.value.concat({ x, y: p.recent.loss })
    batchAccuracy.value = batchAccuracy.value.concat({ x, y: p.recent.accuracy })
  }

  function onEpoch(e: LabEventPayload<'train/epoch'>): void {
    if (!ours(e.runId)) return
    const { runId: _id, ...record } = e
    epochs.value.push(record)
  }

  function onFinished(f: LabEventPayload<'train/finished'>): void {
    if (!ours(f.runId)) return
    phase.value = f.status
    if (f.seconds !== undefined) elapsed.value = f.seconds
    cancelling.value = false
    paused.value = false
    error.value = f.error ? runFailureText(f.error, f.failure) : null
    test.value = f.test ?? null
    void loadDetail(f.runId)
    finishedWaiter?.(f.status, f.test?.accuracy)
  }

  /** The run as saved: every batch rather than the live samples, the class names, the backend used. */
  async function loadDetail(id: string): Promise<void> {
    try {
      const run = await request('runs/get', { runId: id })
      if (id !== runId.value) return
      runName.value = run.name
      modelName.value = run.modelName
      classNames.value = run.classNames
      backend.value = run.backend ?? null
      threads.value = run.threads ?? null
      diverged.value = run.diverged ?? null
      epochs.value = run.epochs
      testLimit.value = run.config.testLimit ?? null
      resumes.value = run.resumes ?? []
      detail.value = run
      if (run.test) test.value = run.test
      if (run.error) error.value = runFailureText(run.error, run.failure)
      if (run.batches.length) {
        batchLoss.value = batchPoints(run.batches, 'loss')
        batchAccuracy.value = batchPoints(run.batches, 'accuracy')
      }
      if (run.status !== 'running') phase.value = run.status
    } catch (err) {
      error.value = describeError(err)
    }
  }

  function reset(): void {
    runId.value = null
    step.value = null
    elapsed.value = 0
    progress.value = null
    error.value = null
    cancelling.value = false
    paused.value = false
    pausing.value = false
    detail.value = null
    resumes.value = []
    batchLoss.value = []
    batchAccuracy.value = []
    epochs.value = []
    test.value = null
    classNames.value = []
    backend.value = null
    threads.value = null
    diverged.value = null
    testLimit.value = null
  }

  /** The form's choices: the presets, and how many threads this machine offers. */
  async function loadPresets(): Promise<void> {
    if (presets.value.length && maxThreads.value !== null) return
    try {
      const [list, info] = await Promise.all([request('model/presets', {}), request('app/info', {})])
      presets.value = list
      maxThreads.value = info.trainThreads
    } catch (err) {
      error.value = describeError(err)
    }
  }

  /** A preset's recipe (the tutorial's optimizer, rate, batch size, epochs) fills the form. */
  function applyDefaults(training: TrainingDefaults | undefined): void {
    if (!training) return
    form.value = { ...form.value, ...training }
  }

  function chooseModel(choice: string): void {
    modelChoice.value = choice
    applyDefaults(presets.value.find((p) => p.name === choice)?.spec.training)
  }

  function config(seed: number | undefined): TrainConfigInput {
    const f = form.value
    return {
      optimizer: f.optimizer,
      learningRate: f.learningRate,
      batchSize: f.batchSize,
      epochs: f.epochs,
      validationSplit: f.validationSplit,
      ...(seed !== undefined ? { seed } : {}),
      ...(f.limit !== null ? { limit: f.limit } : {}),
      ...(f.testLimit !== null ? { testLimit: f.testLimit } : {}),
      ...(f.threads !== null ? { threads: Math.min(f.threads, maxThreads.value ?? f.threads) } : {})
    }
  }

  /**
   * One run, or with several seeds a group: one run per seed, each started when the one before
   * finished, stopped by Cancel; the group's test accuracy as mean ± sd as the seeds finish.
   */
  async function start(model: ModelSpec, data: DataSource): Promise<void> {
    if (active.value) return
    const parsed = parseSeeds(form.value.seeds)
    const seeds = parsed.ok ? parsed.seeds : []
    seedStep.value = null
    groupAccuracy.value = null
    if (seeds.length < 2) {
      await startOne(model, data, { seed: seeds[0] })
      return
    }
    groupStopped = false
    groupBusy.value = true
    try {
      await startGroup(model, data, seeds)
    } finally {
      groupBusy.value = false
      finishedWaiter = null
    }
  }

  async function startGroup(model: ModelSpec, data: DataSource, seeds: number[]): Promise<void> {
    const base = localRunName(model.name, data, config(undefined))
    // Told apart from an earlier group of the same settings by when it started.
    const group = `${base} (${new Date().toISOString().slice(0, 16).replace('T', ' ')})`
    const accuracies: number[] = []
    for (const [index, seed] of seeds.entries()) {
      if (groupStopped) break
      seedStep.value = { index, total: seeds.length, seed }
      const finished = new Promise<{ status: RunStatus; accuracy: number | undefined }>((resolve) => {
        finishedWaiter = (status, accuracy) => resolve({ status, accuracy })
      })
      await startOne(model, data, { seed, group, name: `${base} · ${t('train.runLabel.seed', { n: seed })}` })
      if (phase.value === 'failed' && !runId.value) break
      const { status, accuracy } = await finished
      finishedWaiter = null
      if (accuracy !== undefined) {
        accuracies.push(accuracy)
        groupAccuracy.value = meanSd(accuracies)
      }
      if (status !== 'completed') break
    }
  }

  async function startOne(model: ModelSpec, data: DataSource, run: { seed?: number; group?: string; name?: string }): Promise<void> {
    listen()
    reset()
    testLimit.value = form.value.testLimit
    phase.value = 'starting'
    modelName.value = model.name
    const recipe = config(run.seed)
    try {
      // Inside: a form value the recipe's schema refuses fails this start with its reason.
      runName.value = run.name ?? localRunName(model.name, data, recipe)
      const { runId: id } = await request('train/start', {
        model: toPlain(model),
        data: toPlain(data),
        config: recipe,
        name: runName.value,
        ...(run.group ? { group: run.group } : {})
      })
      runId.value = id
      if (phase.value === 'starting') phase.value = 'running'
    } catch (err) {
      phase.value = 'failed'
      error.value = describeError(err)
    }
  }

  /** Why the chosen model cannot train on the chosen data (null when it can), asked of the main side. */
  const fitProblem = ref<FitProblem | null>(null)
  let fitAsked = 0
  async function checkFit(model: ModelSpec, data: DataSource): Promise<void> {
    const asked = ++fitAsked
    try {
      const { problem } = await request('train/check', { model: toPlain(model), data: toPlain(data) })
      if (asked === fitAsked) fitProblem.value = problem ?? null
    } catch (err) {
      if (asked === fitAsked) fitProblem.value = { message: describeError(err) }
    }
  }

  async function cancel(): Promise<void> {
    if (!runId.value || !active.value) return
    groupStopped = true
    cancelling.value = true
    try {
      await request('train/cancel', { runId: runId.value })
    } catch (err) {
      cancelling.value = false
      error.value = describeError(err)
    }
  }

  /** Pauses the run at its next batch boundary, or lets it go on; a cancel still stops a paused run. */
  async function togglePause(): Promise<void> {
    if (!runId.value || !active.value || pausing.value) return
    pausing.value = true
    try {
      const answer = await request('train/pause', { runId: runId.value, paused: !paused.value })
      paused.value = answer.paused
    } catch (err) {
      error.value = describeError(err)
    } finally {
      pausing.value = false
    }
  }

  /**
   * Resumes a stopped run or continues a completed one, in its own folder; this view then follows it,
   * its earlier epochs loaded so the curves go on from them.
   */
  async function trainOn(id: string, ask: { mode: 'resume' | 'continue'; epochs?: number; freshOptimizer: boolean }): Promise<void> {
    if (active.value) return
    listen()
    const name = detail.value?.id === id ? runName.value : ''
    reset()
    runId.value = id
    runName.value = name
    phase.value = 'starting'
    try {
      const fresh = ask.freshOptimizer ? { freshOptimizer: true } : {}
      if (ask.mode === 'resume') await request('train/resume', { runId: id, ...fresh })
      else await request('train/continue', { runId: id, epochs: ask.epochs ?? 1, ...fresh })
      if (phase.value === 'starting') phase.value = 'running'
      await loadDetail(id)
    } catch (err) {
      phase.value = 'failed'
      error.value = describeError(err)
      await loadDetail(id)
    }
  }

  /** A run still training when the page (re)loads is picked up where it is. */
  async function resume(): Promise<void> {
    listen()
    if (phase.value !== 'idle') return
    try {
      // A run another process trains (the CLI) sends this app no progress and cannot be cancelled here.
      const running = (await request('runs/list', {})).find((r) => r.status === 'running' && !r.trainedElsewhere)
      if (!running || phase.value !== 'idle') return
      reset()
      runId.value = running.id
      runName.value = running.name
      phase.value = 'running'
      await loadDetail(running.id)
    } catch (err) {
      error.value = describeError(err)
    }
  }

  return {
    presets,
    maxThreads,
    modelChoice,
    form,
    runId,
    runName,
    phase,
    step,
    elapsed,
    progress,
    error,
    cancelling,
    paused,
    pausing,
    detail,
    resumes,
    batchLoss,
    batchAccuracy,
    epochs,
    test,
    classNames,
    backend,
    threads,
    diverged,
    modelName,
    seedStep,
    groupAccuracy,
    fitProblem,
    testLimit,
    active,
    fraction,
    listen,
    loadPresets,
    chooseModel,
    start,
    checkFit,
    cancel,
    togglePause,
    trainOn,
    resume
  }
})

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useTrainingStore, import.meta.hot))
