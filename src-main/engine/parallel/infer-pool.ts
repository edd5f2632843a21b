/**
 * Running a trained model forward on several cores: evaluate, predict, the shift heatmap and the
 * shift study split their rows over the engine thread and helper threads started from the same
 * entry as training's, each with a wasm tfjs and a copy of the model of its own. The rows sit once
 * in shared memory; every thread uploads only the chunk it is about to run (shifted on the way,
 * when asked), so no thread holds the whole set and memory does not grow with the thread count.
 * Each thread writes the model's outputs for its share of the rows into one shared buffer, which
 * the engine reads as if it had computed them all. Rows are independent in inference (no dropout,
 * batch norm on its running statistics), so the outputs are those of one thread. Helpers are asked
 * and answer by message: they are idle between calls and never block on shared memory, and the
 * engine awaits them without blocking its event loop (cancel, pings).
 */
import * as tf from '@tensorflow/tfjs'
import { availableParallelism } from 'node:os'
import { createRequire } from 'node:module'
import { parentPort, Worker } from 'node:worker_threads'
import { ModelSpec } from '../../shared/layers'
import { inferShapes } from '../../shared/shapes'
import { initBackend } from '../backends'
import { buildModel } from '../model/build-model'
import type { LoadedModel } from '../model/model-io'
import { batchShiftIndex, type ShiftMode } from '../shift'
import { batchShares } from './data-parallel'
import { trainThreadLimit } from '../../shared/threads'

const nodeRequire = createRequire(typeof __filename === 'string' ? __filename : import.meta.url)

export const INFER_ROLE = 'convlab-infer-peer'

/**
 * Rows a thread runs through the model at once: at most MAX_CHUNK, and no more than keep the
 * layers' outputs for them within CHUNK_FLOATS (32 MB), because a thread's wasm heap keeps what it
 * once grew to, so every thread added would add that much for good. seed-cnn's layers give about
 * 92,000 values an image: 87 rows; seed-mlp's 2,800 allow all 500.
 */
const MAX_CHUNK = 500
const CHUNK_FLOATS = 8_000_000

export function chunkRows(spec: ModelSpec): number {
  const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1)
  const perImage = inferShapes(spec).rows.reduce((n, row) => n + size(row.outputShape), size(spec.inputShape))
  return Math.max(1, Math.min(MAX_CHUNK, Math.floor(CHUNK_FLOATS / perImage)))
}

/**
 * Multiply-adds a thread must get for a share to be worth a helper: a message each way and a
 * wake-up cost ~0.2 ms, in which wasm does ~1-2M multiply-adds; the share should outweigh that
 * several times. seed-cnn's 10M an image splits from two images, seed-mlp's 0.8M from eleven.
 */
const MIN_MACS_PER_THREAD = 4_000_000

/** Images in shared memory, as every thread reads them: [count, ...shape] channels first. */
export interface SharedRows {
  images: Float32Array
  shape: readonly number[]
  count: number
}

/** A translation every row gets, as the shift study and heatmap ask. */
export interface RowShift {
  dx: number
  dy: number
  mode: ShiftMode
}

/** A copy of `values` in shared memory, so helper threads can read them. */
export function sharedRows(values: Float32Array, shape: readonly number[]): SharedRows {
  const per = shape.reduce((a, b) => a * b, 1)
  const images = new Float32Array(new SharedArrayBuffer(Math.max(1, values.length) * 4), 0, values.length)
  images.set(values)
  return { images, shape, count: values.length / per }
}

/**
 * Rows [from, to) of `rows` as a tensor of the model's input shape, each shifted by `shift` when
 * given: built on the host from the shared values, so only this chunk enters the backend.
 */
function chunkTensor(rows: SharedRows, inputShape: readonly number[], from: number, to: number, shift: RowShift | undefined): tf.Tensor {
  const per = rows.images.length / Math.max(1, rows.count)
  // A copy off the shared memory (slice), as a backend's own upload may not accept a shared buffer.
  if (!shift) return tf.tensor(rows.images.slice(from * per, to * per), [to - from, ...inputShape], 'float32')
  const ids = Int32Array.from({ length: to - from }, (_, i) => from + i)
  const fill = (v: number): Int32Array => new Int32Array(ids.length).fill(v)
  const { index, mask } = batchShiftIndex(ids, inputShape as [number, number, number], fill(shift.dx), fill(shift.dy), shift.mode)
  const values = new Float32Array(index.length)
  for (let i = 0; i < index.length; i++) values[i] = mask && mask[i] === 0 ? 0 : rows.images[index[i]]
  return tf.tensor(values, [to - from, ...inputShape], 'float32')
}

/** The model's outputs for rows [start, end) of `rows`, shifted as `shift` says, written into `into`. */
function runRows(model: tf.LayersModel, spec: ModelSpec, rows: SharedRows, start: number, end: number, shift: RowShift | undefined, into: Float32Array): void {
  const chunk = chunkRows(spec)
  for (let from = start; from < end; from += chunk) {
    const to = Math.min(end, from + chunk)
    const out = tf.tidy(() => model.predict(chunkTensor(rows, spec.inputShape, from, to, shift)) as tf.Tensor)
    const width = out.size / (to - from)
    into.set(out.dataSync(), (from - start) * width)
    out.dispose()
  }
}

/** One thread's copy of a model, built once per model it is asked about. */
class ModelHolder {
  private model: { key: number; model: tf.LayersModel; own: boolean } | null = null

  useModel(key: number, make: () => tf.LayersModel, own: boolean): tf.LayersModel {
    if (this.model?.key !== key) {
      if (this.model?.own) this.model.model.dispose()
      this.model = { key, model: make(), own }
    }
    return this.model.model
  }

  dispose(): void {
    if (this.model?.own) this.model.model.dispose()
    this.model = null
  }
}

interface ModelMessage {
  key: number
  spec: ModelSpec
  /** Sent only when the helper does not hold this model yet. */
  weights?: { values: Float32Array; shape: number[] }[]
}

interface RunMessage {
  id: number
  model: ModelMessage
  rows: SharedRows
  start: number
  end: number
  shift?: RowShift
  /** Outputs of rows [start, end), at `offset` values into `out`. */
  out: Float32Array
  offset: number
}

/** `heldBytes`: what the helper's backend still holds after the call (its model), as tests check. */
type Answer = { id: number; ok: true; heldBytes: number } | { id: number; ok: false; message: string }

interface Helper {
  worker: Worker
  /** The model key it holds. */
  modelKey: number
  /** Bytes its backend held after its last answer. */
  heldBytes: number
  pending: Map<number, { resolve(): void; reject(err: Error): void }>
}

/**
 * The engine thread's side. Helpers start on first use and stay, idle, for the next call; the
 * pool uses as many as the call's math pays for, up to the thread limit (CONVLAB_TRAIN_THREADS, or
 * the cores), and none without an entry to start them from.
 */
export class InferPool {
  private readonly helpers: Helper[] = []
  private readonly holder = new ModelHolder()
  private readonly keys = new WeakMap<tf.LayersModel, number>()
  private nextKey = 1
  private nextId = 1

  constructor(
    private readonly entry: string | undefined,
    private readonly threads?: number
  ) {}

  /** Threads a call over `rows` rows of `model` would use. */
  threadsFor(spec: ModelSpec, rows: number): number {
    const limit = this.entry ? trainThreadLimit(this.threads, process.env.CONVLAB_TRAIN_THREADS, availableParallelism()) : 1
    const macs = inferShapes(spec).totals.macs * rows
    return Math.max(1, Math.min(limit, rows, Math.floor(macs / MIN_MACS_PER_THREAD)))
  }

  /**
   * The model's outputs (as model.predict gives them, row after row) for rows [start, end) of
   * `rows`, each shifted by `shift` when given.
   */
  async outputs(loaded: LoadedModel, rows: SharedRows, start: number, end: number, shift?: RowShift): Promise<Float32Array> {
    const { spec } = loaded.meta
    const width = (loaded.model.outputs[0].shape[1] as number | null) ?? 1
    const out = new Float32Array(new SharedArrayBuffer(Math.max(1, (end - start) * width) * 4), 0, (end - start) * width)
    const shares = batchShares(end - start, this.threadsFor(spec, end - start))
    await this.startHelpers(shares.length - 1)
    const key = this.keyOf(loaded.model)
    let from = start + shares[0]
    const asked = shares.slice(1).map((count, i) => {
      const job = this.ask(this.helpers[i], loaded, key, { rows, start: from, end: from + count, shift, out, offset: (from - start) * width })
      from += count
      return job
    })
    // Settled before anything throws, so no helper still writes into `out` after this returns.
    const helped = Promise.allSettled(asked)
    let mine: unknown = null
    try {
      const model = this.holder.useModel(key, () => loaded.model, false)
      runRows(model, spec, rows, start, start + shares[0], shift, out.subarray(0, shares[0] * width))
    } catch (err) {
      mine = err
    }
    const failed = (await helped).find((r): r is PromiseRejectedResult => r.status === 'rejected')
    if (mine) throw mine
    if (failed) throw failed.reason
    return out
  }

  private keyOf(model: tf.LayersModel): number {
    let key = this.keys.get(model)
    if (key === undefined) {
      key = this.nextKey++
      this.keys.set(model, key)
    }
    return key
  }

  private ask(helper: Helper, loaded: LoadedModel, key: number, job: Omit<RunMessage, 'id' | 'model'>): Promise<void> {
    const id = this.nextId++
    const { spec } = loaded.meta
    const model: ModelMessage =
      helper.modelKey === key ? { key, spec } : { key, spec, weights: loaded.model.getWeights().map((w) => ({ values: w.dataSync() as Float32Array, shape: w.shape })) }
    helper.modelKey = key
    return new Promise<void>((resolve, reject) => {
      // Kept alive while it works for us, so a process waiting only on its answer does not exit.
      if (!helper.pending.size) helper.worker.ref()
      helper.pending.set(id, { resolve, reject })
      helper.worker.postMessage({ id, model, ...job } satisfies RunMessage)
    })
  }

  private async startHelpers(count: number): Promise<void> {
    const { entry } = this
    if (!entry) return
    while (this.helpers.length < count) {
      // A .ts entry (development, tests) needs tsx inside the thread too: loader hooks do not cross.
      const worker = entry.endsWith('.ts')
        ? new Worker(`require(${JSON.stringify(nodeRequire.resolve('tsx/cjs'))}); require(${JSON.stringify(entry)})`, { eval: true, workerData: { role: INFER_ROLE } })
        : new Worker(entry, { workerData: { role: INFER_ROLE } })
      const helper: Helper = { worker, modelKey: 0, heldBytes: 0, pending: new Map() }
      worker.on('message', (a: Answer) => {
        const job = helper.pending.get(a.id)
        helper.pending.delete(a.id)
        if (!helper.pending.size) worker.unref()
        if (a.ok) {
          helper.heldBytes = a.heldBytes
          job?.resolve()
        }
        else job?.reject(new Error(a.message))
      })
      const gone = (err: Error): void => {
        for (const job of helper.pending.values()) job.reject(err)
        helper.pending.clear()
        const i = this.helpers.indexOf(helper)
        if (i >= 0) this.helpers.splice(i, 1)
      }
      worker.once('error', gone)
      worker.once('exit', (code) => gone(new Error(`An inference helper thread exited (code ${code})`)))
      // Idle helpers must not keep a CLI's process alive.
      worker.unref()
      this.helpers.push(helper)
    }
  }

  /** What each started helper's backend held after its last answer, in bytes: its model, and no rows. */
  helperBytes(): number[] {
    return this.helpers.map((h) => h.heldBytes)
  }

  /** Calls sent to helpers and not yet answered: none once a call has returned. */
  pendingCalls(): number {
    return this.helpers.reduce((n, h) => n + h.pending.size, 0)
  }

  async dispose(): Promise<void> {
    const helpers = this.helpers.splice(0)
    await Promise.all(helpers.map((h) => h.worker.terminate()))
    this.holder.dispose()
  }
}

/** The helper thread's side: runs each share it is sent and says when its outputs are written. */
export async function runInferPeer(): Promise<void> {
  const port = parentPort
  if (!port) throw new Error('runInferPeer runs only in a worker thread')
  const ready = initBackend({ force: 'wasm' })
  const holder = new ModelHolder()
  port.on('message', (m: RunMessage) => {
    void ready
      .then(() => {
        const { key, spec, weights } = m.model
        const model = holder.useModel(
          key,
          () => {
            if (!weights) throw new Error('The inference helper was sent no weights')
            const built = buildModel(ModelSpec.parse(spec))
            const values = weights.map((w) => tf.tensor(w.values, w.shape))
            built.setWeights(values)
            tf.dispose(values)
            return built
          },
          true
        )
        const width = (model.outputs[0].shape[1] as number | null) ?? 1
        runRows(model, spec, m.rows, m.start, m.end, m.shift, m.out.subarray(m.offset, m.offset + (m.end - m.start) * width))
        port.postMessage({ id: m.id, ok: true, heldBytes: tf.memory().numBytes } satisfies Answer)
      })
      .catch((err: unknown) => port.postMessage({ id: m.id, ok: false, message: err instanceof Error ? err.message : String(err) } satisfies Answer))
  })
}
