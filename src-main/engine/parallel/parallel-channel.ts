/**
 * What the engine thread and its training helper thread share, whichever way they split the
 * work (parallel.ts picks): the control block of Int32 slots both wait and signal on, the batch
 * rows the engine copies for the helper, and the start-up handshake. tfjs's wasm backend runs
 * single-threaded under Node (no WASM_HAS_MULTITHREAD_SUPPORT), so the second core is a
 * worker_thread with a wasm tfjs of its own.
 */
import * as tf from '@tensorflow/tfjs'
import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'
import type { TrainConfig } from '../../shared/contract'
import type { ModelSpec } from '../../shared/layers'
import { initBackend } from '../backends'
import { makeOptimizer, tensorValues } from '../kernels'
import { startDropoutEpoch } from '../model/build-model'
import type { ClassifierHead } from '../model/head'
import { restoreOptimizerState, type OptimizerState } from '../train/optimizer-state'
import { batchShiftIndex, type ShiftMode } from '../shift'

const nodeRequire = createRequire(typeof __filename === 'string' ? __filename : import.meta.url)

export const PEER_ROLE = 'convlab-train-peer'

/** Int32 slots of the control block. */
export const STEP = 0 // engine -> helper: sequence number of the work to do (0: quit)
export const PEER_DONE = 1 // helper -> engine: its part of STEP is written
export const READY = 2 // helper -> engine: 1 once initialised, -1 if it failed
export const ROWS = 3 // rows the helper takes this step
export const COMMAND = 4 // what STEP asks for, where a split has more than one kind of work
export const TOTAL = 5 // rows in the whole batch
export const EPOCH = 6 // engine -> helper: the epoch its steps belong to (0: none announced)
const CTRL_SLOTS = 7

/**
 * Int32 slots of the block all threads of a run share: counts of arrivals that only grow
 * (a step s is reached by all N threads once a count is at least s * N, so no thread waits for
 * an exact value another may already have passed), and QUIT, set when the run ends.
 */
export const WRITTEN = 0 // each thread's gradient (batch split) or part of the output (unit split) is written
export const QUIT = 1
const SYNC_SLOTS = 2

/** What every helper thread starts from; each split adds its own buffers. */
export interface PeerInitBase {
  role: typeof PEER_ROLE
  /** The helper's model: the whole one, or its part of it. */
  spec: ModelSpec
  recipe: Pick<TrainConfig, 'optimizer' | 'learningRate'>
  /** Its trainable weights, in the order its model lists them. */
  weights: Float32Array[]
  seed?: number
  /** Its optimizer's state to start from, in its weights' order (a resumed run's); absent: a fresh optimizer. */
  optimizer?: OptimizerState
  ctrl: SharedArrayBuffer
  /** The rows it trains on each step, and their labels. */
  images: SharedArrayBuffer
  labels: SharedArrayBuffer
}

/** A batch's augmentation shifts, one per row, as train.ts draws them. */
export interface StepShifts {
  dx: Int32Array
  dy: Int32Array
  mode: ShiftMode
  shape: [number, number, number]
}

export interface StepResult {
  loss: number
  correct: number
}

/** Everything a training step works on, fixed for a whole run. */
export interface TrainingSetup {
  spec: ModelSpec
  recipe: Pick<TrainConfig, 'optimizer' | 'learningRate' | 'threads'>
  model: tf.LayersModel
  optimizer: tf.Optimizer
  vars: tf.Variable[]
  head: ClassifierHead
  /** The dataset uploaded once, and the same images and labels on the host. */
  xAll: tf.Tensor
  yAll: tf.Tensor1D
  host: { images: Float32Array; labels: ArrayLike<number> }
  batchSize: number
  seed?: number
}

interface WaitAsyncResult {
  async: boolean
  value: Promise<'ok' | 'timed-out'> | 'not-equal' | 'timed-out'
}
const waitAsync = (Atomics as unknown as { waitAsync(a: Int32Array, i: number, v: number, t?: number): WaitAsyncResult }).waitAsync

export const HELPER_SILENT = 'The training helper thread stopped answering'

/** Resolves once ctrl[index] is no longer `value`, without blocking the engine's event loop. */
export async function waitChange(ctrl: Int32Array, index: number, value: number, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs
  while (Atomics.load(ctrl, index) === value) {
    const left = deadline - performance.now()
    if (left <= 0) throw new Error(HELPER_SILENT)
    const r = waitAsync(ctrl, index, value, left)
    if (r.async) await r.value
  }
}

/**
 * Counts this thread in at `index` and blocks until all have arrived (the count reaches `target`).
 * Waits in slices, so it returns false within a second of the run ending (QUIT, or STEP 0 on
 * this helper's own block) instead of blocking a cancelled run's helper.
 */
export function arriveAndWait(sync: Int32Array, ctrl: Int32Array, index: number, target: number): boolean {
  Atomics.add(sync, index, 1)
  Atomics.notify(sync, index)
  for (let seen = Atomics.load(sync, index); seen < target; seen = Atomics.load(sync, index)) {
    if (Atomics.load(sync, QUIT) !== 0 || Atomics.load(ctrl, STEP) === 0) return false
    Atomics.wait(sync, index, seen, 1000)
  }
  return true
}

/**
 * Counts this thread in at `index`, then yields the count seen and how long to wait for a change
 * each time, until all have arrived (the count reaches `target`). Throws when the run ends (QUIT,
 * set by a failing helper) or nobody arrives for `timeoutMs`. The engine's two waits below share it:
 * one blocks, the other awaits.
 */
function* arrivals(sync: Int32Array, index: number, target: number, timeoutMs: number): Generator<{ seen: number; waitMs: number }> {
  Atomics.add(sync, index, 1)
  Atomics.notify(sync, index)
  const deadline = performance.now() + timeoutMs
  for (let seen = Atomics.load(sync, index); seen < target; seen = Atomics.load(sync, index)) {
    if (Atomics.load(sync, QUIT) !== 0) throw new Error('The other training thread stopped')
    const left = deadline - performance.now()
    if (left <= 0) throw new Error(HELPER_SILENT)
    yield { seen, waitMs: Math.min(left, 1000) }
  }
}

/**
 * The engine thread's arriveAndWait inside a step, where a tape cannot await: blocks until all
 * have arrived, which the others do within their share of the same step.
 */
export function arriveAndBlock(sync: Int32Array, index: number, target: number, timeoutMs: number): void {
  for (const { seen, waitMs } of arrivals(sync, index, target, timeoutMs)) Atomics.wait(sync, index, seen, waitMs)
}

/** The engine thread's arriveAndWait: it must not block its event loop (cancel, pings). */
export async function arriveAndWaitAsync(sync: Int32Array, index: number, target: number, timeoutMs: number): Promise<void> {
  for (const { seen, waitMs } of arrivals(sync, index, target, timeoutMs)) {
    const r = waitAsync(sync, index, seen, waitMs)
    if (r.async) await r.value
  }
}

export function newSyncBlock(): SharedArrayBuffer {
  return new SharedArrayBuffer(SYNC_SLOTS * 4)
}

/** Ends a run for every thread waiting on `sync`, at once. */
export function quitSync(sync: Int32Array): void {
  Atomics.store(sync, QUIT, 1)
  Atomics.notify(sync, WRITTEN)
}

/** Sets a slot and wakes whoever waits on it. */
export function signal(ctrl: Int32Array, index: number, value: number): void {
  Atomics.store(ctrl, index, value)
  Atomics.notify(ctrl, index)
}

/** Copies a tensor's values into shared memory, on wasm straight from its heap, no staging copy. */
export function copyTensorTo(t: tf.Tensor, into: Float32Array, offset = 0): void {
  into.set(tensorValues(t), offset)
}

/**
 * Copies rows `ids` of the host dataset into the helper's shared buffers, shifted as `shifts`
 * says (its dx and dy given per row of `ids`), so the helper needs to know nothing of augmentation.
 */
export function copyRows(
  host: TrainingSetup['host'],
  ids: Int32Array,
  shifts: Pick<StepShifts, 'mode' | 'shape'> & { dx: ArrayLike<number>; dy: ArrayLike<number> } | undefined,
  images: Float32Array,
  labels: Int32Array
): void {
  const size = images.length / labels.length
  if (shifts) {
    const { index, mask } = batchShiftIndex(ids, shifts.shape, shifts.dx, shifts.dy, shifts.mode)
    for (let i = 0; i < index.length; i++) images[i] = mask && mask[i] === 0 ? 0 : host.images[index[i]]
  }
  for (let r = 0; r < ids.length; r++) {
    const k = ids[r]
    if (!shifts) images.set(host.images.subarray(k * size, (k + 1) * size), r * size)
    labels[r] = host.labels[k]
  }
}

/** The rows the engine copied for the helper this step, as tensors of the model's input shape. */
export function sharedBatch(init: PeerInitBase): (rows: number) => { x: tf.Tensor; y: tf.Tensor1D } {
  const images = new Float32Array(init.images)
  const labels = new Int32Array(init.labels)
  const shape = init.spec.inputShape
  const size = shape.reduce((a, b) => a * b, 1)
  return (rows) => ({
    x: tf.tensor(images.subarray(0, rows * size), [rows, ...shape]),
    y: tf.tensor1d(labels.subarray(0, rows), 'int32')
  })
}

/** Sets the helper's copy of the weights to the engine's. */
export function assignWeights(vars: tf.Variable[], weights: Float32Array[]): void {
  vars.forEach((v, i) => v.assign(tf.tensor(weights[i], v.shape)))
}

/**
 * The helper's side of the handshake: says it is ready, then blocks between steps (it has
 * nothing else to do) and runs `onStep` for each step the engine posts, until it posts 0.
 */
export async function servePeerSteps(ctrl: Int32Array, onStep: (step: number) => boolean | void | Promise<boolean | void>): Promise<void> {
  signal(ctrl, READY, 1)
  let last = 0
  for (;;) {
    Atomics.wait(ctrl, STEP, last)
    const step = Atomics.load(ctrl, STEP)
    if (step === 0 || (await onStep(step)) === false) return
    last = step
  }
}

/** A helper's optimizer for `vars`: fresh, or from the state the engine handed it. */
export async function peerOptimizer(init: PeerInitBase, vars: readonly tf.Variable[]): Promise<tf.Optimizer> {
  const optimizer = makeOptimizer(init.recipe)
  if (init.optimizer) await restoreOptimizerState(optimizer, vars, init.optimizer)
  return optimizer
}

/** Tells the helpers which epoch the next steps belong to, before those steps are posted. */
export function announceEpoch(peers: readonly PeerThread[], epoch: number): void {
  for (const { ctrl } of peers) Atomics.store(ctrl, EPOCH, epoch)
}

/**
 * The helper's side of announceEpoch, called before each training step: restarts its model's
 * dropout streams when a new epoch begins, as the engine restarts its own, so a resumed run draws
 * the masks an unbroken one draws there.
 */
export function epochFollower(ctrl: Int32Array, model: tf.LayersModel): () => void {
  let current = 0
  return () => {
    const epoch = Atomics.load(ctrl, EPOCH)
    if (epoch === current) return
    startDropoutEpoch(model, epoch)
    current = epoch
  }
}

export function newControlBlock(): SharedArrayBuffer {
  return new SharedArrayBuffer(CTRL_SLOTS * 4)
}

/** A started helper thread. `failed` rejects with its error if it dies. */
export interface PeerThread {
  worker: Worker
  ctrl: Int32Array
  failed: Promise<never>
}

/** Starts the helper from `entry` (process/worker.ts, or its bundle) and waits until it is ready. */
export async function startPeer(entry: string, init: PeerInitBase): Promise<PeerThread> {
  // A .ts entry (development, tests) needs tsx inside the thread too: loader hooks do not cross.
  const worker = entry.endsWith('.ts')
    ? new Worker(`require(${JSON.stringify(nodeRequire.resolve('tsx/cjs'))}); require(${JSON.stringify(entry)})`, { eval: true, workerData: init })
    : new Worker(entry, { workerData: init })
  const failed = new Promise<never>((_, reject) => {
    worker.once('error', reject)
    worker.once('exit', (code) => reject(new Error(`The training helper thread exited (code ${code})`)))
  })
  failed.catch(() => undefined)
  const ctrl = new Int32Array(init.ctrl)
  try {
    await Promise.race([waitChange(ctrl, READY, 0, 60_000), failed])
  } catch (err) {
    await worker.terminate()
    throw err
  }
  if (Atomics.load(ctrl, READY) !== 1) {
    await worker.terminate()
    throw new Error('The training helper thread failed to start')
  }
  return { worker, ctrl, failed }
}

/**
 * Starts a helper from each of `inits`, all at once. When any fails to start, the others are
 * stopped, the run's shared block `sync` is ended, and the first failure is thrown.
 */
export async function startPeers(entry: string, inits: readonly PeerInitBase[], sync: SharedArrayBuffer): Promise<PeerThread[]> {
  const started = await Promise.allSettled(inits.map((init) => startPeer(entry, init)))
  const peers = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []))
  const failure = started.find((r): r is PromiseRejectedResult => r.status === 'rejected')
  if (!failure) return peers
  quitSync(new Int32Array(sync))
  await Promise.all(peers.map(stopPeer))
  throw failure.reason
}

/**
 * Helper `index`'s seed (1 for the first): another stream than the engine's and the other
 * helpers', so their dropout masks are independent, and still the same from run to run.
 */
export function peerSeed(seed: number | undefined, index = 1): number | undefined {
  return seed === undefined ? undefined : (((seed ^ 0x2545f491) >>> 0) + (index - 1) * 0x9e3779b9) >>> 0
}

export async function stopPeer(peer: PeerThread): Promise<void> {
  signal(peer.ctrl, STEP, 0)
  await peer.worker.terminate()
}

/**
 * A helper thread's life around `serve` (its model set up, then its steps served), on the wasm
 * backend, the only one training is split on (parallel.ts). When anything fails, the run's shared
 * block is ended and the helper marked as failed, so an engine thread waiting on it stops waiting;
 * the error is rethrown.
 */
export async function runPeer<I extends PeerInitBase & { sync: SharedArrayBuffer }>(init: I, serve: (ctrl: Int32Array) => Promise<void>): Promise<void> {
  const ctrl = new Int32Array(init.ctrl)
  try {
    await initBackend({ force: 'wasm' })
    await serve(ctrl)
  } catch (err) {
    quitSync(new Int32Array(init.sync))
    signal(ctrl, READY, -1)
    Atomics.notify(ctrl, PEER_DONE)
    throw err
  }
}
