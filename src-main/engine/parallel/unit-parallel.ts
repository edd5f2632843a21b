/**
 * Splitting the hidden units: for a network with one hidden Dense layer (the tutorial's MLP),
 * each thread holds half of that layer's units, the matching rows of the output layer, and their
 * optimizer state. Both see the whole batch. Each computes its part of the output (its hidden
 * units' contribution to every logit), the two parts are exchanged, and both add them and take
 * the loss of the sum: from there each back-propagates through its own units only. Per step
 * the threads exchange batch x classes numbers (32 x 10), where splitting the batch would
 * exchange every weight's gradient (795,010 for seed-mlp). The sum is the full model's output,
 * so this is the same training as one thread up to float rounding; the engine's model is brought
 * up to date (syncModel) before it is validated, evaluated or saved.
 */
import * as tf from '@tensorflow/tfjs'
import { ModelSpec, type LayerSpec, type LayerType } from '../../shared/layers'
import { inferShapes } from '../../shared/shapes'
import { initBackend } from '../backends'
import { buildModel, layerName } from '../model/build-model'
import { lossOf, type ClassifierHead } from '../model/head'
import { makeOptimizer } from '../kernels'
import {
  assignWeights,
  COMMAND,
  copyRows,
  copyTensorTo,
  MAIN_DONE,
  newControlBlock,
  PEER_DONE,
  PEER_ROLE,
  type PeerInitBase,
  peerSeed,
  type PeerThread,
  READY,
  reportPeerFailure,
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
import { trainStep, type TrainableForward } from '../train/train-step'

export interface UnitSplitPlan {
  /** Spec indices of the hidden and the output Dense layers. */
  hidden: number
  output: number
  /** Hidden units on the engine's thread and on the helper's. */
  units: [number, number]
  /** Outputs of the output Dense. */
  classes: number
  /**
   * Each thread's model: its hidden units, up to the output Dense without that layer's
   * activation. Only the engine's adds the output bias, so the two parts sum to the full output.
   */
  parts: [ModelSpec, ModelSpec]
  /** What follows the summed output: the output Dense's activation and the layers after it. */
  tail: ModelSpec | null
}

const WEIGHTED: ReadonlySet<LayerType> = new Set(['conv2d', 'dense', 'batchnorm'])
/** Layers before the hidden Dense: the same on both threads, since they draw nothing at random. */
const DETERMINISTIC: ReadonlySet<LayerType> = new Set(['flatten', 'maxpool2d', 'avgpool2d', 'blurpool', 'relu', 'leakyrelu', 'sigmoid', 'tanh', 'softmax'])
/** Layers between the two Dense layers: each hidden unit on its own, so each thread applies them to its units. */
const PER_UNIT: ReadonlySet<LayerType> = new Set(['relu', 'leakyrelu', 'sigmoid', 'tanh', 'dropout'])
/** Layers after the output Dense, applied by both threads to the summed output. */
const TAIL: ReadonlySet<LayerType> = new Set(['relu', 'leakyrelu', 'sigmoid', 'tanh', 'softmax'])

/** The split of `spec` by hidden units, or null when its layers do not allow one. */
export function planUnitSplit(spec: ModelSpec): UnitSplitPlan | null {
  if (inferShapes(spec).error) return null
  const weighted = spec.layers.flatMap((l, i) => (WEIGHTED.has(l.type) ? [i] : []))
  if (weighted.length !== 2) return null
  const [hidden, output] = weighted
  const h = spec.layers[hidden]
  const o = spec.layers[output]
  if (h.type !== 'dense' || o.type !== 'dense' || h.units < 2) return null
  const before = spec.layers.slice(0, hidden)
  const between = spec.layers.slice(hidden + 1, output)
  const after = spec.layers.slice(output + 1)
  if (!before.every((l) => DETERMINISTIC.has(l.type)) || !between.every((l) => PER_UNIT.has(l.type)) || !after.every((l) => TAIL.has(l.type))) return null

  const units: [number, number] = [Math.ceil(h.units / 2), Math.floor(h.units / 2)]
  const part = (side: 0 | 1): ModelSpec => ({
    name: `${spec.name}-part${side + 1}`,
    inputShape: spec.inputShape,
    layers: [...before, { ...h, units: units[side] }, ...between, { ...o, activation: 'linear', useBias: o.useBias && side === 0 }]
  })
  const tailLayers: LayerSpec[] = [...(o.activation === 'linear' ? [] : [{ type: o.activation } as LayerSpec]), ...after]
  return {
    hidden,
    output,
    units,
    classes: o.units,
    parts: [part(0), part(1)],
    tail: tailLayers.length ? ModelSpec.parse({ name: `${spec.name}-tail`, inputShape: [o.units], layers: tailLayers }) : null
  }
}

/**
 * Each thread still pays a whole step's fixed costs (the tape, ~40 kernel calls, the loss head:
 * about 0.5 ms), and the exchange adds ~0.15 ms of waking the other thread, so only the math
 * halves. Measured here for 784 -> h -> 10 at batch 32, two threads against one: h = 128
 * (3.3M multiply-adds per step) 1.42 against 1.10 ms, h = 256 (6.5M) 1.67 against 1.64,
 * h = 384 (9.7M) 2.03 against 2.54, seed-mlp (h = 1000, 25M) 3.5 against 5.4.
 */
const MIN_MACS_PER_STEP = 8_000_000

export function worthSplittingUnits(spec: ModelSpec, batchSize: number): boolean {
  return inferShapes(spec).totals.macs * batchSize >= MIN_MACS_PER_STEP
}

/** The weights of the two Dense layers, by role; the biases are missing where useBias is off. */
interface DenseWeights<T> {
  hiddenKernel: T
  hiddenBias?: T
  outputKernel: T
  outputBias?: T
}
const ORDER = ['hiddenKernel', 'hiddenBias', 'outputKernel', 'outputBias'] as const

/** In tfjs's order of trainable weights (kernel, then bias, layer by layer): how they are sent. */
function listOf<T>(w: DenseWeights<T>): T[] {
  return ORDER.flatMap((k) => (w[k] === undefined ? [] : [w[k] as T]))
}

/** The inverse of listOf, for weights laid out like `like`. */
function fromList<T>(list: T[], like: DenseWeights<unknown>): DenseWeights<T> {
  let next = 0
  const take = (k: (typeof ORDER)[number]): T | undefined => (like[k] === undefined ? undefined : list[next++])
  return { hiddenKernel: take('hiddenKernel') as T, hiddenBias: take('hiddenBias'), outputKernel: take('outputKernel') as T, outputBias: take('outputBias') }
}

function denseWeights(model: tf.LayersModel, plan: Pick<UnitSplitPlan, 'hidden' | 'output'>): DenseWeights<tf.Variable> {
  const vars = (i: number): tf.Variable[] => model.getLayer(layerName(i, 'dense')).trainableWeights.map((w) => w.read() as tf.Variable)
  const [hiddenKernel, hiddenBias] = vars(plan.hidden)
  const [outputKernel, outputBias] = vars(plan.output)
  return { hiddenKernel, hiddenBias, outputKernel, outputBias }
}

/** One thread's share of the full model's weights: its columns of the hidden layer, its rows of the output kernel. */
function shareOf(full: DenseWeights<tf.Variable>, plan: UnitSplitPlan, side: 0 | 1): DenseWeights<tf.Tensor> {
  const offset = side === 0 ? 0 : plan.units[0]
  const size = plan.units[side]
  return tf.tidy(() => ({
    hiddenKernel: tf.slice(full.hiddenKernel, [0, offset], [-1, size]),
    hiddenBias: full.hiddenBias && tf.slice(full.hiddenBias, [offset], [size]),
    outputKernel: tf.slice(full.outputKernel, [offset, 0], [size, -1]),
    outputBias: side === 0 && full.outputBias ? tf.clone(full.outputBias) : undefined
  }))
}

/** The inverse of shareOf: the full weights from the two threads' shares. */
function joinShares(mine: DenseWeights<tf.Tensor>, theirs: DenseWeights<tf.Tensor>): DenseWeights<tf.Tensor> {
  return tf.tidy(() => ({
    hiddenKernel: tf.concat([mine.hiddenKernel, theirs.hiddenKernel], 1),
    hiddenBias: mine.hiddenBias && theirs.hiddenBias && tf.concat([mine.hiddenBias, theirs.hiddenBias]),
    outputKernel: tf.concat([mine.outputKernel, theirs.outputKernel], 0),
    outputBias: mine.outputBias && tf.clone(mine.outputBias)
  }))
}

/** The two threads' parts of the output, exchanged inside each thread's forward pass. */
class PartialExchange {
  constructor(
    private readonly buffer: SharedArrayBuffer,
    private readonly ctrl: Int32Array,
    private readonly batch: number,
    private readonly classes: number,
    private readonly side: 0 | 1,
    private readonly tail: tf.LayersModel | null
  ) {}

  /** Two steps' worth, so a step's parts are never overwritten while the other thread reads them. */
  private slot(step: number, side: 0 | 1, rows: number): Float32Array {
    return new Float32Array(this.buffer, ((step % 2) * 2 + side) * this.batch * this.classes * 4, rows * this.classes)
  }

  /**
   * Publishes this thread's part, waits for the other's, and returns their sum through the
   * tail. Both threads add the same two tensors (float addition commutes), so both see the same
   * output and loss.
   */
  combine(part: tf.Tensor, step: number): tf.Tensor {
    const rows = part.shape[0] ?? 0
    copyTensorTo(part, this.slot(step, this.side, rows))
    signal(this.ctrl, this.side === 0 ? MAIN_DONE : PEER_DONE, step)
    waitAtLeast(this.ctrl, this.side === 0 ? PEER_DONE : MAIN_DONE, step, 120_000)
    const other = this.side === 0 ? 1 : 0
    const sum = tf.add(part, tf.tensor(this.slot(step, other, rows), [rows, this.classes]))
    return this.tail ? (this.tail.apply(sum, { training: true }) as tf.Tensor) : sum
  }
}

export interface UnitPeerInit extends PeerInitBase {
  split: 'units'
  plan: UnitSplitPlan
  head: ClassifierHead
  batchSize: number
  /** Both threads' parts of the output, for two steps. */
  partials: SharedArrayBuffer
  /** Where the helper writes its weights when asked (EXPORT). */
  exported: SharedArrayBuffer
}

const TRAIN = 1
const EXPORT = 2

/** The engine thread's side: owns the helper thread and this thread's part of the model for one run. */
export class UnitParallel {
  readonly split = 'units'
  readonly threads = 2
  private step = 0
  private readonly images: Float32Array
  private readonly labels: Int32Array
  private readonly forward: TrainableForward

  private constructor(
    private readonly peer: PeerThread,
    private readonly init: UnitPeerInit,
    private readonly setup: TrainingSetup,
    private readonly part: tf.LayersModel,
    private readonly mine: DenseWeights<tf.Variable>,
    /** The shapes of the helper's weights, in listOf order. */
    private readonly peerShapes: number[][],
    private readonly optimizer: tf.Optimizer,
    private readonly tail: tf.LayersModel | null
  ) {
    this.images = new Float32Array(init.images)
    this.labels = new Int32Array(init.labels)
    const exchange = new PartialExchange(init.partials, peer.ctrl, init.batchSize, init.plan.classes, 0, tail)
    this.forward = { apply: (x, kwargs) => exchange.combine(part.apply(x, kwargs) as tf.Tensor, this.step) }
  }

  static async start(entry: string, setup: TrainingSetup, plan: UnitSplitPlan): Promise<UnitParallel> {
    const { spec, batchSize } = setup
    const part = buildModel(plan.parts[0], { seed: setup.seed })
    const tail = plan.tail && buildModel(plan.tail)
    const optimizer = makeOptimizer(setup.recipe)
    try {
      const full = denseWeights(setup.model, plan)
      const mine = denseWeights(part, plan)
      const myShare = shareOf(full, plan, 0)
      ORDER.forEach((k) => mine[k]?.assign(myShare[k] as tf.Tensor))
      const theirs = listOf(shareOf(full, plan, 1))
      const weights = theirs.map((t) => t.dataSync() as Float32Array)
      const peerShapes = theirs.map((t) => t.shape)
      tf.dispose([...listOf(myShare), ...theirs])
      const sampleSize = spec.inputShape.reduce((a, b) => a * b, 1)
      const init: UnitPeerInit = {
        role: PEER_ROLE,
        split: 'units',
        spec: plan.parts[1],
        recipe: setup.recipe,
        weights,
        seed: peerSeed(setup.seed),
        ctrl: newControlBlock(),
        images: new SharedArrayBuffer(batchSize * sampleSize * 4),
        labels: new SharedArrayBuffer(batchSize * 4),
        plan,
        head: setup.head,
        batchSize,
        partials: new SharedArrayBuffer(2 * 2 * batchSize * plan.classes * 4),
        exported: new SharedArrayBuffer(weights.reduce((a, w) => a + w.length, 0) * 4)
      }
      return new UnitParallel(await startPeer(entry, init), init, setup, part, mine, peerShapes, optimizer, tail)
    } catch (err) {
      part.dispose()
      tail?.dispose()
      optimizer.dispose()
      throw err
    }
  }

  /** One optimizer step over the rows `ids`, each thread on its units; augmentation as drawn for the whole batch. */
  async trainStep(ids: Int32Array, shifts?: StepShifts): Promise<StepResult> {
    const { head, xAll, yAll, host } = this.setup
    const { ctrl } = this.peer
    copyRows(host, ids, shifts, this.images, this.labels)
    this.step++
    Atomics.store(ctrl, TOTAL, ids.length)
    Atomics.store(ctrl, COMMAND, TRAIN)
    signal(ctrl, STEP, this.step)
    try {
      const gathered = shifts && batchShiftIndex(ids, shifts.shape, shifts.dx, shifts.dy, shifts.mode)
      return await trainStep(this.forward, this.optimizer, listOf(this.mine), head, xAll, yAll, ids, gathered)
    } catch (err) {
      throw await this.peerError(err)
    }
  }

  /** Writes both threads' weights into the engine's model. */
  async syncModel(): Promise<void> {
    const { ctrl, failed } = this.peer
    const step = ++this.step
    Atomics.store(ctrl, COMMAND, EXPORT)
    signal(ctrl, STEP, step)
    await Promise.race([waitChange(ctrl, PEER_DONE, step - 1, 120_000), failed])
    const exported = new Float32Array(this.init.exported)
    let offset = 0
    const theirs = this.peerShapes.map((shape) => {
      const size = shape.reduce((p, d) => p * d, 1)
      offset += size
      return exported.subarray(offset - size, offset)
    })
    const full = denseWeights(this.setup.model, this.init.plan)
    tf.tidy(() => {
      const shares = theirs.map((values, i) => tf.tensor(values, this.peerShapes[i]))
      // The helper's part has no output bias (see planUnitSplit).
      const joined = joinShares(this.mine, fromList(shares, { ...this.mine, outputBias: undefined }))
      ORDER.forEach((k) => full[k]?.assign(joined[k] as tf.Tensor))
    })
  }

  /** When the helper died, its own error says more than "the other thread stopped". */
  private async peerError(err: unknown): Promise<unknown> {
    if (Atomics.load(this.peer.ctrl, READY) >= 0) return err
    const timeout = new Promise<unknown>((resolve) => setTimeout(() => resolve(err), 2000))
    return Promise.race([this.peer.failed.catch((reason: unknown) => reason), timeout])
  }

  async dispose(): Promise<void> {
    await stopPeer(this.peer)
    this.part.dispose()
    this.tail?.dispose()
    this.optimizer.dispose()
  }
}

/** The helper thread's loop: its share of the units trained on each batch, or exported. */
export async function runUnitPeer(init: UnitPeerInit): Promise<void> {
  const ctrl = new Int32Array(init.ctrl)
  try {
    await initBackend({ force: 'wasm' })
    const { plan, head } = init
    const part = buildModel(ModelSpec.parse(init.spec), { seed: init.seed })
    const vars = listOf(denseWeights(part, plan))
    assignWeights(vars, init.weights)
    const tail = plan.tail && buildModel(plan.tail)
    const optimizer = makeOptimizer(init.recipe)
    const exchange = new PartialExchange(init.partials, ctrl, init.batchSize, plan.classes, 1, tail)
    const batch = sharedBatch(init)
    const exported = new Float32Array(init.exported)
    servePeerSteps(ctrl, (step) => {
      if (Atomics.load(ctrl, COMMAND) === EXPORT) {
        let offset = 0
        for (const v of vars) {
          copyTensorTo(v, exported, offset)
          offset += v.size
        }
        signal(ctrl, PEER_DONE, step)
        return
      }
      const { x, y } = batch(Atomics.load(ctrl, TOTAL))
      optimizer.minimize(() => lossOf(head, exchange.combine(part.apply(x, { training: true }) as tf.Tensor, step), y), false, vars)
      tf.dispose([x, y])
    })
  } catch (err) {
    reportPeerFailure(ctrl, err)
  }
}
