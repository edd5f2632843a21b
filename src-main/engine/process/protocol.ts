/**
 * The engine process's wire protocol. Requests are a discriminated union on `method` with a
 * sequence id; every request gets exactly one response, success or error; events are pushed
 * without an id. Params are validated with these schemas on arrival, so a malformed message
 * becomes an error response, never a crash. Only plain data and typed arrays cross (the node
 * host uses `serialization: 'advanced'`, Electron's utilityProcess structured-clones).
 */
import { z } from 'zod'
import { BackendName, BackendReport, EvalMetrics, LabEventPayload, PredictResult, ShiftResult, TrainConfig } from '../../shared/contract'
import type { NoticeText } from '../../shared/contract'
import { DataSource, Split } from '../../shared/dataset'
import { ModelSpec } from '../../shared/layers'
import type { SamplePage } from '../../data/sample-page'
import type { BenchmarkReport } from '../bench'
import type { LayerActivation } from '../model/activations'
import type { EpochPayload, TrainResult } from '../train/train'
import type { RobustnessResult } from '../robustness'
import type { StudyRate } from '../study-probe'

/** A trained model on disk (model.json + weights.bin), as saved by `train/run`. */
export const ModelRef = z.object({ dir: z.string().min(1).max(4096) })
export type ModelRef = z.infer<typeof ModelRef>

/** Channels-first values of one sample; a Float32Array crosses without copying into a JS array. */
export const SampleValues = z.union([z.instanceof(Float32Array), z.array(z.number())])
export type SampleValues = z.infer<typeof SampleValues>

const limit = z.number().int().min(1).optional()

export const ShiftImageRef = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('dataset'), data: DataSource, split: Split.default('train'), index: z.number().int().min(0) }),
  z.object({ kind: z.literal('pixels'), values: SampleValues, label: z.number().int().min(0).optional() })
])

export const ActivationImages = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('pixels'), values: z.array(SampleValues).min(1).max(256) }),
  z.object({
    kind: z.literal('dataset'),
    data: DataSource,
    split: Split.default('test'),
    indices: z.array(z.number().int().min(0)).min(1).max(256)
  })
])

export const ENGINE_PARAMS = {
  /** Sent by the client on every (re)start before anything else. */
  'engine/init': z.object({ backend: z.string().optional(), appDataDir: z.string().optional() }),
  'engine/ping': z.object({}),
  'backends/report': z.object({}),
  /** Resolves when training ends (completed or cancelled); progress arrives as events. */
  'train/run': z.object({
    runId: z.string().min(1).max(200),
    model: ModelSpec,
    data: DataSource,
    config: TrainConfig,
    /** Where the trained model is saved; it is then cached for the model/* calls. */
    saveDir: z.string().min(1).max(4096).optional(),
    /** The run folder whose checkpoint/ keeps the last completed epoch, for resume and continue. */
    checkpointDir: z.string().min(1).max(4096).optional(),
    /** Starts after `epoch` epochs from the checkpoint (or model) in `dir`; freshOptimizer: its optimizer state is not used. */
    from: z.object({ dir: z.string().min(1).max(4096), epoch: z.number().int().min(1), freshOptimizer: z.boolean().default(false) }).optional()
  }),
  'train/cancel': z.object({ runId: z.string().optional() }),
  'train/pause': z.object({ runId: z.string().min(1).max(200), paused: z.boolean() }),
  /** A page of a split for the Data view, from the same cache training and evaluation load into. */
  'data/samples': z.object({
    data: DataSource,
    split: Split.default('train'),
    offset: z.number().int().min(0).default(0),
    count: z.number().int().min(1).max(200).default(48)
  }),
  'model/evaluate': z.object({ model: ModelRef, data: DataSource, split: Split.default('test'), limit }),
  'model/predict': z.object({ model: ModelRef, images: z.array(SampleValues).min(1).max(4096) }),
  'model/shift': z
    .object({
      model: ModelRef,
      image: ShiftImageRef,
      from: z.number().int().min(-64).max(64).default(-5),
      to: z.number().int().min(-64).max(64).default(5),
      axis: z.enum(['x', 'y']).default('x'),
      mode: z.enum(['roll', 'zero']).default('roll')
    })
    .refine((r) => r.from <= r.to, { message: '"from" must not be greater than "to"' }),
  /** Trained weights in PyTorch's layouts, for the hand-computed forward pass. */
  'model/weights': z.object({ model: ModelRef }),
  /** Every spec layer's output for some images, channels first (the hand-computed pass's check). */
  'model/activations': z.object({ model: ModelRef, images: ActivationImages }),
  /** Accuracy and consistency per shift over a split (Zhang 2019); progress as robustness/progress. */
  'model/robustness': z.object({
    model: ModelRef,
    data: DataSource,
    split: Split.default('test'),
    limit,
    max: z.number().int().min(0).max(8).default(5),
    mode: z.enum(['roll', 'zero']).default('roll'),
    grid: z.boolean().default(false),
    /** Names the study for robustness/cancel and in its progress events. */
    jobId: z.string().min(1).max(200).default('robustness')
  }),
  'robustness/cancel': z.object({ jobId: z.string().min(1).max(200) }),
  /** Images/s per model and backend on synthetic data (`lab bench`). */
  'bench/run': z.object({
    /** Preset names or specs (the Study view times its runs' and its recipe's models). */
    models: z.array(z.union([z.string().min(1).max(200), ModelSpec])).min(1).max(20).default(['seed-mlp', 'seed-cnn']),
    backends: z.array(BackendName).min(1).max(4),
    batch: z.number().int().min(1).max(4096).default(32),
    inferBatch: z.number().int().min(1).max(4096).default(256),
    seconds: z.number().gt(0).max(600).default(5),
    slowCpu: z.boolean().default(false),
    /** Threads training may use; default as a training run. */
    threads: z.number().int().min(1).max(64).optional(),
    /** The build of the wasm kernels to measure; default the one the engine loads. */
    kernels: z.enum(['simd', 'relaxed-simd']).optional(),
    warmUpSeconds: z.number().min(0).max(10).optional(),
    datasetImages: z.number().int().min(1).max(60000).optional()
  }),
  /** What a study's speed depends on besides its models: the backend, the wasm kernels' build and the inference pool's threads. */
  'study/setup': z.object({}),
  /** Images/s of the shift study per model, on the inference pool as a study runs (study-probe.ts). */
  'study/probe': z.object({
    models: z.array(ModelSpec).min(1).max(20),
    seconds: z.number().gt(0).max(60).default(0.5),
    warmUpSeconds: z.number().min(0).max(10).default(0)
  })
} as const

export type EngineMethod = keyof typeof ENGINE_PARAMS
export type EngineParams<M extends EngineMethod> = z.input<(typeof ENGINE_PARAMS)[M]>
export type EngineParsedParams<M extends EngineMethod> = z.output<(typeof ENGINE_PARAMS)[M]>
export const ENGINE_METHODS = Object.keys(ENGINE_PARAMS) as EngineMethod[]

/** One layer's tensors, named and laid out as PyTorch's state_dict has them. */
export interface LayerWeights {
  /** Index in spec.layers. */
  index: number
  type: string
  tensors: { name: 'weight' | 'bias' | 'running_mean' | 'running_var'; shape: number[]; values: Float32Array }[]
}

export interface StudySetup {
  backend: BackendName
  /** The wasm kernels' build; absent on other backends. */
  kernels?: string
  /** Threads the inference pool may use. */
  threads: number
}

export interface EngineResults {
  'engine/init': BackendReport
  'engine/ping': { pid: number; backend: string | null; training: string | null }
  'backends/report': BackendReport
  'train/run': TrainResult & { saveDir?: string }
  'train/cancel': { cancelled: boolean }
  'train/pause': { paused: boolean }
  'data/samples': SamplePage
  'model/evaluate': EvalMetrics
  'model/predict': PredictResult
  'model/shift': ShiftResult
  'model/weights': { spec: ModelSpec; classNames: string[]; layers: LayerWeights[] }
  'model/activations': { inputShape: number[]; inputs: Float32Array; labels?: number[]; layers: LayerActivation[] }
  'model/robustness': RobustnessResult
  'robustness/cancel': { cancelled: boolean }
  'bench/run': BenchmarkReport
  'study/setup': StudySetup
  'study/probe': { rows: StudyRate[] }
}
export type EngineResult<M extends EngineMethod> = EngineResults[M]

export type EngineRequest = { [M in EngineMethod]: { id: number; method: M; params: EngineParams<M> } }[EngineMethod]

export interface EngineErrorInfo {
  name: string
  message: string
  stack?: string
}

export type EngineResponse =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: EngineErrorInfo }

export interface EngineEvents {
  'train/phase': LabEventPayload<'train/phase'>
  'train/progress': LabEventPayload<'train/progress'>
  'train/epoch': EpochPayload
  'robustness/progress': { jobId: string; done: number; total: number }
  /** Sent once the worker listens; the client waits for it before sending. */
  'engine/ready': { pid: number }
  'engine/log': { level: 'info' | 'warning' | 'error' } & NoticeText
}
export type EngineEventName = keyof EngineEvents
export type EngineEvent = { [E in EngineEventName]: { event: E; payload: EngineEvents[E] } }[EngineEventName]

export type WorkerMessage = EngineResponse | EngineEvent

export function isEngineResponse(m: unknown): m is EngineResponse {
  return typeof m === 'object' && m !== null && typeof (m as { id?: unknown }).id === 'number' && 'ok' in m
}

export function isEngineEvent(m: unknown): m is EngineEvent {
  return typeof m === 'object' && m !== null && typeof (m as { event?: unknown }).event === 'string'
}

export function errorInfo(err: unknown): EngineErrorInfo {
  if (err instanceof Error) return { name: err.name, message: err.message, ...(err.stack ? { stack: err.stack } : {}) }
  return { name: 'Error', message: String(err) }
}

/** An error answered by the engine, rethrown in the parent with the engine's name and stack. */
export class EngineError extends Error {
  constructor(info: EngineErrorInfo) {
    super(info.message)
    this.name = info.name
    if (info.stack) this.stack = info.stack
  }
}
