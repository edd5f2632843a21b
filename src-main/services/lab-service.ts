/**
 * The Lab API's implementation: one handler per contract method, over the engine process, the
 * data folders and the runs on disk. Electron IPC, web mode and tests all drive this same
 * object through `dispatch`, so behaviour cannot drift between transports.
 */
import { stat } from 'node:fs/promises'
import { isAbsolute, join, resolve, sep } from 'node:path'
import { EngineClient } from '../engine/process/client'
import type { EngineHostFactory } from '../engine/process/host'
import { nodeEngineHostFactory } from '../engine/process/node-host'
import { locateFashionMnist } from '../data/fashion-mnist'
import {
  MODEL_DIR,
  listRuns,
  newRunId,
  readRun,
  runDir,
  readRunSummary,
  updateRunMeta
} from '../runs/run-store'
import { removeStaleTemporaries } from '../runs/atomic-write'
import { recoverRun, recoverRuns } from '../runs/recover'
import { runLockState } from '../runs/run-lock'
import { emptyTrash, restoreRun, trashRun } from '../runs/run-trash'
import { LabError, type ImageFile, type NoticeText, type LabEvent, type LabEventPayload, type RunDetail } from '../shared/contract'
import { DataError } from '../data/errors'
import { runName } from '../shared/run-name'
import type { DataSource } from '../shared/dataset'
import { PRESET_NAMES, getPreset } from '../shared/presets'
import { inferShapes } from '../shared/shapes'
import { trainThreadLimit } from '../shared/threads'
import { formatSummary, summarize } from '../shared/summary'
import type { LabEventListener, LabHandlers } from './dispatch'
import { parseModelSpec } from './models'
import { resumeTraining, startTraining, type TrainingHandle } from './training'
import type { ResumeAsk } from '../runs/resume-plan'
import { CheckpointKept, dropCheckpoint } from '../runs/drop-checkpoint'
import { dataModelMismatch } from '../shared/data-fit'
import { describeSource } from '../data/describe'
import { trainRecipe } from './recipe-training'
import { createStackHandlers } from './stack-handlers'
import { createImageHandlers } from './image-handlers'
import { createLearnHandlers } from './learn-handlers'
import { createExportHandlers } from './export-handlers'
import { createRobustnessHandlers } from './robustness-handlers'
import { createStudyRatesHandler } from './study-rates'
import { createDataHandlers } from './data-handlers'
import { createImportHandlers } from './import-handlers'
import { availableParallelism } from 'node:os'
import { defaultDataDir } from './data-dir.mts'
import packageJson from '../../package.json'

export interface LabServiceOptions {
  /** Where Fashion-MNIST may be kept (<dataDir>/fashion-mnist) and runs live (<dataDir>/runs). */
  dataDir: string
  runsDir?: string
  engineHost?: EngineHostFactory
  /** Force a TensorFlow.js backend instead of the automatic choice. */
  backend?: string
  /** Images the operating system asks the desktop app to open; web mode and the CLI have none. */
  openedFiles?: OpenedFileSource
  /** How long a cancelled run's step or study's chunk may go on before the engine is killed. */
  cancelGraceMs?: number
  /** The system's preferred languages, for the interface's first start: Electron's only. */
  systemLanguages?: () => readonly string[]
}

export interface OpenedFileSource {
  /** The files that arrived since the last call, read and checked; problems go to onProblem. */
  take(): Promise<ImageFile[]>
  /** Called with how many files arrived, so the window can come and take them. */
  onArrive(listener: (count: number) => void): void
  onProblem(listener: (notice: NoticeText) => void): void
}

export interface LabService {
  handlers: LabHandlers
  onEvent(listener: LabEventListener): () => void
  /** The engine, for callers (the CLI) that need more than the contract offers. */
  engine: EngineClient
  dispose(): Promise<void>
}

export async function createLabService(options: LabServiceOptions): Promise<LabService> {
  const dataDir = options.dataDir
  await assertDataDir(dataDir)
  const runsDir = options.runsDir ?? join(dataDir, 'runs')
  const engine = new EngineClient({
    host: options.engineHost ?? nodeEngineHostFactory(),
    init: { appDataDir: dataDir, ...(options.backend ? { backend: options.backend } : {}) }
  })
  const listeners = new Set<LabEventListener>()
  /** The run training now, if any: the lab trains one at a time. */
  let active: { runId: string; training: TrainingHandle } | null = null
  const emit = <E extends LabEvent>(event: E, payload: LabEventPayload<E>): void => {
    for (const l of listeners) l(event, payload)
  }
  // How the engine process ended, for the interface to word: killed by a signal, or its exit code.
  const exitParams = (n: { code: number | null; signal: string | null }): Record<string, string | number> =>
    n.signal ? { signal: n.signal } : { exitCode: n.code ?? '?' }
  const RESTART_CODES = { request: 'engineRestartedByUser', crash: 'engineRestarted', paused: 'engineRestartedAfterPause' } as const
  engine.on('engine/restarted', (n) => emit('engine/notice', { level: 'warning', message: n.reason, code: RESTART_CODES[n.cause], params: exitParams(n) }))
  engine.on('engine/backoff', (n) =>
    emit('engine/notice', {
      level: 'error',
      message: `${n.reason}. It starts again in ${Math.ceil(n.retryInMs / 1000)} s; Restart engine starts it now.`,
      code: 'engineBackoff',
      params: { ...exitParams(n), deaths: n.deathsInMinute, seconds: Math.ceil(n.retryInMs / 1000) },
      action: 'restart-engine'
    })
  )
  engine.on('engine/log', (l) => emit('engine/notice', l))
  options.openedFiles?.onArrive((count) => emit('app/files-opened', { count }))
  options.openedFiles?.onProblem((notice) => emit('engine/notice', { level: 'warning', ...notice }))

  /** The training that holds the engine until it ends: one at a time. */
  const track = (runId: string, training: TrainingHandle): void => {
    const current = { runId, training }
    active = current
    // Idle before 'train/finished' goes out: an interface that starts a group's next seed on
    // hearing it must not be told the lab is busy.
    training.onSettled(() => {
      if (active === current) active = null
    })
  }
  /**
   * A timing probe in the engine (study/rates, seconds long): a training started meanwhile would
   * share the engine's helper threads with it, so a start waits for it to end.
   */
  let probe: Promise<unknown> | null = null
  const afterProbe = async (): Promise<void> => {
    while (probe) await probe.catch(() => undefined)
  }
  const ratesHandler = createStudyRatesHandler({ engine, assertIdle: () => assertIdle(), modelSpecOf: async (runId) => (await finishedRun(runId)).model })
  /** The shift study's recipe in progress: the run it trains now, and whether a cancel stopped it. */
  let recipe: { runId: string | null; stop: boolean } | null = null
  const assertIdle = (): void => {
    if (active) throw new LabError('busy', `Run ${active.runId} is still training: cancel it or wait for it to finish.`).because('trainingBusy')
    if (recipe) throw new LabError('busy', "The shift study's recipe is training: cancel it or wait for it to finish.").because('recipeBusy')
  }
  // A read-only runs folder must not stop the app: its runs are shown, and changing them is refused.
  const recovery = await recoverRuns(runsDir)
  const runsReadOnly = recovery.readOnly
  if (!runsReadOnly) await emptyTrash(runsDir)
  // Imports and saved stacks are written atomically too; a kill mid-write leaves a temporary file.
  for (const dir of [join(dataDir, 'fashion-mnist'), join(dataDir, 'stacks')]) await removeStaleTemporaries(dir).catch(() => 0)
  const assertWritable = (): void => {
    if (runsReadOnly) throw new LabError('permission', runsReadOnly).because('runsReadOnly')
  }

  /**
   * Folders a call may name: the data folder and those the user chose in this session. Another
   * local caller (web mode) must not read any image folder the user can, nor map directories
   * through the errors a load gives.
   */
  const chosenFolders = new Set<string>([resolve(dataDir)])
  const checkFolder = (dir: string): void => {
    const path = resolve(dir)
    for (const root of chosenFolders) if (path === root || path.startsWith(root.endsWith(sep) ? root : root + sep)) return
    throw new LabError('forbidden', `${dir} is not a folder you chose in this session: type or drop it in the Data view and press Use first.`)
  }
  const checkSource = (source: DataSource): void => {
    if (source.kind !== 'toy' && source.dir !== undefined) checkFolder(source.dir)
  }
  const dataHandlers = createDataHandlers(engine)

  const dirOf = (runId: string): string => runDir(runsDir, runId)
  /** Resumes or continues a run in its own folder (services/training.ts, resumeTraining). */
  const trainOn = async (runId: string, ask: ResumeAsk): Promise<{ runId: string }> => {
    assertWritable()
    assertIdle()
    // The run's data was the user's choice when it started; it trains on what run.json records.
    await readRunOrNotFound(dirOf(runId), runId)
    const started = await resumeTraining({ engine, dir: dirOf(runId), emit, ask, cancelGraceMs: options.cancelGraceMs })
    track(runId, started)
    return { runId }
  }
  const modelOf = (runId: string) => ({ dir: join(dirOf(runId), MODEL_DIR) })
  const finishedRun = async (runId: string): Promise<RunDetail> => {
    const run = await readRunOrNotFound(dirOf(runId), runId)
    if (run.status === 'running') throw new LabError('busy', `Run ${runId} is still training.`).because('runTraining', { run: runId })
    if (run.status === 'failed') throw new LabError('not-found', `Run ${runId} failed and has no trained model.`).because('runFailedNoModel', { run: runId })
    // A cancel that had to kill the engine mid-step took the model with it (training.ts): readRun
    // finds its files missing and says so in damage.
    if (run.damage?.modelUsable === false) {
      throw new LabError('not-found', `Run ${runId} has no trained model: ${run.error ?? 'it was never saved'}`).because('runNoModel', { run: runId })
    }
    return run
  }

  const robustness = createRobustnessHandlers({ engine, finishedRun, modelOf, emit, cancelGraceMs: options.cancelGraceMs })
  /** The Train view's most threads: the cores, capped by CONVLAB_TRAIN_THREADS (training itself reports a bad value). */
  function threadsHere(): number {
    const cores = availableParallelism()
    try {
      return Math.min(cores, trainThreadLimit(undefined, process.env.CONVLAB_TRAIN_THREADS, cores))
    } catch {
      return cores
    }
  }

  const handlers: LabHandlers = {
    async 'app/info'() {
      return {
        version: packageJson.version,
        dataDir,
        runsDir,
        platform: `${process.platform}-${process.arch}`,
        ...(runsReadOnly ? { runsReadOnly } : {}),
        ...(options.systemLanguages ? { languages: options.systemLanguages().slice(0, 50) } : {}),
        trainThreads: threadsHere()
      }
    },
    async 'app/opened-files'() {
      return options.openedFiles ? options.openedFiles.take() : []
    },
    async 'backends/list'() {
      return engine.request('backends/report', {})
    },
    async 'model/presets'() {
      return PRESET_NAMES.map((name) => ({ name, spec: getPreset(name)! }))
    },
    ...createStackHandlers(join(dataDir, 'stacks'), (notice) => emit('engine/notice', { level: 'warning', ...notice })),
    async 'model/summary'({ spec }) {
      const model = parseModelSpec(spec, 'The layer stack')
      const report = inferShapes(model)
      const summary = summarize(model, report)
      return {
        text: formatSummary(model, report),
        rows: summary.rows,
        totalParams: report.totals.params,
        ...(report.error ? { error: report.error } : {})
      }
    },
    async 'data/choose-folder'({ dir }) {
      // Relative to what? The server's working directory is nothing the user sees.
      if (!isAbsolute(dir)) throw new LabError('invalid-payload', `Give the folder's full path: ${dir} is relative.`)
      chosenFolders.add(resolve(dir))
      return { dir }
    },
    async 'data/samples'(input) {
      checkSource(input.source)
      return dataHandlers['data/samples'](input)
    },
    async 'data/locate'({ dir }) {
      if (dir !== undefined) checkFolder(dir)
      const found = await locateFashionMnist({ dir, appDataDir: dataDir })
      if (found.found) return { found: true as const, dir: found.dir }
      const { searched, help, problem, refusal } = found
      return { found: false as const, searched, help, ...(problem === undefined ? {} : { problem }), ...(refusal ? { refusal } : {}) }
    },
    async 'train/check'({ model, data }) {
      checkSource(data)
      try {
        const mismatch = dataModelMismatch(model, await describeSource(data, model))
        return mismatch ? { problem: mismatch } : {}
      } catch (err) {
        if (err instanceof DataError) return { problem: { message: err.message } }
        throw err
      }
    },
    async 'train/start'({ model, data, config, name, group }) {
      assertWritable()
      checkSource(data)
      await afterProbe()
      assertIdle()
      const id = newRunId(model.name)
      const started = await startTraining({
        engine,
        dir: dirOf(id),
        id,
        name: name ?? runName(model.name, data, config),
        model,
        data,
        config,
        emit,
        cancelGraceMs: options.cancelGraceMs,
        ...(group ? { group } : {})
      })
      track(id, started)
      return { runId: id }
    },
    async 'train/resume'({ runId, freshOptimizer }) {
      return trainOn(runId, { mode: 'resume', freshOptimizer })
    },
    async 'train/continue'({ runId, epochs, freshOptimizer }) {
      return trainOn(runId, { mode: 'continue', epochs, freshOptimizer })
    },
    async 'train/pause'({ runId, paused }) {
      if (active?.runId !== runId) return { paused: false }
      return { paused: await active.training.pause(paused) }
    },
    async 'study/train-recipe'({ epochs, seeds, trainLimit, names }) {
      assertWritable()
      await afterProbe()
      assertIdle()
      const current: { runId: string | null; stop: boolean } = { runId: null, stop: false }
      recipe = current
      // Each model's runs over the seeds are one group, told apart from an earlier recipe's by when it started.
      const started = new Date().toISOString().slice(0, 16).replace('T', ' ')
      try {
        const outcome = await trainRecipe({
          engine,
          options: { epochs, seeds, ...(trainLimit ? { trainLimit } : {}), ...(names ? { names } : {}) },
          place: (run) => {
            const id = newRunId(run.model.name)
            return { id, dir: dirOf(id) }
          },
          group: (run) => (seeds.length > 1 ? `${run.label} (${started})` : undefined),
          emit,
          cancelGraceMs: options.cancelGraceMs,
          stopRequested: () => current.stop,
          onStep: (step) => {
            current.runId = step.id
            if (step.training) track(step.id, step.training)
            emit('study/recipe-step', { index: step.index, total: step.total, label: step.label, seed: step.seed, runId: step.id })
          }
        })
        const runIds = outcome.runs.map((r) => r.id)
        if (outcome.status === 'completed') return { status: outcome.status, runIds }
        return {
          status: outcome.status,
          runIds,
          error: `${outcome.label} ${outcome.status}${outcome.error ? `: ${outcome.error}` : ''}`,
          label: outcome.label,
          ...(outcome.error ? { reason: outcome.error } : {}),
          ...(outcome.failure ? { failure: outcome.failure } : {})
        }
      } finally {
        recipe = null
      }
    },
    async 'train/cancel'({ runId }) {
      // A cancel of the recipe's run also stops the recipe, even between two of its runs.
      if (recipe?.runId === runId) recipe.stop = true
      if (active?.runId !== runId) return { cancelled: recipe?.runId === runId }
      // Answered at once: the engine may be deep in a step and only hear it when the step ends.
      active.training.cancel()
      return { cancelled: true }
    },
    async 'engine/restart'() {
      active?.training.cancel({ now: true })
      engine.restart()
      return { restarted: true as const }
    },
    async 'runs/list'() {
      const { runs } = await listRuns(runsDir)
      return Promise.all(
        runs.map(async (r) => {
          if (r.status !== 'running' || r.id === active?.runId) return r
          // A process that died after this app started left it running: marked now, as at start.
          if (!runsReadOnly && !(await runLockState(dirOf(r.id))).live) {
            await recoverRun(dirOf(r.id))
            return readRunSummary(dirOf(r.id))
          }
          return { ...r, trainedElsewhere: true }
        })
      )
    },
    async 'runs/get'({ runId }) {
      return readRunOrNotFound(dirOf(runId), runId)
    },
    async 'runs/rename'({ runId, name }) {
      assertWritable()
      await readRunOrNotFound(dirOf(runId), runId)
      await updateRunMeta(dirOf(runId), { name, nameGiven: true })
      return readRunSummary(dirOf(runId))
    },
    async 'runs/drop-checkpoint'({ runId }) {
      assertWritable()
      await readRunOrNotFound(dirOf(runId), runId)
      if (active?.runId === runId) throw new LabError('busy', `Run ${runId} is training: its checkpoint is kept.`).because('runTraining', { run: runId })
      return dropCheckpoint(dirOf(runId), runId).catch((err: unknown) => {
        if (!(err instanceof CheckpointKept)) throw err
        throw new LabError(err.problem === 'training' ? 'busy' : 'invalid-payload', err.message).because(err.problem === 'training' ? 'runTraining' : 'runNotCompleted', { run: runId })
      })
    },
    async 'runs/delete'({ runId }) {
      assertWritable()
      if (active?.runId === runId) throw new LabError('busy', `Run ${runId} is training: cancel it before deleting it.`).because('runTraining', { run: runId })
      if ((await runLockState(dirOf(runId))).live) {
        throw new LabError('busy', `Run ${runId} is being trained by another process (such as the command line): stop it there first.`).because(
          'runTraining',
          { run: runId }
        )
      }
      // A damaged run can be deleted too: that is what its damage report suggests.
      await readRunSummary(dirOf(runId)).catch((err: unknown) => {
        throw new LabError('not-found', `Run ${runId} cannot be opened: ${(err as Error).message}`).because('runMissing', { run: runId })
      })
      await trashRun(runsDir, runId)
      return { deleted: true }
    },
    async 'runs/restore'({ runId }) {
      assertWritable()
      try {
        await restoreRun(runsDir, runId)
      } catch (err) {
        throw new LabError('not-found', (err as Error).message)
      }
      return readRunSummary(dirOf(runId))
    },
    async 'runs/evaluate'({ runId, limit }) {
      const run = await finishedRun(runId)
      return engine.request('model/evaluate', { model: modelOf(runId), data: run.data, split: 'test', ...(limit ? { limit } : {}) })
    },
    async 'predict/images'({ runId, images }) {
      const run = await finishedRun(runId)
      const [c, h, w] = run.model.inputShape.length === 3 ? run.model.inputShape : [1, 0, 0]
      const bad = images.findIndex((img) => c !== 1 || img.width !== w || img.height !== h)
      if (bad >= 0) {
        const img = images[bad]
        throw new LabError(
          'invalid-payload',
          `Image ${bad + 1} is ${img.width}x${img.height} grey but run ${runId} expects ${run.model.inputShape.join('x')} input.`
        )
      }
      return engine.request('model/predict', { model: modelOf(runId), images: images.map((i) => Float32Array.from(i.pixels)) })
    },
    ...createImageHandlers(),
    ...createImportHandlers(dataDir),
    ...createLearnHandlers({ engine, finishedRun, modelOf }),
    ...createExportHandlers({ engine, dataDir, convlabVersion: packageJson.version, finishedRun, modelOf }),
    ...robustness,
    // After a timing probe in progress, whose figures it would otherwise skew and slow.
    async 'runs/robustness'(input) {
      await afterProbe()
      return robustness['runs/robustness'](input)
    },
    async 'study/rates'(input) {
      const running = ratesHandler['study/rates'](input)
      probe = running
      try {
        return await running
      } finally {
        if (probe === running) probe = null
      }
    },
    async 'shift/heatmap'({ runId, image, from, to, axis, mode }) {
      const run = await finishedRun(runId)
      const ref =
        image.kind === 'dataset'
          ? { kind: 'dataset' as const, data: run.data, split: image.split, index: image.index }
          : { kind: 'pixels' as const, values: Float32Array.from(image.image.pixels) }
      return engine.request('model/shift', { model: modelOf(runId), image: ref, from, to, axis, mode })
    }
  }

  return {
    handlers,
    engine,
    onEvent(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    async dispose() {
      // The run is recorded as cancelled before the engine goes; cancel ends it within its grace.
      if (recipe) recipe.stop = true
      if (active) {
        active.training.cancel()
        await active.training.finished
      }
      engine.dispose()
    }
  }
}

async function readRunOrNotFound(dir: string, runId: string): Promise<RunDetail> {
  try {
    return await readRun(dir)
  } catch (err) {
    throw new LabError('not-found', `Run ${runId} cannot be opened: ${(err as Error).message}`).because('runMissing', { run: runId })
  }
}

/**
 * A data folder someone chose (`npm run web -- --data-dir D`; Electron's user-data folder always
 * exists) must exist: created silently, a path on a drive that is not mounted would become an
 * empty folder on the wrong disk. Only the default ~/.convlab is created on first use.
 */
async function assertDataDir(dataDir: string): Promise<void> {
  if (resolve(dataDir) === resolve(defaultDataDir())) return
  const info = await stat(dataDir).catch((err: NodeJS.ErrnoException) => err)
  if (info instanceof Error) {
    const why = info.code === 'ENOENT' ? 'does not exist' : info.code === 'ENOTDIR' ? 'is inside a file, not a folder' : `cannot be read (${info.code})`
    throw new LabError(info.code === 'EACCES' ? 'permission' : 'not-found', `The data folder ${dataDir} ${why}; create it first or choose another.`)
  }
  if (!info.isDirectory()) throw new LabError('not-found', `The data folder ${dataDir} is a file, not a folder.`)
}
