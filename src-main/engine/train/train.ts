/**
 * The training loop. A custom loop over optimizer.minimize rather than model.fit: batching,
 * progress, cancel and the per-batch history are ours. The dataset is uploaded once; each batch
 * is a gather by shuffled indices, so no pixels are copied in JS per batch.
 */
import * as tf from '@tensorflow/tfjs'
import type { BackendName, BatchRecord, EpochRecord, EvalMetrics, LabEventPayload, TrainConfig, TrainPhase, TrainThreads, NoticeText } from '../../shared/contract'
import type { Dataset } from '../../shared/dataset'
import { ModelSpec } from '../../shared/layers'
import { activeBackend, backendReport, BACKEND_ORDER, tfjsBackendName, useBackend } from '../backends'
import { buildModel, startDropoutEpoch } from '../model/build-model'
import { headOf, lossOf, predictedOf, type ClassifierHead } from '../model/head'
import { checkDatasetFits, checkLabelsFit, evaluateModel } from '../inference'
import type { LoadedModel } from '../model/model-io'
import type { LoadedCheckpoint } from './checkpoint'
import { captureOptimizerState, restoreOptimizerState } from './optimizer-state'
import { CheckpointKeeper } from './checkpoint-keeper'
import { startParallelTraining } from '../parallel/parallel'
import { trainStep } from './train-step'
import { makeOptimizer, missingGradientKernels } from '../kernels'
import { epochSeed, mulberry32, randomSeed, range, shuffleInPlace } from '../../shared/rng'
import { augmentPlan } from './augment'
import { batchShiftIndex, drawShifts } from '../shift'

export type ProgressPayload = LabEventPayload<'train/progress'>
/** An epoch's end: its record, and its true per-batch records for the run's history.json. */
export type EpochPayload = LabEventPayload<'train/epoch'> & { batches: BatchRecord[] }

export interface TrainJob {
  runId: string
  spec: ModelSpec
  config: TrainConfig
  train: Dataset
  /** Evaluated once training completes. */
  test?: Dataset
  /** performance.now() when the run began (before its data loaded): its duration counts from there. */
  startedAt?: number
  /** The run's folder: its checkpoint/ holds the last completed epoch (checkpoint-keeper.ts says when it is written). */
  checkpointDir?: string
  /**
   * Where a resumed or continued run starts: after `epoch` epochs, from a checkpoint's weights and,
   * when it has one, its optimizer state. The trainer copies the weights; the caller disposes it.
   */
  from?: { epoch: number; checkpoint: LoadedCheckpoint }
}

export interface TrainCallbacks {
  onProgress?(p: ProgressPayload): void
  onEpoch?(e: EpochPayload): void
  onLog?(notice: NoticeText): void
  /** Entering a phase: the caller, which loaded the data, knows when the run began. */
  onPhase?(phase: TrainPhase): void
}

export interface TrainResult {
  runId: string
  status: 'completed' | 'cancelled'
  seed: number
  backend: BackendName
  /** Why training ran on another backend than the one chosen at start-up. */
  backendNote?: string
  threads: TrainThreads
  /** The dataset's class names, one per model output class. */
  classNames: string[]
  trainCount: number
  valCount: number
  epochs: EpochRecord[]
  batches: BatchRecord[]
  test?: EvalMetrics
  seconds: number
  imagesPerSec: number
}

/** At most ~5 progress events a second: more would only flood the IPC and the chart. */
const PROGRESS_INTERVAL_MS = 200
const VALIDATION_BATCH = 256

export class BusyError extends Error {
  constructor(runId: string) {
    super(`A training run (${runId}) is already in progress: cancel it or wait for it to finish`)
    this.name = 'BusyError'
  }
}

/**
 * Picks the backend that trains `spec`: the requested one, else the current one if it has
 * every gradient kernel the layers need, else the next in preference order that does.
 */
export async function chooseTrainingBackend(
  spec: ModelSpec,
  requested?: BackendName
): Promise<{ backend: BackendName; note?: string }> {
  const types = new Set(spec.layers.map((l) => l.type))
  const check = (name: BackendName): string[] => missingGradientKernels(tfjsBackendName(name), types)
  if (requested) {
    await useBackend(requested)
    const missing = check(requested)
    if (missing.length) throw new Error(`Backend ${requested} cannot train this model: it lacks ${missing.join(', ')}`)
    return { backend: requested }
  }
  const current = activeBackend()
  const missing = check(current)
  if (!missing.length) return { backend: current }
  const reasons: string[] = [`${current} lacks ${missing.join(', ')}`]
  for (const name of BACKEND_ORDER.slice(BACKEND_ORDER.indexOf(current) + 1)) {
    try {
      await useBackend(name)
    } catch (err) {
      reasons.push(err instanceof Error ? err.message : String(err))
      continue
    }
    const lacking = check(name)
    if (!lacking.length) return { backend: name, note: `Training on ${name}: ${reasons.join('; ')}` }
    reasons.push(`${name} lacks ${lacking.join(', ')}`)
  }
  throw new Error(`No backend can train this model: ${reasons.join('; ')}`)
}

/** Deterministic hold-out: the same seed always holds out the same samples. */
export function splitIndices(n: number, validationSplit: number, seed: number): { train: Int32Array; val: Int32Array } {
  const valCount = validationSplit > 0 ? Math.min(n - 1, Math.max(1, Math.floor(n * validationSplit))) : 0
  const all = shuffleInPlace(range(n), mulberry32(seed ^ 0x5eed))
  const val = all.slice(n - valCount).sort()
  const train = all.slice(0, n - valCount).sort()
  return { train, val }
}

const nextTick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

interface Active {
  runId: string
  cancelled: boolean
  /** Set while paused: the loop waits on it between batches; resolving it lets the run go on. */
  pause: { until: Promise<void>; release(): void } | null
}

function newPause(): NonNullable<Active['pause']> {
  let release = (): void => undefined
  const until = new Promise<void>((resolve) => (release = resolve))
  return { until, release }
}

export interface TrainerClaim {
  /** Frees the trainer if the claim was never handed to train() (its data failed to load). */
  release(): void
}

/** Runs one training at a time; a second request while one runs is refused. */
export class Trainer {
  private active: Active | null = null

  /** @param peerEntry where a helper thread for the second core starts (see parallel.ts) */
  constructor(private readonly peerEntry?: string) {}

  get running(): string | null {
    return this.active?.runId ?? null
  }

  cancel(runId?: string): boolean {
    if (!this.active || (runId !== undefined && runId !== this.active.runId)) return false
    this.active.cancelled = true
    this.active.pause?.release()
    return true
  }

  /** Pauses (or lets go on) the run in progress at its next batch boundary; false when `runId` is not training. */
  setPaused(runId: string, paused: boolean): boolean {
    const active = this.active
    if (!active || active.runId !== runId) return false
    if (paused && !active.pause) active.pause = newPause()
    if (!paused && active.pause) {
      active.pause.release()
      active.pause = null
    }
    return true
  }

  /**
   * Holds the trainer for a run whose data is still loading, so a cancel that arrives meanwhile
   * is kept (it used to find no run and be lost, and the run then trained to the end).
   */
  claim(runId: string): TrainerClaim {
    if (this.active) throw new BusyError(this.active.runId)
    const active: Active = { runId, cancelled: false, pause: null }
    this.active = active
    return {
      release: () => {
        if (this.active === active) this.active = null
      }
    }
  }

  /** The trained model is the caller's to save, cache or dispose. */
  async train(job: TrainJob, callbacks: TrainCallbacks = {}): Promise<{ result: TrainResult; model: LoadedModel }> {
    const claimed = this.active?.runId === job.runId ? this.active : null
    if (this.active && !claimed) throw new BusyError(this.active.runId)
    const active: Active = claimed ?? { runId: job.runId, cancelled: false, pause: null }
    this.active = active
    const restoreTo = backendReport()?.chosen
    try {
      return await this.run(job, active, callbacks)
    } finally {
      this.active = null
      if (restoreTo && restoreTo !== activeBackend()) await useBackend(restoreTo)
    }
  }

  private async run(job: TrainJob, active: Active, cb: TrainCallbacks): Promise<{ result: TrainResult; model: LoadedModel }> {
    const { spec, config, train: data } = job
    const head = headOf(spec)
    checkDatasetFits(spec.inputShape, data)
    checkLabelsFit(head, data)
    const n = data.labels.length
    if (n < 1) throw new Error(`${data.name} has no images to train on`)
    const seed = config.seed ?? randomSeed()
    const { backend, note } = await chooseTrainingBackend(spec, config.backend)

    const { train: trainIdx, val: valIdx } = splitIndices(n, config.validationSplit, seed)
    const augment = augmentPlan(spec, config)
    const batchSize = Math.min(config.batchSize, trainIdx.length)
    const batchesPerEpoch = Math.ceil(trainIdx.length / batchSize)
    const firstEpoch = (job.from?.epoch ?? 0) + 1
    if (firstEpoch > config.epochs) throw new Error(`The run already has ${firstEpoch - 1} epochs, and ${config.epochs} were asked for: nothing to train`)
    const totalBatches = batchesPerEpoch * (config.epochs - firstEpoch + 1)

    const began = job.startedAt ?? performance.now()
    cb.onPhase?.('building-model')
    const model = buildModel(spec, { seed })
    const optimizer = makeOptimizer(config)
    const varList = model.trainableWeights.map((w) => w.read() as tf.Variable)
    if (job.from) {
      await startFrom(model, optimizer, varList, config, job.from.checkpoint).catch((err: unknown) => {
        optimizer.dispose()
        model.dispose()
        throw err
      })
    }
    const xAll = tf.tensor(data.images, [n, ...spec.inputShape], 'float32')
    const yAll = tf.tensor1d(data.labels, 'int32')
    const setup = { spec, recipe: config, model, optimizer, vars: varList, head, xAll, yAll, host: data, batchSize, seed }
    // The helper threads start from the engine optimizer's state: a resumed run's restored moments.
    const parallel = await startParallelTraining(this.peerEntry, setup).catch((err: unknown) => {
      cb.onLog?.({ message: `Training on one thread: ${err instanceof Error ? err.message : String(err)}`, code: 'oneThread', params: {} })
      return null
    })
    const classNames = data.classNames.slice(0, head.classes)
    const keeper = job.checkpointDir
      ? new CheckpointKeeper({
          dir: job.checkpointDir,
          model,
          meta: { spec, classNames },
          // Split by hidden units, the moments live in the threads' optimizers, not the engine's.
          optimizerState: parallel ? () => parallel.optimizerState() : () => captureOptimizerState(optimizer, config.optimizer, varList),
          vars: varList,
          seed
        })
      : null
    const threads: TrainThreads = parallel ? { count: parallel.threads, split: parallel.split } : { count: 1 }

    const epochs: EpochRecord[] = []
    const batches: BatchRecord[] = []
    // The run's clock includes loading and building: "Took" said 16 s for a 24 s run.
    const started = began
    cb.onPhase?.('training')
    let trainMs = 0
    let pausedMs = 0
    let imagesDone = 0
    let batchesDone = 0
    let lastProgress = -Infinity
    let status: TrainResult['status'] = 'completed'
    let keepModel = false
    try {
      epochLoop: for (let epoch = firstEpoch; epoch <= config.epochs; epoch++) {
        const epochStart = performance.now()
        const epochPausedMs = pausedMs
        const firstBatch = batches.length
        // Each epoch's streams from (seed, epoch): a run resumed here draws what an unbroken one does.
        const streamSeed = epochSeed(seed, epoch)
        const order = shuffleInPlace(trainIdx.slice(), mulberry32(streamSeed))
        // A stream of its own, so turning augmentation on leaves the batch order unchanged.
        const shiftRandom = mulberry32(streamSeed ^ 0x5a1f7)
        startDropoutEpoch(model, epoch)
        parallel?.startEpoch(epoch)
        let lossSum = 0
        let correctSum = 0
        let seen = 0
        // The sums at the previous progress event: the batches since then are the differences.
        let mark = { batch: 0, loss: 0, correct: 0, seen: 0 }
        for (let b = 0; b < batchesPerEpoch; b++) {
          if (active.pause && !active.cancelled) {
            const pausedAt = performance.now()
            await active.pause.until
            pausedMs += performance.now() - pausedAt
          }
          if (active.cancelled) {
            status = 'cancelled'
            break epochLoop
          }
          const t0 = performance.now()
          const ids = order.subarray(b * batchSize, Math.min(order.length, (b + 1) * batchSize))
          const shifts = augment ? { ...drawShifts(ids.length, augment.maxShift, augment.axes, shiftRandom), mode: augment.mode, shape: augment.shape } : undefined
          const { loss, correct } = parallel
            ? await parallel.trainStep(ids, shifts)
            : await trainStep(model, optimizer, varList, head, xAll, yAll, ids, shifts && batchShiftIndex(ids, shifts.shape, shifts.dx, shifts.dy, shifts.mode))
          trainMs += performance.now() - t0
          const size = ids.length
          lossSum += loss * size
          correctSum += correct
          seen += size
          imagesDone += size
          batchesDone++
          batches.push({ epoch, batch: b + 1, loss, accuracy: correct / size })
          const now = performance.now()
          if (now - lastProgress >= PROGRESS_INTERVAL_MS || b === batchesPerEpoch - 1) {
            lastProgress = now
            const perBatchMs = trainMs / batchesDone
            cb.onProgress?.({
              runId: job.runId,
              epoch,
              epochs: config.epochs,
              batch: b + 1,
              batchesPerEpoch,
              loss: lossSum / seen,
              accuracy: correctSum / seen,
              imagesPerSec: imagesDone / (trainMs / 1000),
              etaSeconds: ((totalBatches - batchesDone) * perBatchMs) / 1000,
              elapsedSeconds: (now - started - pausedMs) / 1000,
              recent: { batches: b + 1 - mark.batch, loss: (lossSum - mark.loss) / (seen - mark.seen), accuracy: (correctSum - mark.correct) / (seen - mark.seen) },
              threads
            })
            mark = { batch: b + 1, loss: lossSum, correct: correctSum, seen }
          }
          // Lets a cancel message (and anything else queued) through between batches.
          await nextTick()
        }
        const record: EpochRecord = {
          epoch,
          loss: lossSum / seen,
          accuracy: correctSum / seen,
          seconds: 0
        }
        await parallel?.syncModel()
        if (valIdx.length) {
          const v = await validate(model, head, xAll, yAll, valIdx)
          record.valLoss = v.loss
          record.valAccuracy = v.accuracy
        }
        record.seconds = (performance.now() - epochStart - (pausedMs - epochPausedMs)) / 1000
        epochs.push(record)
        cb.onEpoch?.({ runId: job.runId, ...record, batches: batches.slice(firstBatch) })
        await keeper?.epochEnd(epoch, epoch === config.epochs)
      }
      // A cancel that came during the last validation still counts: the user asked to stop.
      if (active.cancelled) status = 'cancelled'
      // A cancel leaves the loop mid-epoch, and the cancelled run is saved as it stands.
      if (status === 'cancelled') await parallel?.syncModel()
      await keeper?.flush()
      const loaded: LoadedModel = { model, meta: { spec, classNames } }
      if (status === 'completed' && job.test) cb.onPhase?.('testing')
      const test = status === 'completed' && job.test ? await evaluateModel(loaded, job.test) : undefined
      keepModel = true
      return {
        model: loaded,
        result: {
          runId: job.runId,
          status,
          seed,
          backend,
          ...(note ? { backendNote: note } : {}),
          threads,
          classNames: loaded.meta.classNames,
          trainCount: trainIdx.length,
          valCount: valIdx.length,
          epochs,
          batches,
          ...(test ? { test } : {}),
          seconds: (performance.now() - started - pausedMs) / 1000,
          imagesPerSec: trainMs > 0 ? imagesDone / (trainMs / 1000) : 0
        }
      }
    } finally {
      tf.dispose([xAll, yAll])
      await parallel?.dispose()
      keeper?.dispose()
      optimizer.dispose()
      if (!keepModel) model.dispose()
    }
  }
}

/** Gives a freshly built model a checkpoint's weights and the optimizer its saved state, if it has one. */
async function startFrom(model: tf.LayersModel, optimizer: tf.Optimizer, vars: tf.Variable[], config: TrainConfig, from: LoadedCheckpoint): Promise<void> {
  model.setWeights(from.loaded.model.getWeights())
  const state = from.optimizer
  if (!state) return
  if (state.kind !== config.optimizer) throw new Error(`The saved optimizer state is ${state.kind}'s, and the run trains with ${config.optimizer}`)
  await restoreOptimizerState(optimizer, vars, state)
}

async function validate(
  model: tf.LayersModel,
  head: ClassifierHead,
  xAll: tf.Tensor,
  yAll: tf.Tensor1D,
  valIdx: Int32Array
): Promise<{ loss: number; accuracy: number }> {
  let lossSum = 0
  let correct = 0
  for (let s = 0; s < valIdx.length; s += VALIDATION_BATCH) {
    const ids = valIdx.subarray(s, Math.min(valIdx.length, s + VALIDATION_BATCH))
    const [lossT, correctT] = tf.tidy(() => {
      const idx = tf.tensor1d(ids, 'int32')
      const y = tf.gather(yAll, idx)
      const out = model.apply(tf.gather(xAll, idx), { training: false }) as tf.Tensor
      return [tf.mul<tf.Scalar>(lossOf(head, out, y), ids.length), tf.sum<tf.Scalar>(tf.equal(predictedOf(head, out), y).toInt())]
    })
    const [l, c] = await Promise.all([lossT.data(), correctT.data()])
    tf.dispose([lossT, correctT])
    lossSum += l[0]
    correct += c[0]
    await nextTick()
  }
  return { loss: lossSum / valIdx.length, accuracy: correct / valIdx.length }
}
