/**
 * The engine's request handlers, independent of the transport: process/worker.ts feeds it messages from
 * the parent, tests call it directly. Data is loaded here, inside the engine process, so 188 MB
 * of pixels never cross IPC: requests only name a data source and split.
 */
import * as tf from '@tensorflow/tfjs'
import { basename } from 'node:path'
import type { BackendReport, NoticeText, TrainPhase } from '../shared/contract'
import type { Dataset, DataSource, Split } from '../shared/dataset'
import { DataError } from '../data/errors'
import { loadDataset, sourceVersion, type LoadOptions } from '../data/load'
import { countClasses, samplePage } from '../data/sample-page'
import type { ModelSpec } from '../shared/layers'
import { dataModelMismatch } from '../shared/data-fit'
import { activeBackend, backendReport, initBackend } from './backends'
import { layerName } from './model/build-model'
import { layerActivations } from './model/activations'
import { checkDatasetFits, evaluateModel, predictImages, shiftHeatmap } from './inference'
import { ModelCache, saveModel } from './model/model-io'
import {
  ENGINE_PARAMS,
  type EngineEvent,
  type EngineMethod,
  type EngineParsedParams,
  type EngineResult,
  type LayerWeights,
  type SampleValues
} from './process/protocol'
import { benchmark } from './bench'
import { shiftRobustness } from './robustness'
import { probeStudyRate } from './study-probe'
import { kernelBuild } from './kernels'
import { trainThreadLimit } from '../shared/threads'
import { availableParallelism } from 'node:os'
import { InferPool } from './parallel/infer-pool'
import { BusyError, Trainer } from './train/train'
import { readCheckpoint } from './train/checkpoint'

export interface EngineOptions {
  emit(event: EngineEvent): void
  /** Backend forced for the whole process (otherwise CONVLAB_BACKEND, otherwise the best). */
  backend?: string
  appDataDir?: string
  /** The file a training helper thread starts from; without it training uses one thread. */
  peerEntry?: string
}

/** Methods that never touch tfjs, answered without waiting for (or starting) a backend. */
const BACKEND_FREE: ReadonlySet<EngineMethod> = new Set(['engine/init', 'engine/ping', 'train/cancel', 'train/pause', 'robustness/cancel', 'data/samples'])

type Handlers = { [M in EngineMethod]: (params: EngineParsedParams<M>) => Promise<EngineResult<M>> }

const toFloat32 = (v: SampleValues): Float32Array => (v instanceof Float32Array ? v : Float32Array.from(v))

/**
 * What makes a training run meaningless, refused before it starts: a model that does not fit the
 * loaded data (checked from the source's description before the run existed; checked again here
 * on what actually loaded), and a test split with no image (a folder with one image per class has
 * none to hold out).
 */
export function checkTrainingData(spec: ModelSpec, source: DataSource, train: Dataset, test: Dataset): void {
  const problem = dataModelMismatch(spec, {
    name: train.name,
    sampleShape: train.shape,
    resizable: false,
    classNames: train.classNames,
    checkClassCount: source.kind !== 'toy'
  })
  if (problem) throw new DataError(problem.message)
  if (test.labels.length === 0) {
    throw new DataError(
      `${test.name} has no images, so the run could not be tested: each class needs at least 2 images, one to train on and one to test on.`
    )
  }
}

/** The classes the training split has and the test split lacks, by name: their accuracy goes unmeasured. */
export function untestedClasses(train: Dataset, test: Dataset): string[] {
  const tested = new Set(test.labels)
  return [...new Set(train.labels)].filter((label) => !tested.has(label)).sort((a, b) => a - b).map((label) => train.classNames[label] ?? String(label))
}

/** "3 files of FOLDER were skipped: a.txt is not a supported image; ..." with the first few reasons. */
/** The skipped files as a notice: the English sentence, and the count and first names for the interface. */
function skippedNotice(skipped: readonly { file: string; reason: string }[]): NoticeText {
  const files = skipped.slice(0, 3).map((s) => basename(s.file))
  return { message: describeSkipped(skipped), code: 'filesSkipped', params: { count: skipped.length, files: files.join(', '), more: skipped.length - files.length } }
}

export function describeSkipped(skipped: readonly { file: string; reason: string }[]): string {
  const shown = skipped.slice(0, 3).map((s) => s.reason)
  const more = skipped.length > shown.length ? `; and ${skipped.length - shown.length} more` : ''
  return `${skipped.length} file${skipped.length === 1 ? ' of the image folder was' : 's of the image folder were'} skipped (neither trained nor tested on): ${shown.join('; ')}${more}`
}

export class Engine {
  private readonly trainer: Trainer
  /** Helper threads inference splits its rows over, started on first use. */
  private readonly inferPool: InferPool
  private readonly models = new ModelCache(3)
  private readonly datasets = new Map<string, Promise<Dataset>>()
  /** The class balance of each cached dataset, counted once however many pages are asked for. */
  private readonly classCounts = new WeakMap<Dataset, number[]>()
  /** Robustness studies in progress, by job id: true once cancelled. */
  private readonly studies = new Map<string, { cancelled: boolean }>()
  private backendReady: Promise<BackendReport> | null = null
  private backendChoice: string | undefined
  private appDataDir: string | undefined

  constructor(private readonly options: EngineOptions) {
    this.backendChoice = options.backend
    this.appDataDir = options.appDataDir
    this.trainer = new Trainer(options.peerEntry)
    this.inferPool = new InferPool(options.peerEntry)
  }

  /** Validates params against the protocol's schema, then dispatches. */
  async handle(method: string, rawParams: unknown): Promise<unknown> {
    if (!Object.prototype.hasOwnProperty.call(ENGINE_PARAMS, method)) {
      throw new Error(`Unknown engine method "${method}"`)
    }
    const m = method as EngineMethod
    const parsed = ENGINE_PARAMS[m].safeParse(rawParams ?? {})
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      const err = new Error(`Invalid params for ${m}: ${issue.path.join('.') || '(params)'}: ${issue.message}`)
      err.name = 'InvalidParams'
      throw err
    }
    if (!BACKEND_FREE.has(m)) await this.ensureBackend()
    const handler = this.handlers[m] as (p: unknown) => Promise<unknown>
    return handler(parsed.data)
  }

  private ensureBackend(): Promise<BackendReport> {
    if (!this.backendReady) {
      this.backendReady = initBackend({ force: this.backendChoice })
      // A failed start can be retried by the next request (e.g. after a new engine/init).
      this.backendReady.catch(() => (this.backendReady = null))
    }
    return this.backendReady
  }

  /**
   * A split, loaded once for training, evaluation and the Data view's pages alike. Fashion-MNIST and
   * the toy set ignore the shape and the other split's limit, so those stay out of their key; the
   * files' sizes and times go in, so a split imported since is loaded again.
   */
  private async dataset(
    source: DataSource,
    split: Split,
    limit: number | LoadOptions['splitLimits'] | undefined,
    shape?: [number, number, number]
  ): Promise<Dataset> {
    const version = await sourceVersion(source, { appDataDir: this.appDataDir })
    const key = JSON.stringify(
      source.kind === 'folder' ? { source, split, limit, shape } : { source, split, limit: typeof limit === 'object' ? limit[split] : limit, version }
    )
    const cached = this.datasets.get(key)
    if (cached) {
      this.datasets.delete(key)
      this.datasets.set(key, cached)
      return cached
    }
    const limits = typeof limit === 'object' ? { splitLimits: limit } : { limit }
    const entry = loadDataset(source, split, { ...limits, appDataDir: this.appDataDir, shape })
    entry.catch(() => this.datasets.delete(key))
    this.datasets.set(key, entry)
    // Two splits of Fashion-MNIST are ~220 MB as floats: keep only the most recent few.
    while (this.datasets.size > 3) this.datasets.delete(this.datasets.keys().next().value as string)
    return entry
  }

  private readonly handlers: Handlers = {
    'engine/init': async (p) => {
      if (p.appDataDir) this.appDataDir = p.appDataDir
      if (p.backend !== undefined && p.backend !== this.backendChoice) {
        if (this.backendReady) await this.backendReady.catch(() => undefined)
        this.backendChoice = p.backend || undefined
        this.backendReady = null
      }
      return this.ensureBackend()
    },
    'engine/ping': async () => ({
      pid: process.pid,
      backend: backendReport() ? activeBackend() : null,
      training: this.trainer.running
    }),
    'backends/report': async () => this.ensureBackend(),
    'train/run': async (p) => {
      const claim = this.trainer.claim(p.runId)
      try {
        return await this.trainRun(p)
      } finally {
        claim.release()
      }
    },
    'train/cancel': async (p) => ({ cancelled: this.trainer.cancel(p.runId) }),
    'train/pause': async (p) => ({ paused: this.trainer.setPaused(p.runId, p.paused) && p.paused }),
    'data/samples': async (p) => {
      const data = await this.dataset(p.data, p.split, undefined).catch((err: unknown) => {
        // Only the message crosses to the main process: the help (how to install Fashion-MNIST) goes with it.
        if (err instanceof DataError && err.help) throw new DataError(`${err.message}\n${err.help}`, { kind: err.kind })
        throw err
      })
      let counts = this.classCounts.get(data)
      if (!counts) this.classCounts.set(data, (counts = countClasses(data)))
      return samplePage(data, counts, p.offset, p.count)
    },
    'model/evaluate': async (p) => {
      const loaded = await this.models.get(p.model.dir)
      const shape = loaded.meta.spec.inputShape
      const data = await this.dataset(p.data, p.split, p.limit, shape.length === 3 ? shape : undefined)
      return evaluateModel(loaded, data, undefined, this.inferPool)
    },
    'model/predict': async (p) => predictImages(await this.models.get(p.model.dir), p.images.map(toFloat32), this.inferPool),
    'model/shift': async (p) => {
      const loaded = await this.models.get(p.model.dir)
      const inputShape = loaded.meta.spec.inputShape
      let values: Float32Array
      let shape: [number, number, number]
      let label: number | undefined
      if (p.image.kind === 'dataset') {
        const data = await this.dataset(p.image.data, p.image.split, undefined, inputShape.length === 3 ? inputShape : undefined)
        const n = data.labels.length
        if (p.image.index >= n) throw new RangeError(`Image index ${p.image.index} is out of range: ${data.name} has ${n} images`)
        const per = data.shape[0] * data.shape[1] * data.shape[2]
        values = data.images.slice(p.image.index * per, (p.image.index + 1) * per)
        shape = data.shape
        label = data.labels[p.image.index]
      } else {
        if (inputShape.length !== 3) throw new Error('Shifting needs a model with an image input [C, H, W]')
        values = toFloat32(p.image.values)
        shape = inputShape
        label = p.image.label
      }
      return shiftHeatmap(loaded, values, shape, { from: p.from, to: p.to, axis: p.axis, mode: p.mode, label }, this.inferPool)
    },
    'model/weights': async (p) => {
      const { model, meta } = await this.models.get(p.model.dir)
      const layers: LayerWeights[] = []
      for (const [index, layer] of meta.spec.layers.entries()) {
        if (layer.type !== 'conv2d' && layer.type !== 'dense' && layer.type !== 'batchnorm') continue
        const tfLayer = model.getLayer(layerName(index, layer.type))
        const tensors = tfLayer.getWeights()
        const names: LayerWeights['tensors'][number]['name'][] =
          layer.type === 'batchnorm' ? ['weight', 'bias', 'running_mean', 'running_var'] : ['weight', 'bias']
        const out: LayerWeights['tensors'] = []
        for (const [i, t] of tensors.entries()) {
          // tfjs keeps conv kernels as [kh, kw, in, out] and dense as [in, out]; PyTorch as
          // [out, in, kh, kw] and [out, in].
          const torch = tf.tidy(() =>
            i === 0 && layer.type === 'conv2d' ? tf.transpose(t, [3, 2, 0, 1]) : i === 0 && layer.type === 'dense' ? tf.transpose(t) : t.clone()
          )
          out.push({ name: names[i], shape: torch.shape, values: (await torch.data()) as Float32Array })
          torch.dispose()
        }
        layers.push({ index, type: layer.type, tensors: out })
      }
      return { spec: meta.spec, classNames: meta.classNames, layers }
    },
    'model/activations': async (p) => {
      const loaded = await this.models.get(p.model.dir)
      const inputShape = loaded.meta.spec.inputShape
      const per = inputShape.reduce((a, b) => a * b, 1)
      const inputs = new Float32Array(per * (p.images.kind === 'pixels' ? p.images.values.length : p.images.indices.length))
      let labels: number[] | undefined
      if (p.images.kind === 'pixels') {
        p.images.values.forEach((v, i) => {
          if (v.length !== per) throw new Error(`Image ${i + 1} has ${v.length} values; the model expects ${per} (${inputShape.join('x')})`)
          inputs.set(toFloat32(v), i * per)
        })
      } else {
        const data = await this.dataset(p.images.data, p.images.split, undefined, inputShape.length === 3 ? inputShape : undefined)
        checkDatasetFits(inputShape, data)
        const n = data.labels.length
        labels = p.images.indices.map((index, i) => {
          if (index >= n) throw new RangeError(`Image index ${index} is out of range: ${data.name} has ${n} images`)
          inputs.set(data.images.subarray(index * per, (index + 1) * per), i * per)
          return data.labels[index]
        })
      }
      const layers = await layerActivations(loaded, inputs, inputs.length / per)
      return { inputShape: [...inputShape], inputs, ...(labels ? { labels } : {}), layers }
    },
    'model/robustness': async (p) => {
      if (this.studies.has(p.jobId)) throw new Error(`A robustness study named ${p.jobId} is already running`)
      const loaded = await this.models.get(p.model.dir)
      const shape = loaded.meta.spec.inputShape
      const data = await this.dataset(p.data, p.split, p.limit, shape.length === 3 ? shape : undefined)
      const job = { cancelled: false }
      this.studies.set(p.jobId, job)
      try {
        return await shiftRobustness(
          loaded,
          data,
          { max: p.max, mode: p.mode, grid: p.grid, limit: p.limit },
          {
            cancelled: () => job.cancelled,
            onProgress: (done, total) => this.options.emit({ event: 'robustness/progress', payload: { jobId: p.jobId, done, total } })
          },
          this.inferPool
        )
      } finally {
        this.studies.delete(p.jobId)
      }
    },
    'robustness/cancel': async (p) => {
      const job = this.studies.get(p.jobId)
      if (job) job.cancelled = true
      return { cancelled: Boolean(job) }
    },
    'bench/run': async (p) => {
      if (this.trainer.running) throw new BusyError(this.trainer.running)
      return benchmark({ ...p, peerEntry: this.options.peerEntry })
    },
    'study/setup': async () => {
      const backend = activeBackend()
      // As the inference pool counts its threads (infer-pool.ts): none beside this one without a helper entry.
      const threads = this.options.peerEntry ? trainThreadLimit(undefined, process.env.CONVLAB_TRAIN_THREADS, availableParallelism()) : 1
      return { backend, ...(backend === 'wasm' ? { kernels: kernelBuild() } : {}), threads }
    },
    'study/probe': async (p) => {
      if (this.trainer.running) throw new BusyError(this.trainer.running)
      const rows = []
      for (const spec of p.models) rows.push(await probeStudyRate(spec, this.inferPool, p))
      return { rows }
    }
  }

  private async trainRun(p: EngineParsedParams<'train/run'>): Promise<EngineResult<'train/run'>> {
    const startedAt = performance.now()
    const phase = (name: TrainPhase): void =>
      this.options.emit({ event: 'train/phase', payload: { runId: p.runId, phase: name, elapsedSeconds: (performance.now() - startedAt) / 1000 } })
    phase('loading-data')
    const imageShape = p.model.inputShape.length === 3 ? p.model.inputShape : undefined
    // The whole test set unless asked otherwise: a training limit must not shrink the test silently.
    const limits = { train: p.config.limit, test: p.config.testLimit }
    const train = await this.dataset(p.data, 'train', limits, imageShape)
    // Checked before any training: a run that "completes" without test metrics tells nothing.
    const test = await this.dataset(p.data, 'test', limits, imageShape).catch((err: unknown) => {
      throw new DataError(`The test split of ${train.name} cannot be loaded, so the run could not be tested: ${err instanceof Error ? err.message : String(err)}`)
    })
    checkTrainingData(p.model, p.data, train, test)
    const untested = untestedClasses(train, test)
    if (untested.length) {
      this.options.emit({
        event: 'engine/log',
        payload: {
          level: 'warning',
          message: `${test.name} has no image of ${untested.join(', ')} (too few images to hold one out): the test accuracy does not cover ${untested.length === 1 ? 'that class' : 'those classes'}.`,
          code: 'untestedClasses',
          params: { data: test.name, classes: untested.join(', '), count: untested.length }
        }
      })
    }
    if (train.skipped?.length) {
      this.options.emit({ event: 'engine/log', payload: { level: 'warning', ...skippedNotice(train.skipped) } })
    }
    const from = p.from ? { epoch: p.from.epoch, checkpoint: await readCheckpoint(p.from.dir, p.from.freshOptimizer) } : undefined
    const trained = this.trainer.train(
      { runId: p.runId, spec: p.model, config: p.config, train, test, startedAt, checkpointDir: p.checkpointDir, from },
      {
        onPhase: phase,
        onProgress: (payload) => this.options.emit({ event: 'train/progress', payload }),
        onEpoch: (payload) => this.options.emit({ event: 'train/epoch', payload }),
        onLog: (notice) => this.options.emit({ event: 'engine/log', payload: { level: 'warning', ...notice } })
      }
    )
    const { result, model } = await trained.finally(() => from?.checkpoint.loaded.model.dispose())
    if (!p.saveDir) {
      model.model.dispose()
      return result
    }
    phase('saving')
    try {
      await saveModel(model.model, p.saveDir, model.meta)
      await this.models.adopt(p.saveDir, model)
    } catch (err) {
      model.model.dispose()
      throw err
    }
    return { ...result, saveDir: p.saveDir }
  }

  dispose(): void {
    this.trainer.cancel()
    for (const job of this.studies.values()) job.cancelled = true
    this.models.clear()
    this.datasets.clear()
    void this.inferPool.dispose()
  }
}
