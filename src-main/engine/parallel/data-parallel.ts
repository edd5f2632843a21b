/**
 * Splitting the batch over N threads: each helper thread holds a whole copy of the model and takes
 * its share of every batch. Each thread computes the gradient of its rows, pre-scaled by their
 * share of the batch, into a SharedArrayBuffer; once all N are written, each adds them up in the
 * same order and applies the sum with the same optimizer, so the N copies of the weights stay
 * bit-identical without ever being sent again. Per step a thread copies its gradient out of wasm
 * once and the sum in once, whatever N is, and waits once. (Summing one slice each and then
 * sharing the slices would read less, but costs a second wait per step: measured on this loaded
 * 2-core machine, a small CNN's step took 42 ms that way against 20 ms with one wait.) The sum is
 * exactly the full batch's mean gradient, so this is the same training as one thread up to float
 * rounding, only for models whose layers see samples independently (no batch norm).
 */
import * as tf from '@tensorflow/tfjs'
import { ModelSpec } from '../../shared/layers'
import { inferShapes } from '../../shared/shapes'
import { gatherShifted } from '../train/augment'
import { buildModel } from '../model/build-model'
import { headOf, lossOf, predictedOf, type ClassifierHead } from '../model/head'
import { captureOptimizerState, type OptimizerState } from '../train/optimizer-state'
import {
  announceEpoch,
  arriveAndWait,
  arriveAndWaitAsync,
  assignWeights,
  copyRows,
  copyTensorTo,
  epochFollower,
  newControlBlock,
  newSyncBlock,
  PEER_ROLE,
  type PeerInitBase,
  peerOptimizer,
  peerSeed,
  type PeerThread,
  quitSync,
  ROWS,
  runPeer,
  servePeerSteps,
  sharedBatch,
  signal,
  startPeers,
  STEP,
  type StepResult,
  type StepShifts,
  stopPeer,
  TOTAL,
  type TrainingSetup,
  WRITTEN
} from './parallel-channel'
import { batchShiftIndex } from '../shift'

export interface BatchPeerInit extends PeerInitBase {
  split: 'batch'
  /** This helper's place among the threads (the engine's thread is 0). */
  index: number
  threads: number
  /** The block every thread of the run counts its arrivals on (WRITTEN, QUIT). */
  sync: SharedArrayBuffer
  /** Each thread's loss times its rows (float64) and correct count (int32), for the whole batch. */
  losses: SharedArrayBuffer
  corrects: SharedArrayBuffer
  /** Every thread's gradient, for two steps (see gradientViews). */
  grads: SharedArrayBuffer
  total: number
}

/** Models whose every layer treats samples independently: splitting the batch changes nothing. */
export function canSplitBatch(spec: ModelSpec): boolean {
  return !spec.layers.some((l) => l.type === 'batchnorm')
}

/**
 * Each thread pays for every parameter each step whatever N is (its gradient copied out, a slice
 * summed, the sum copied back in, a whole optimizer update), while its math shrinks as 1/N.
 * Measured on a quiet 2-core machine: seed-cnn (~350 multiply-adds per parameter per batch of 32)
 * trains 1.65x faster on two threads (621 against 377 images/s); seed-mlp (~32) 0.97x (5,007
 * against 5,179: the exchange costs what the halved math saves). So a thread is worth adding while
 * each thread keeps at least 64 multiply-adds per parameter per step (128 shared by two).
 */
const MIN_MACS_PER_PARAM_PER_THREAD = 64

/** How many threads a batch split of `spec` is worth, at most `limit`: 1 when none. */
export function batchSplitThreads(spec: ModelSpec, batchSize: number, limit: number): number {
  const { totals, error } = inferShapes(spec)
  if (error || !canSplitBatch(spec) || totals.trainableParams === 0) return 1
  const worth = Math.floor((totals.macs * batchSize) / totals.trainableParams / MIN_MACS_PER_PARAM_PER_THREAD)
  return Math.max(1, Math.min(limit, batchSize, worth))
}

/** Rows of a batch of n each of `threads` threads takes: as even as can be, the engine's thread first. */
export function batchShares(n: number, threads: number): number[] {
  return Array.from({ length: threads }, (_, t) => Math.floor(n / threads) + (t < n % threads ? 1 : 0))
}

/**
 * Two steps' worth of every thread's gradient, so a step's are never overwritten while a slower
 * thread still adds them up: a thread writes step s + 2's only after all have written step s + 1's,
 * which each does after it has finished step s.
 */
function gradientViews(init: Pick<BatchPeerInit, 'grads' | 'total' | 'threads'>, step: number): Float32Array[] {
  const { total, threads } = init
  const parity = step % 2
  return Array.from({ length: threads }, (_, t) => new Float32Array(init.grads, (parity * threads + t) * total * 4, total))
}

function writeGradients(grads: tf.Tensor[], into: Float32Array): void {
  let offset = 0
  for (const g of grads) {
    copyTensorTo(g, into, offset)
    offset += g.size
  }
}

/** Every thread's gradient added in thread order into `sum`: the same bits on every thread. */
function sumAll(grads: Float32Array[], sum: Float32Array): Float32Array {
  sum.set(grads[0])
  for (let t = 1; t < grads.length; t++) {
    const g = grads[t]
    for (let i = 0; i < sum.length; i++) sum[i] += g[i]
  }
  return sum
}

/** Applies the summed gradient. Every thread applies the same bits, so the copies stay identical. */
function applySum(optimizer: tf.Optimizer, vars: tf.Variable[], sum: Float32Array): void {
  const named: tf.NamedTensorMap = {}
  let offset = 0
  for (const v of vars) {
    named[v.name] = tf.tensor(sum.subarray(offset, offset + v.size), v.shape)
    offset += v.size
  }
  optimizer.applyGradients(named)
  tf.dispose(Object.values(named))
}

/**
 * The training step of a thread's rows: their loss and correct count, and the gradient of their
 * loss scaled by their share of the batch, so the shares add up to the whole batch's mean gradient.
 * The caller disposes.
 */
function shareGradients(
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

/** The engine thread's side: owns the helper threads for one training run. */
export class DataParallel {
  readonly split = 'batch'
  private readonly sync: Int32Array
  private readonly losses: Float64Array
  private readonly corrects: Int32Array
  private readonly sum: Float32Array
  /** Rejects when any helper dies; handled here, since it may happen after the last step. */
  private readonly failed: Promise<never>
  private step = 0

  private constructor(
    private readonly peers: PeerThread[],
    private readonly inits: BatchPeerInit[],
    private readonly setup: TrainingSetup
  ) {
    this.sync = new Int32Array(inits[0].sync)
    this.losses = new Float64Array(inits[0].losses)
    this.corrects = new Int32Array(inits[0].corrects)
    this.sum = new Float32Array(inits[0].total)
    this.failed = Promise.race(peers.map((p) => p.failed))
    this.failed.catch(() => undefined)
  }

  get threads(): number {
    return this.peers.length + 1
  }

  /**
   * Starts `threads` - 1 helpers (at least one). Each helper's optimizer starts from the engine's
   * whole state (a resumed run's moments and step count): all apply the same summed gradient, so
   * all must start alike to stay identical.
   */
  static async start(entry: string, setup: TrainingSetup, threads = 2): Promise<DataParallel> {
    const { spec, batchSize } = setup
    const optimizer = await captureOptimizerState(setup.optimizer, setup.recipe.optimizer, setup.vars)
    const sampleSize = spec.inputShape.reduce((a, b) => a * b, 1)
    const shares = batchShares(batchSize, threads)
    const weights = setup.vars.map((v) => v.dataSync() as Float32Array)
    const total = weights.reduce((a, w) => a + w.length, 0)
    const shared = {
      threads,
      sync: newSyncBlock(),
      losses: new SharedArrayBuffer(threads * 8),
      corrects: new SharedArrayBuffer(threads * 4),
      grads: new SharedArrayBuffer(2 * threads * total * 4),
      total
    }
    const inits: BatchPeerInit[] = shares.slice(1).map((rows, i) => ({
      role: PEER_ROLE,
      split: 'batch',
      index: i + 1,
      spec,
      recipe: setup.recipe,
      weights,
      seed: peerSeed(setup.seed, i + 1),
      ...(optimizer ? { optimizer } : {}),
      ctrl: newControlBlock(),
      images: new SharedArrayBuffer(Math.max(1, rows) * sampleSize * 4),
      labels: new SharedArrayBuffer(Math.max(1, rows) * 4),
      ...shared
    }))
    return new DataParallel(await startPeers(entry, inits, shared.sync), inits, setup)
  }

  /**
   * One optimizer step over the rows `ids`: the engine thread takes the first share from the
   * uploaded dataset, each helper the next, copied from the host arrays. Augmentation shifts every
   * share with the one set of shifts drawn for the whole batch: the engine's by a shifted gather,
   * the helpers' while they are copied, so the helpers never need to know.
   */
  async trainStep(ids: Int32Array, shifts?: StepShifts): Promise<StepResult> {
    const { model, optimizer, vars, head, xAll, yAll, host } = this.setup
    const n = ids.length
    const shares = batchShares(n, this.threads)
    const step = ++this.step
    let from = shares[0]
    this.peers.forEach((peer, i) => {
      const rows = shares[i + 1]
      const part = ids.subarray(from, from + rows)
      const init = this.inits[i]
      copyRows(host, part, shifts && { ...shifts, dx: shifts.dx.subarray(from, from + rows), dy: shifts.dy.subarray(from, from + rows) }, new Float32Array(init.images), new Int32Array(init.labels))
      from += rows
      Atomics.store(peer.ctrl, ROWS, rows)
      Atomics.store(peer.ctrl, TOTAL, n)
      signal(peer.ctrl, STEP, step)
    })
    const mine = ids.subarray(0, shares[0])
    const myShifts = shifts && batchShiftIndex(mine, shifts.shape, shifts.dx, shifts.dy, shifts.mode)
    const views = gradientViews(this.inits[0], step)
    const idx = tf.tensor1d(mine, 'int32')
    let part: ReturnType<typeof shareGradients> | undefined
    try {
      part = shareGradients(model, optimizer, vars, head, mine.length / n, () => ({ x: myShifts ? gatherShifted(xAll, myShifts) : tf.gather(xAll, idx), y: tf.gather(yAll, idx) }))
      writeGradients(part.grads, views[0])
      this.losses[0] = part.loss.dataSync()[0] * mine.length
      this.corrects[0] = part.correct.dataSync()[0]
      tf.dispose([part.loss, part.correct, ...part.grads])
      part = undefined
      await Promise.race([arriveAndWaitAsync(this.sync, WRITTEN, step * this.threads, 120_000), this.failed])
      applySum(optimizer, vars, sumAll(views, this.sum))
      let loss = 0
      let correct = 0
      for (let t = 0; t < this.threads; t++) {
        loss += this.losses[t]
        correct += this.corrects[t]
      }
      loss /= n
      if (!Number.isFinite(loss)) throw new Error(`The loss became ${loss}: lower the learning rate`)
      return { loss, correct }
    } finally {
      idx.dispose()
      if (part) tf.dispose([part.loss, part.correct, ...part.grads])
    }
  }

  /** The engine's model holds its own dropout layers, which train.ts restarts. */
  startEpoch(epoch: number): void {
    announceEpoch(this.peers, epoch)
  }

  /** The engine's copy of the weights is always current. */
  async syncModel(): Promise<void> {}

  /** The engine's optimizer applies every step the helpers' do: its state is the whole one. */
  optimizerState(): Promise<OptimizerState | null> {
    return captureOptimizerState(this.setup.optimizer, this.setup.recipe.optimizer, this.setup.vars)
  }

  async dispose(): Promise<void> {
    quitSync(this.sync)
    await Promise.all(this.peers.map(stopPeer))
  }
}

/** A helper thread's loop: its share of each batch, then the sum of all shares applied. */
export async function runBatchPeer(init: BatchPeerInit): Promise<void> {
  const sync = new Int32Array(init.sync)
  await runPeer(init, async (ctrl) => {
    const spec = ModelSpec.parse(init.spec)
    const head = headOf(spec)
    const model = buildModel(spec, { seed: init.seed })
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable)
    assignWeights(vars, init.weights)
    const optimizer = await peerOptimizer(init, vars)
    const followEpoch = epochFollower(ctrl, model)
    const batch = sharedBatch(init)
    const losses = new Float64Array(init.losses)
    const corrects = new Int32Array(init.corrects)
    const sum = new Float32Array(init.total)
    await servePeerSteps(ctrl, (step) => {
      followEpoch()
      const rows = Atomics.load(ctrl, ROWS)
      const views = gradientViews(init, step)
      if (rows === 0) {
        // A last batch smaller than the threads: nothing to add (the mean of no rows is NaN).
        views[init.index].fill(0)
        losses[init.index] = 0
        corrects[init.index] = 0
      } else {
        const part = shareGradients(model, optimizer, vars, head, rows / Atomics.load(ctrl, TOTAL), () => batch(rows))
        writeGradients(part.grads, views[init.index])
        losses[init.index] = part.loss.dataSync()[0] * rows
        corrects[init.index] = part.correct.dataSync()[0]
        tf.dispose([part.loss, part.correct, ...part.grads])
      }
      // At least, never equal: counts only grow, and a fast thread may already be past this step.
      if (!arriveAndWait(sync, ctrl, WRITTEN, step * init.threads)) return false
      applySum(optimizer, vars, sumAll(views, sum))
      return true
    })
  })
}
