/**
 * Data-parallel training on two cores. tfjs's wasm backend runs single-threaded under Node
 * (no WASM_HAS_MULTITHREAD_SUPPORT), so a second worker_thread with its own wasm tfjs and its
 * own copy of the model takes half of every batch. Each side computes the gradient of its half,
 * pre-scaled by its share of the batch, into a SharedArrayBuffer; after a two-way handshake both
 * add the two halves in the same order and apply the same optimizer, so the two copies of the
 * weights stay bit-identical without ever being sent again. The sum is exactly the full batch's
 * mean gradient, so this is the same training as one thread, only for models whose layers see
 * samples independently (no batch norm).
 */
import * as tf from '@tensorflow/tfjs'
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm'
import { createRequire } from 'node:module'
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import type { TrainConfig } from '../shared/contract'
import { ModelSpec } from '../shared/layers'
import { inferShapes } from '../shared/shapes'
import { initBackend } from './backends'
import { buildModel } from './build-model'
import { headOf, lossOf, predictedOf, type ClassifierHead } from './head'
import { batchShiftIndex, type ShiftMode } from './shift'
import { gatherShifted } from './augment'
import { makeOptimizer } from './optimizer'

const nodeRequire = createRequire(typeof __filename === 'string' ? __filename : import.meta.url)

export const PEER_ROLE = 'convlab-train-peer'

/** Int32 slots of the control block. */
const STEP = 0 // main -> peer: sequence number of the batch to do (0: quit)
const PEER_DONE = 1 // peer -> main: its gradient for STEP is written
const MAIN_DONE = 2 // main -> peer: main's gradient for STEP is written
const PEER_COUNT = 3 // rows the peer takes this step
const TOTAL = 4 // rows in the whole batch
const PEER_CORRECT = 5
const READY = 6 // peer -> main: 1 once initialised, -1 if it failed
const CTRL_SLOTS = 8

interface PeerInit {
  role: typeof PEER_ROLE
  spec: ModelSpec
  optimizer: Pick<TrainConfig, 'optimizer' | 'learningRate'>
  weights: Float32Array[]
  ctrl: SharedArrayBuffer
  peerLoss: SharedArrayBuffer
  images: SharedArrayBuffer
  labels: SharedArrayBuffer
  grads: SharedArrayBuffer
}

interface WaitAsyncResult {
  async: boolean
  value: Promise<'ok' | 'timed-out'> | 'not-equal' | 'timed-out'
}
const waitAsync = (Atomics as unknown as { waitAsync(a: Int32Array, i: number, v: number, t?: number): WaitAsyncResult }).waitAsync

/** Resolves once ctrl[index] is no longer `value`, without blocking the engine's event loop. */
async function waitChange(ctrl: Int32Array, index: number, value: number, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs
  while (Atomics.load(ctrl, index) === value) {
    const left = deadline - performance.now()
    if (left <= 0) throw new Error('The training helper thread stopped answering')
    const r = waitAsync(ctrl, index, value, left)
    if (r.async) await r.value
  }
}

/** Models whose every layer treats samples independently: splitting the batch changes nothing. */
export function canSplitBatch(spec: ModelSpec): boolean {
  return !spec.layers.some((l) => l.type === 'batchnorm')
}

/**
 * Each step costs the exchange of every parameter's gradient (a copy out of wasm, a sum, a copy
 * back in, an add) and a second optimizer update on top of the math. Measured here on a quiet
 * machine: seed-cnn (~350 multiply-adds per parameter per batch of 32) trains 1.65x faster on two
 * threads (621 against 377 images/s); seed-mlp (~32) 0.97x (5,007 against 5,179: the exchange
 * costs what the halved math saves).
 */
const MIN_MACS_PER_PARAM = 128

export function worthSplitting(spec: ModelSpec, batchSize: number): boolean {
  const { totals, error } = inferShapes(spec)
  return !error && totals.trainableParams > 0 && (totals.macs * batchSize) / totals.trainableParams >= MIN_MACS_PER_PARAM
}

/** How many rows the engine's own thread takes of a batch of n. */
const mainShare = (n: number): number => Math.ceil(n / 2)

function gradientViews(grads: SharedArrayBuffer, total: number, step: number): { main: Float32Array; peer: Float32Array } {
  const base = (step % 2) * 2 * total
  return {
    main: new Float32Array(grads, base * 4, total),
    peer: new Float32Array(grads, (base + total) * 4, total)
  }
}

/** Copies gradient tensors, back to back, into `into`: straight from the wasm heap, no staging copy. */
function writeGradients(grads: tf.Tensor[], into: Float32Array): void {
  const backend = tf.backend() as BackendWasm
  let offset = 0
  for (const g of grads) {
    into.set(backend.typedArrayFromHeap(g) as Float32Array, offset)
    offset += g.size
  }
}

/**
 * Applies mine + theirs. Both threads call it, each with its own half as `mine`: float addition
 * is commutative, so both get the same bits and the two copies of the weights stay identical.
 */
function applySum(optimizer: tf.Optimizer, vars: tf.Variable[], mine: tf.Tensor[], theirs: Float32Array): void {
  const named: tf.NamedTensorMap = {}
  let offset = 0
  tf.tidy(() => {
    vars.forEach((v, i) => {
      named[v.name] = tf.keep(tf.add(mine[i], tf.tensor(theirs.subarray(offset, offset + v.size), v.shape)))
      offset += v.size
    })
  })
  optimizer.applyGradients(named)
  tf.dispose(Object.values(named))
}

/**
 * The training step of a batch half: its loss and correct count, and the gradient of its loss
 * scaled by its share of the batch, so the two halves add up to the whole batch's mean gradient.
 * The caller disposes.
 */
function halfGradients(
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  vars: tf.Variable[],
  head: ClassifierHead,
  share: number,
  makeBatch: () => { x: tf.Tensor; y: tf.Tensor1D }
): { loss: tf.Scalar; correct: tf.Scalar; grads: tf.Tensor[] } {
  let correct: tf.Scalar | undefined
  let loss: tf.Scalar | undefined
  const { value, grads } = optimizer.computeGradients(() => {
    const { x, y } = makeBatch()
    const out = model.apply(x, { training: true }) as tf.Tensor
    correct = tf.keep(tf.sum<tf.Scalar>(tf.equal(predictedOf(head, out), y).toInt()))
    loss = tf.keep(lossOf(head, out, y))
    return tf.mul(loss, share)
  }, vars)
  value.dispose()
  if (!correct || !loss) throw new Error('no loss or accuracy from the forward pass')
  return { loss, correct, grads: vars.map((v) => grads[v.name]) }
}

/** The engine thread's side: owns the helper thread for one training run. */
export class DataParallel {
  private readonly ctrl: Int32Array
  private readonly peerLoss: Float64Array
  private readonly images: Float32Array
  private readonly labels: Int32Array
  private step = 0
  private readonly total: number

  private constructor(
    private readonly worker: Worker,
    private readonly init: PeerInit,
    private readonly sampleSize: number,
    /** Rejects if the helper dies: a step waiting on it fails instead of hanging. */
    private readonly failed: Promise<never>
  ) {
    this.ctrl = new Int32Array(init.ctrl)
    this.peerLoss = new Float64Array(init.peerLoss)
    this.images = new Float32Array(init.images)
    this.labels = new Int32Array(init.labels)
    this.total = init.weights.reduce((a, w) => a + w.length, 0)
  }

  /**
   * Starts the helper, or returns null when it would not help: one core, a model that needs
   * the whole batch or computes too little per parameter, or no entry file to start a thread from (in-process tests).
   */
  static async start(options: {
    entry?: string
    spec: ModelSpec
    optimizer: Pick<TrainConfig, 'optimizer' | 'learningRate'>
    vars: tf.Variable[]
    batchSize: number
  }): Promise<DataParallel | null> {
    const { entry, spec, batchSize } = options
    const threads = Number(process.env.CONVLAB_TRAIN_THREADS ?? availableParallelism())
    if (!entry || threads < 2 || batchSize < 2 || !canSplitBatch(spec) || !worthSplitting(spec, batchSize) || tf.getBackend() !== 'wasm') return null
    const sampleSize = spec.inputShape.reduce((a, b) => a * b, 1)
    const peerRows = batchSize - mainShare(batchSize)
    const weights = options.vars.map((v) => v.dataSync() as Float32Array)
    const total = weights.reduce((a, w) => a + w.length, 0)
    const init: PeerInit = {
      role: PEER_ROLE,
      spec,
      optimizer: options.optimizer,
      weights,
      ctrl: new SharedArrayBuffer(CTRL_SLOTS * 4),
      peerLoss: new SharedArrayBuffer(8),
      images: new SharedArrayBuffer(peerRows * sampleSize * 4),
      labels: new SharedArrayBuffer(peerRows * 4),
      // Two steps' worth, so one step's halves are never overwritten while the other thread reads them.
      grads: new SharedArrayBuffer(2 * 2 * total * 4)
    }
    // A .ts entry (development, tests) needs tsx inside the thread too: loader hooks do not cross.
    const worker = entry.endsWith('.ts')
      ? new Worker(`require(${JSON.stringify(nodeRequire.resolve('tsx/cjs'))}); require(${JSON.stringify(entry)})`, { eval: true, workerData: init })
      : new Worker(entry, { workerData: init })
    const failed = new Promise<never>((_, reject) => {
      worker.once('error', reject)
      worker.once('exit', (code) => reject(new Error(`The training helper thread exited (code ${code})`)))
    })
    failed.catch(() => undefined)
    const dp = new DataParallel(worker, init, sampleSize, failed)
    try {
      await Promise.race([waitChange(dp.ctrl, READY, 0, 60_000), failed])
    } catch (err) {
      await worker.terminate()
      throw err
    }
    if (Atomics.load(dp.ctrl, READY) !== 1) {
      await worker.terminate()
      throw new Error('The training helper thread failed to start')
    }
    return dp
  }

  /**
   * One optimizer step over the rows `ids`: the engine thread takes the first half from the
   * uploaded dataset, the helper the rest, copied from the host arrays. Augmentation shifts
   * both halves with the one set of shifts drawn for the whole batch: the engine's half by a
   * shifted gather, the helper's while it is copied, so the helper never needs to know.
   */
  async trainStep(
    model: tf.LayersModel,
    optimizer: tf.Optimizer,
    vars: tf.Variable[],
    head: ClassifierHead,
    xAll: tf.Tensor,
    yAll: tf.Tensor1D,
    host: { images: Float32Array; labels: ArrayLike<number> },
    ids: Int32Array,
    shifts?: { dx: Int32Array; dy: Int32Array; mode: ShiftMode; shape: [number, number, number] }
  ): Promise<{ loss: number; correct: number }> {
    const n = ids.length
    const mine = ids.subarray(0, mainShare(n))
    const theirs = ids.subarray(mine.length)
    const size = this.sampleSize
    if (shifts) {
      const m = mine.length
      const { index, mask } = batchShiftIndex(theirs, shifts.shape, shifts.dx.subarray(m), shifts.dy.subarray(m), shifts.mode)
      for (let i = 0; i < index.length; i++) this.images[i] = mask && mask[i] === 0 ? 0 : host.images[index[i]]
    }
    for (let r = 0; r < theirs.length; r++) {
      const k = theirs[r]
      if (!shifts) this.images.set(host.images.subarray(k * size, (k + 1) * size), r * size)
      this.labels[r] = host.labels[k]
    }
    const myShifts = shifts && batchShiftIndex(mine, shifts.shape, shifts.dx, shifts.dy, shifts.mode)
    const step = ++this.step
    Atomics.store(this.ctrl, PEER_COUNT, theirs.length)
    Atomics.store(this.ctrl, TOTAL, n)
    Atomics.store(this.ctrl, STEP, step)
    Atomics.notify(this.ctrl, STEP)

    const views = gradientViews(this.init.grads, this.total, step)
    const idx = tf.tensor1d(mine, 'int32')
    let half: ReturnType<typeof halfGradients> | undefined
    try {
      half = halfGradients(model, optimizer, vars, head, mine.length / n, () => ({ x: myShifts ? gatherShifted(xAll, myShifts) : tf.gather(xAll, idx), y: tf.gather(yAll, idx) }))
      writeGradients(half.grads, views.main)
      Atomics.store(this.ctrl, MAIN_DONE, step)
      Atomics.notify(this.ctrl, MAIN_DONE)
      const [loss, correct] = [half.loss.dataSync()[0], half.correct.dataSync()[0]]
      await Promise.race([waitChange(this.ctrl, PEER_DONE, step - 1, 120_000), this.failed])
      applySum(optimizer, vars, half.grads, views.peer)
      const total = (loss * mine.length + this.peerLoss[0]) / n
      if (!Number.isFinite(total)) throw new Error(`The loss became ${total}: lower the learning rate`)
      return { loss: total, correct: correct + Atomics.load(this.ctrl, PEER_CORRECT) }
    } finally {
      idx.dispose()
      if (half) tf.dispose([half.loss, half.correct, ...half.grads])
    }
  }

  async dispose(): Promise<void> {
    Atomics.store(this.ctrl, STEP, 0)
    Atomics.notify(this.ctrl, STEP)
    await this.worker.terminate()
  }
}

/** The helper thread's loop: blocks between steps (it has nothing else to do). */
export async function runTrainPeer(init: PeerInit): Promise<void> {
  const ctrl = new Int32Array(init.ctrl)
  try {
    await initBackend({ force: 'wasm' })
    const spec = ModelSpec.parse(init.spec)
    const head = headOf(spec)
    const model = buildModel(spec)
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable)
    vars.forEach((v, i) => v.assign(tf.tensor(init.weights[i], v.shape)))
    const optimizer = makeOptimizer(init.optimizer)
    const images = new Float32Array(init.images)
    const labels = new Int32Array(init.labels)
    const peerLoss = new Float64Array(init.peerLoss)
    const total = init.weights.reduce((a, w) => a + w.length, 0)
    const sampleShape = spec.inputShape
    const sampleSize = sampleShape.reduce((a, b) => a * b, 1)
    Atomics.store(ctrl, READY, 1)
    Atomics.notify(ctrl, READY)
    let last = 0
    for (;;) {
      Atomics.wait(ctrl, STEP, last)
      const step = Atomics.load(ctrl, STEP)
      if (step === 0) break
      last = step
      const rows = Atomics.load(ctrl, PEER_COUNT)
      const n = Atomics.load(ctrl, TOTAL)
      const views = gradientViews(init.grads, total, step)
      const half = halfGradients(model, optimizer, vars, head, rows / n, () => ({
        x: tf.tensor(images.subarray(0, rows * sampleSize), [rows, ...sampleShape]),
        y: tf.tensor1d(labels.subarray(0, rows), 'int32')
      }))
      writeGradients(half.grads, views.peer)
      peerLoss[0] = half.loss.dataSync()[0] * rows
      Atomics.store(ctrl, PEER_CORRECT, half.correct.dataSync()[0])
      Atomics.store(ctrl, PEER_DONE, step)
      Atomics.notify(ctrl, PEER_DONE)
      // At least, not equal: once it has this helper's half, the engine thread may finish the step
      // and post its next half before this thread wakes, so MAIN_DONE can already be step + 1.
      for (let seen = Atomics.load(ctrl, MAIN_DONE); seen < step; seen = Atomics.load(ctrl, MAIN_DONE)) {
        if (Atomics.load(ctrl, STEP) === 0) return
        Atomics.wait(ctrl, MAIN_DONE, seen, 1000)
      }
      applySum(optimizer, vars, half.grads, views.main)
      tf.dispose([half.loss, half.correct, ...half.grads])
    }
  } catch (err) {
    Atomics.store(ctrl, READY, -1)
    Atomics.notify(ctrl, READY)
    throw err
  }
}
