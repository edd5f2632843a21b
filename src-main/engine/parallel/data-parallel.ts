/**
 * Splitting the batch: the helper thread holds a whole copy of the model and takes half of every
 * batch. Each side computes the gradient of its half, pre-scaled by its share of the batch, into
 * a SharedArrayBuffer; after a two-way handshake both add the two halves in the same order and
 * apply the same optimizer, so the two copies of the weights stay bit-identical without ever
 * being sent again. The sum is exactly the full batch's mean gradient, so this is the same
 * training as one thread, only for models whose layers see samples independently (no batch norm).
 */
import * as tf from '@tensorflow/tfjs'
import { ModelSpec } from '../../shared/layers'
import { inferShapes } from '../../shared/shapes'
import { gatherShifted } from '../train/augment'
import { initBackend } from '../backends'
import { buildModel } from '../model/build-model'
import { headOf, lossOf, predictedOf, type ClassifierHead } from '../model/head'
import { makeOptimizer } from '../kernels'
import {
  assignWeights,
  copyRows,
  copyTensorTo,
  MAIN_DONE,
  newControlBlock,
  PEER_CORRECT,
  PEER_DONE,
  PEER_ROLE,
  type PeerInitBase,
  peerSeed,
  type PeerThread,
  reportPeerFailure,
  ROWS,
  servePeerSteps,
  sharedBatch,
  signal,
  startPeer,
  STEP,
  type StepResult,
  type StepShifts,
  stopPeer,
  TOTAL,
  type TrainingSetup,
  waitAtLeast,
  waitChange
} from './parallel-channel'
import { batchShiftIndex } from '../shift'

export interface BatchPeerInit extends PeerInitBase {
  split: 'batch'
  /** The helper's loss times its rows, for the whole batch's mean. */
  peerLoss: SharedArrayBuffer
  /** Both sides' gradients, for two steps (see gradientViews). */
  grads: SharedArrayBuffer
  total: number
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

export function worthSplittingBatch(spec: ModelSpec, batchSize: number): boolean {
  const { totals, error } = inferShapes(spec)
  return !error && batchSize >= 2 && canSplitBatch(spec) && totals.trainableParams > 0 && (totals.macs * batchSize) / totals.trainableParams >= MIN_MACS_PER_PARAM
}

/** How many rows the engine's own thread takes of a batch of n. */
const mainShare = (n: number): number => Math.ceil(n / 2)

/** Two steps' worth, so one step's halves are never overwritten while the other thread reads them. */
function gradientViews(grads: SharedArrayBuffer, total: number, step: number): { main: Float32Array; peer: Float32Array } {
  const base = (step % 2) * 2 * total
  return {
    main: new Float32Array(grads, base * 4, total),
    peer: new Float32Array(grads, (base + total) * 4, total)
  }
}

function writeGradients(grads: tf.Tensor[], into: Float32Array): void {
  let offset = 0
  for (const g of grads) {
    copyTensorTo(g, into, offset)
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
  readonly split = 'batch'
  private readonly peerLoss: Float64Array
  private readonly images: Float32Array
  private readonly labels: Int32Array
  private step = 0

  private constructor(
    private readonly peer: PeerThread,
    private readonly init: BatchPeerInit,
    private readonly setup: TrainingSetup
  ) {
    this.peerLoss = new Float64Array(init.peerLoss)
    this.images = new Float32Array(init.images)
    this.labels = new Int32Array(init.labels)
  }

  static async start(entry: string, setup: TrainingSetup): Promise<DataParallel> {
    const { spec, batchSize } = setup
    const sampleSize = spec.inputShape.reduce((a, b) => a * b, 1)
    const peerRows = batchSize - mainShare(batchSize)
    const weights = setup.vars.map((v) => v.dataSync() as Float32Array)
    const total = weights.reduce((a, w) => a + w.length, 0)
    const init: BatchPeerInit = {
      role: PEER_ROLE,
      split: 'batch',
      spec,
      recipe: setup.recipe,
      weights,
      seed: peerSeed(setup.seed),
      ctrl: newControlBlock(),
      images: new SharedArrayBuffer(peerRows * sampleSize * 4),
      labels: new SharedArrayBuffer(peerRows * 4),
      peerLoss: new SharedArrayBuffer(8),
      grads: new SharedArrayBuffer(2 * 2 * total * 4),
      total
    }
    return new DataParallel(await startPeer(entry, init), init, setup)
  }

  /**
   * One optimizer step over the rows `ids`: the engine thread takes the first half from the
   * uploaded dataset, the helper the rest, copied from the host arrays. Augmentation shifts
   * both halves with the one set of shifts drawn for the whole batch: the engine's half by a
   * shifted gather, the helper's while it is copied, so the helper never needs to know.
   */
  async trainStep(ids: Int32Array, shifts?: StepShifts): Promise<StepResult> {
    const { model, optimizer, vars, head, xAll, yAll, host } = this.setup
    const { ctrl, failed } = this.peer
    const n = ids.length
    const mine = ids.subarray(0, mainShare(n))
    const theirs = ids.subarray(mine.length)
    const m = mine.length
    copyRows(host, theirs, shifts && { ...shifts, dx: shifts.dx.subarray(m), dy: shifts.dy.subarray(m) }, this.images, this.labels)
    const myShifts = shifts && batchShiftIndex(mine, shifts.shape, shifts.dx, shifts.dy, shifts.mode)
    const step = ++this.step
    Atomics.store(ctrl, ROWS, theirs.length)
    Atomics.store(ctrl, TOTAL, n)
    signal(ctrl, STEP, step)

    const views = gradientViews(this.init.grads, this.init.total, step)
    const idx = tf.tensor1d(mine, 'int32')
    let half: ReturnType<typeof halfGradients> | undefined
    try {
      half = halfGradients(model, optimizer, vars, head, m / n, () => ({ x: myShifts ? gatherShifted(xAll, myShifts) : tf.gather(xAll, idx), y: tf.gather(yAll, idx) }))
      writeGradients(half.grads, views.main)
      signal(ctrl, MAIN_DONE, step)
      const [loss, correct] = [half.loss.dataSync()[0], half.correct.dataSync()[0]]
      await Promise.race([waitChange(ctrl, PEER_DONE, step - 1, 120_000), failed])
      applySum(optimizer, vars, half.grads, views.peer)
      const total = (loss * m + this.peerLoss[0]) / n
      if (!Number.isFinite(total)) throw new Error(`The loss became ${total}: lower the learning rate`)
      return { loss: total, correct: correct + Atomics.load(ctrl, PEER_CORRECT) }
    } finally {
      idx.dispose()
      if (half) tf.dispose([half.loss, half.correct, ...half.grads])
    }
  }

  /** The engine's copy of the weights is always current. */
  async syncModel(): Promise<void> {}

  async dispose(): Promise<void> {
    await stopPeer(this.peer)
  }
}

/** The helper thread's loop: its half of each batch, then the sum of both halves applied. */
export async function runBatchPeer(init: BatchPeerInit): Promise<void> {
  const ctrl = new Int32Array(init.ctrl)
  try {
    await initBackend({ force: 'wasm' })
    const spec = ModelSpec.parse(init.spec)
    const head = headOf(spec)
    const model = buildModel(spec, { seed: init.seed })
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable)
    assignWeights(vars, init.weights)
    const optimizer = makeOptimizer(init.recipe)
    const batch = sharedBatch(init)
    const peerLoss = new Float64Array(init.peerLoss)
    servePeerSteps(ctrl, (step) => {
      const rows = Atomics.load(ctrl, ROWS)
      const views = gradientViews(init.grads, init.total, step)
      const half = halfGradients(model, optimizer, vars, head, rows / Atomics.load(ctrl, TOTAL), () => batch(rows))
      writeGradients(half.grads, views.peer)
      peerLoss[0] = half.loss.dataSync()[0] * rows
      Atomics.store(ctrl, PEER_CORRECT, half.correct.dataSync()[0])
      signal(ctrl, PEER_DONE, step)
      // At least, not equal: once it has this helper's half, the engine thread may finish the step
      // and post its next half before this thread wakes, so MAIN_DONE can already be step + 1. No
      // time limit: the engine thread's half can take minutes, and it stops this thread itself.
      waitAtLeast(ctrl, MAIN_DONE, step, Infinity)
      applySum(optimizer, vars, half.grads, views.main)
      tf.dispose([half.loss, half.correct, ...half.grads])
    })
  } catch (err) {
    reportPeerFailure(ctrl, err)
  }
}
