/**
 * Splitting the hidden units: for a network with one hidden Dense layer (the tutorial's MLP),
 * each of N threads holds a share of that layer's units, the matching rows of the output layer,
 * and their optimizer state. All see the whole batch. Each computes its part of the output (its
 * hidden units' contribution to every logit) into shared memory, and once all N are written each
 * adds them in thread order and takes the loss of the sum: from there each back-propagates
 * through its own units only. Per step
 * the threads exchange batch x classes numbers (32 x 10), where splitting the batch would
 * exchange every weight's gradient (795,010 for seed-mlp). The sum is the full model's output,
 * so this is the same training as one thread up to float rounding; the engine's model is brought
 * up to date (syncModel) before it is validated, evaluated or saved.
 */
import * as tf from '@tensorflow/tfjs'
import { ModelSpec, type LayerSpec, type LayerType } from '../../shared/layers'
import { inferShapes } from '../../shared/shapes'
import { buildModel, layerName, startDropoutEpoch } from '../model/build-model'
import { lossOf, type ClassifierHead } from '../model/head'
import { makeOptimizer } from '../kernels'
import { captureOptimizerState, restoreOptimizerState, SLOTS, type OptimizerState } from '../train/optimizer-state'
import {
  announceEpoch,
  arriveAndBlock,
  arriveAndWait,
  assignWeights,
  COMMAND,
  copyRows,
  copyTensorTo,
  epochFollower,
  newControlBlock,
  newSyncBlock,
  PEER_DONE,
  PEER_ROLE,
  type PeerInitBase,
  peerOptimizer,
  peerSeed,
  type PeerThread,
  quitSync,
  READY,
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
  waitChange,
  WRITTEN
} from './parallel-channel'
import { batchShares } from './data-parallel'
import { batchShiftIndex } from '../shift'
import { trainStep, type TrainableForward } from '../train/train-step'

export interface UnitSplitPlan {
  /** Spec indices of the hidden and the output Dense layers. */
  hidden: number
  output: number
  /** Hidden units on each thread, the engine's first. */
  units: number[]
  /** Outputs of the output Dense. */
  classes: number
  /**
   * Each thread's model: its hidden units, up to the output Dense without that layer's
   * activation. Only the engine's adds the output bias, so the parts sum to the full output.
   */
  parts: ModelSpec[]
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

/**
 * The split of `spec`'s hidden units over `threads` threads (fewer when it has fewer units), or
 * null when its layers do not allow one.
 */
export function planUnitSplit(spec: ModelSpec, threads = 2): UnitSplitPlan | null {
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

  const units = batchShares(h.units, Math.max(1, Math.min(threads, h.units)))
  const part = (side: number): ModelSpec => ({
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
    parts: units.map((_, side) => part(side)),
    tail: tailLayers.length ? ModelSpec.parse({ name: `${spec.name}-tail`, inputShape: [o.units], layers: tailLayers }) : null
  }
}

/**
 * Each thread still pays a whole step's fixed costs (the tape, ~40 kernel calls, the loss head:
 * about 0.5 ms), and the exchange adds ~0.15 ms of waking the others, so only the math shrinks,
 * as 1/N. Measured here for 784 -> h -> 10 at batch 32, two threads against one: h = 128
 * (3.3M multiply-adds per step) 1.42 against 1.10 ms, h = 256 (6.5M) 1.67 against 1.64,
 * h = 384 (9.7M) 2.03 against 2.54, seed-mlp (h = 1000, 25M) 3.5 against 5.4. So a second thread
 * pays from about m = 8M multiply-adds a step, where the math it saves, m/2, outweighs the fixed
 * cost c of a thread: c = 4M multiply-adds' time. The N-th thread costs the same c and saves
 * m/(N-1) - m/N = m/(N(N-1)), so N threads pay from m >= 4M x N(N-1): 24M for three, 48M for
 * four (seed-mlp at batch 32: three threads; at batch 64: four). Only the two-thread figure
 * could be measured on this 2-core machine; the others follow from it.
 */
const MIN_MACS_PER_STEP = 8_000_000

/** How many threads a unit split of `spec` is worth, at most `limit`: 1 when none. */
export function unitSplitThreads(spec: ModelSpec, batchSize: number, limit: number): number {
  const plan = planUnitSplit(spec, limit)
  if (!plan) return 1
  const macs = inferShapes(spec).totals.macs * batchSize
  let threads = 1
  while (threads < Math.min(limit, plan.units.length) && macs >= (MIN_MACS_PER_STEP / 2) * (threads + 1) * threads) threads++
  return threads
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

/**
 * Thread `side`'s share of the full model's weights (or of anything shaped like them, as Adam's
 * moments are): its columns of the hidden layer, its rows of the output kernel.
 */
function shareOf(full: DenseWeights<tf.Tensor>, plan: UnitSplitPlan, side: number): DenseWeights<tf.Tensor> {
  const offset = plan.units.slice(0, side).reduce((a, b) => a + b, 0)
  const size = plan.units[side]
  return tf.tidy(() => ({
    hiddenKernel: tf.slice(full.hiddenKernel, [0, offset], [-1, size]),
    hiddenBias: full.hiddenBias && tf.slice(full.hiddenBias, [offset], [size]),
    outputKernel: tf.slice(full.outputKernel, [offset, 0], [size, -1]),
    outputBias: side === 0 && full.outputBias ? tf.clone(full.outputBias) : undefined
  }))
}

/** The inverse of shareOf: the full weights from every thread's share, in thread order. */
function joinShares(shares: DenseWeights<tf.Tensor>[]): DenseWeights<tf.Tensor> {
  const all = <K extends keyof DenseWeights<tf.Tensor>>(k: K): tf.Tensor[] => shares.map((w) => w[k] as tf.Tensor)
  return tf.tidy(() => ({
    hiddenKernel: tf.concat(all('hiddenKernel'), 1),
    hiddenBias: shares[0].hiddenBias && tf.concat(all('hiddenBias')),
    outputKernel: tf.concat(all('outputKernel'), 0),
    outputBias: shares[0].outputBias && tf.clone(shares[0].outputBias)
  }))
}

/** The whole model's trainable weights as the two Dense layers' (the plan allows no other weighted layer). */
function wholeModelWeights(setup: TrainingSetup, plan: UnitSplitPlan): DenseWeights<tf.Variable> {
  const full = denseWeights(setup.model, plan)
  const list = listOf(full)
  if (list.length !== setup.vars.length || list.some((v, i) => v !== setup.vars[i])) throw new Error('The model has trainable weights outside its two Dense layers: its hidden units cannot be split')
  return full
}

/**
 * Each thread's share of the whole model's optimizer state, cut as its weights are: the moments
 * of a thread's units go to that thread, the step count to all.
 */
function shareState(state: OptimizerState, full: DenseWeights<tf.Variable>, plan: UnitSplitPlan): OptimizerState[] {
  const bySlot = state.slots.map((arrays) =>
    tf.tidy(() => {
      const whole = fromList(listOf(full).map((v, i) => tf.tensor(arrays[i], v.shape)), full)
      return plan.units.map((_, side) => listOf(shareOf(whole, plan, side)).map((t) => t.dataSync() as Float32Array))
    })
  )
  return plan.units.map((_, side) => ({ kind: state.kind, iterations: state.iterations, slots: bySlot.map((sides) => sides[side]) }))
}

/**
 * Every thread's part of the output, exchanged inside each thread's forward pass. Rounds are
 * counted by each thread for itself (every thread takes part in every training step, in the
 * same order), and the arrival count on the shared block only grows, so a thread waits for "at
 * least round x N arrivals", never for an exact step another may already have passed.
 */
class PartialExchange {
  private round = 0
  private readonly sync: Int32Array
  private readonly passThrough: (part: tf.Tensor) => tf.Tensor

  constructor(
    private readonly buffer: SharedArrayBuffer,
    sync: SharedArrayBuffer,
    private readonly wait: (sync: Int32Array, target: number) => void,
    private readonly batch: number,
    private readonly classes: number,
    private readonly threads: number,
    private readonly side: number,
    private readonly tail: tf.LayersModel | null
  ) {
    this.sync = new Int32Array(sync)
    // The forward value is the sum of every part; the gradient reaches only this thread's own.
    this.passThrough = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({ value: this.summed(args[0] as tf.Tensor), gradFunc: (dy: tf.Tensor) => tf.clone(dy) }))
  }

  /** Two rounds' worth, so a round's parts are never overwritten while a slower thread reads them. */
  private slot(round: number, side: number, rows: number): Float32Array {
    return new Float32Array(this.buffer, ((round % 2) * this.threads + side) * this.batch * this.classes * 4, rows * this.classes)
  }

  /**
   * Publishes this thread's part, waits for all the others', and returns the sum, added in
   * thread order: the same bits on every thread, so all see the same output and loss.
   */
  private summed(part: tf.Tensor): tf.Tensor {
    const rows = part.shape[0] ?? 0
    const round = ++this.round
    copyTensorTo(part, this.slot(round, this.side, rows))
    this.wait(this.sync, round * this.threads)
    const sum = new Float32Array(rows * this.classes)
    for (let t = 0; t < this.threads; t++) {
      const p = this.slot(round, t, rows)
      for (let i = 0; i < sum.length; i++) sum[i] += p[i]
    }
    return tf.tensor(sum, part.shape)
  }

  combine(part: tf.Tensor): tf.Tensor {
    const sum = this.passThrough(part)
    return this.tail ? (this.tail.apply(sum, { training: true }) as tf.Tensor) : sum
  }
}

export interface UnitPeerInit extends PeerInitBase {
  split: 'units'
  /** This helper's place among the threads (the engine's thread is 0). */
  index: number
  plan: UnitSplitPlan
  head: ClassifierHead
  batchSize: number
  /** Every thread's part of the output, for two rounds. */
  partials: SharedArrayBuffer
  /** The block every thread of the run counts its arrivals on (WRITTEN, QUIT). */
  sync: SharedArrayBuffer
  /** Where the helper writes its weights, then each of its optimizer's moments, when asked (EXPORT). */
  exported: SharedArrayBuffer
}

/** What every helper of a run shares: all but its place, its part of the model and its control block. */
type SharedBuffers = Omit<UnitPeerInit, 'index' | 'spec' | 'weights' | 'seed' | 'optimizer' | 'ctrl' | 'exported'>

const TRAIN = 1
const EXPORT = 2
const PEER_TIMEOUT_MS = 120_000

/** Resolves once a helper has written its weights and moments for EXPORT step `step` (PEER_DONE only grows). */
async function exportedBy(ctrl: Int32Array, step: number): Promise<void> {
  for (let seen = Atomics.load(ctrl, PEER_DONE); seen < step; seen = Atomics.load(ctrl, PEER_DONE)) await waitChange(ctrl, PEER_DONE, seen, PEER_TIMEOUT_MS)
}

/** The engine thread's side: owns the helper threads and this thread's part of the model for one run. */
export class UnitParallel {
  readonly split = 'units'
  private step = 0
  /** The step of the helpers' last export: while no training step follows it, what they exported is current. */
  private exportedAt = -1
  private readonly images: Float32Array
  private readonly labels: Int32Array
  private readonly sync: Int32Array
  private readonly plan: UnitSplitPlan
  private readonly forward: TrainableForward
  /** Rejects when any helper dies. */
  private readonly failed: Promise<never>

  private constructor(
    private readonly peers: PeerThread[],
    private readonly inits: UnitPeerInit[],
    shared: SharedBuffers,
    private readonly setup: TrainingSetup,
    private readonly part: tf.LayersModel,
    private readonly mine: DenseWeights<tf.Variable>,
    /** The shapes of each helper's weights, in listOf order. */
    private readonly peerShapes: number[][][],
    private readonly optimizer: tf.Optimizer,
    private readonly tail: tf.LayersModel | null
  ) {
    this.images = new Float32Array(shared.images)
    this.labels = new Int32Array(shared.labels)
    this.sync = new Int32Array(shared.sync)
    this.plan = shared.plan
    this.failed = Promise.race(peers.map((p) => p.failed))
    this.failed.catch(() => undefined)
    // The engine waits inside the tape, which cannot await: blocking, for at most its helpers' share of this step.
    const exchange = new PartialExchange(shared.partials, shared.sync, (sync, target) => arriveAndBlock(sync, WRITTEN, target, PEER_TIMEOUT_MS), shared.batchSize, shared.plan.classes, this.threads, 0, tail)
    this.forward = { apply: (x, kwargs) => exchange.combine(part.apply(x, kwargs) as tf.Tensor) }
  }

  get threads(): number {
    return this.peers.length + 1
  }

  static async start(entry: string, setup: TrainingSetup, plan: UnitSplitPlan): Promise<UnitParallel> {
    const { spec, batchSize } = setup
    const threads = plan.parts.length
    const part = buildModel(plan.parts[0], { seed: setup.seed })
    const tail = plan.tail && buildModel(plan.tail)
    const optimizer = makeOptimizer(setup.recipe)
    let peers: PeerThread[] = []
    const sync = newSyncBlock()
    try {
      const full = wholeModelWeights(setup, plan)
      const mine = denseWeights(part, plan)
      const myShare = shareOf(full, plan, 0)
      ORDER.forEach((k) => mine[k]?.assign(myShare[k] as tf.Tensor))
      tf.dispose(listOf(myShare))
      // A resumed run's restored moments, cut into each thread's share.
      const state = await captureOptimizerState(setup.optimizer, setup.recipe.optimizer, setup.vars)
      const states = state && shareState(state, full, plan)
      if (states) await restoreOptimizerState(optimizer, listOf(mine), states[0])
      const slotCount = SLOTS[setup.recipe.optimizer].length
      const sampleSize = spec.inputShape.reduce((a, b) => a * b, 1)
      const shared: SharedBuffers = {
        role: PEER_ROLE,
        split: 'units',
        recipe: setup.recipe,
        images: new SharedArrayBuffer(batchSize * sampleSize * 4),
        labels: new SharedArrayBuffer(batchSize * 4),
        plan,
        head: setup.head,
        batchSize,
        partials: new SharedArrayBuffer(2 * threads * batchSize * plan.classes * 4),
        sync
      }
      const peerShapes: number[][][] = []
      const inits: UnitPeerInit[] = plan.parts.slice(1).map((spec, i) => {
        const theirs = listOf(shareOf(full, plan, i + 1))
        const weights = theirs.map((t) => t.dataSync() as Float32Array)
        peerShapes.push(theirs.map((t) => t.shape))
        tf.dispose(theirs)
        return {
          ...shared,
          index: i + 1,
          spec,
          weights,
          seed: peerSeed(setup.seed, i + 1),
          ...(states ? { optimizer: states[i + 1] } : {}),
          ctrl: newControlBlock(),
          exported: new SharedArrayBuffer(weights.reduce((a, w) => a + w.length, 0) * (1 + slotCount) * 4)
        }
      })
      peers = await startPeers(entry, inits, sync)
      return new UnitParallel(peers, inits, shared, setup, part, mine, peerShapes, optimizer, tail)
    } catch (err) {
      quitSync(new Int32Array(sync))
      await Promise.all(peers.map(stopPeer))
      part.dispose()
      tail?.dispose()
      optimizer.dispose()
      throw err
    }
  }

  /** One optimizer step over the rows `ids`, each thread on its units; augmentation as drawn for the whole batch. */
  async trainStep(ids: Int32Array, shifts?: StepShifts): Promise<StepResult> {
    const { head, xAll, yAll, host } = this.setup
    copyRows(host, ids, shifts, this.images, this.labels)
    const step = ++this.step
    for (const { ctrl } of this.peers) {
      Atomics.store(ctrl, TOTAL, ids.length)
      Atomics.store(ctrl, COMMAND, TRAIN)
      signal(ctrl, STEP, step)
    }
    try {
      const gathered = shifts && batchShiftIndex(ids, shifts.shape, shifts.dx, shifts.dy, shifts.mode)
      return await trainStep(this.forward, this.optimizer, listOf(this.mine), head, xAll, yAll, ids, gathered)
    } catch (err) {
      throw await this.peerError(err)
    }
  }

  /** Restarts the dropout streams of the engine's part and of every helper's. */
  startEpoch(epoch: number): void {
    startDropoutEpoch(this.part, epoch)
    announceEpoch(this.peers, epoch)
  }

  /** Asks every helper to write its weights and moments into its `exported` buffer, unless they have since the last step. */
  private async exportFromHelpers(): Promise<void> {
    if (this.exportedAt === this.step) return
    const step = ++this.step
    for (const { ctrl } of this.peers) {
      Atomics.store(ctrl, COMMAND, EXPORT)
      signal(ctrl, STEP, step)
    }
    await Promise.race([Promise.all(this.peers.map(({ ctrl }) => exportedBy(ctrl, step))), this.failed])
    this.exportedAt = step
  }

  /**
   * The whole model's arrays joined from every thread's: block 0 of each helper's export is its
   * weights, block s + 1 its moment SLOTS[s]; `mine` is the engine's own of the same block.
   */
  private joined(mine: tf.Tensor[], block: number): DenseWeights<tf.Tensor> {
    const theirs = this.inits.map((init, i) => {
      const shapes = this.peerShapes[i]
      const sizes = shapes.map((shape) => shape.reduce((p, d) => p * d, 1))
      let offset = block * sizes.reduce((a, b) => a + b, 0)
      const exported = new Float32Array(init.exported)
      const shares = shapes.map((shape, k) => {
        offset += sizes[k]
        return tf.tensor(exported.subarray(offset - sizes[k], offset), shape)
      })
      // A helper's part has no output bias (see planUnitSplit).
      return fromList(shares, { ...this.mine, outputBias: undefined })
    })
    return joinShares([fromList(mine, this.mine), ...theirs])
  }

  /** Writes every thread's weights into the engine's model. */
  async syncModel(): Promise<void> {
    await this.exportFromHelpers()
    const full = denseWeights(this.setup.model, this.plan)
    tf.tidy(() => {
      const joined = this.joined(listOf(this.mine), 0)
      ORDER.forEach((k) => full[k]?.assign(joined[k] as tf.Tensor))
    })
  }

  /** Every thread's moments joined as the weights are, and the step count all share. */
  async optimizerState(): Promise<OptimizerState | null> {
    const kind = this.setup.recipe.optimizer
    const mine = await captureOptimizerState(this.optimizer, kind, listOf(this.mine))
    if (!mine) return null
    await this.exportFromHelpers()
    const vars = listOf(this.mine)
    const slots = mine.slots.map((arrays, s) =>
      tf.tidy(() => {
        const own = arrays.map((values, i) => tf.tensor(values, vars[i].shape))
        return listOf(this.joined(own, s + 1)).map((t) => t.dataSync() as Float32Array)
      })
    )
    return { kind, iterations: mine.iterations, slots }
  }

  /** When a helper died, its own error says more than "the other thread stopped". */
  private async peerError(err: unknown): Promise<unknown> {
    if (this.peers.every(({ ctrl }) => Atomics.load(ctrl, READY) >= 0)) return err
    const timeout = new Promise<unknown>((resolve) => setTimeout(() => resolve(err), 2000))
    return Promise.race([this.failed.catch((reason: unknown) => reason), timeout])
  }

  async dispose(): Promise<void> {
    quitSync(this.sync)
    await Promise.all(this.peers.map(stopPeer))
    this.part.dispose()
    this.tail?.dispose()
    this.optimizer.dispose()
  }
}

const STOPPED = 'The other training threads stopped'

/** The helper thread's loop: its share of the units trained on each batch, or exported. */
export async function runUnitPeer(init: UnitPeerInit): Promise<void> {
  await runPeer(init, async (ctrl) => {
    const { plan, head } = init
    const part = buildModel(ModelSpec.parse(init.spec), { seed: init.seed })
    const vars = listOf(denseWeights(part, plan))
    assignWeights(vars, init.weights)
    const tail = plan.tail && buildModel(plan.tail)
    const optimizer = await peerOptimizer(init, vars)
    const followEpoch = epochFollower(ctrl, part)
    // Waits in slices, so a cancelled run's helper leaves within a second instead of blocking.
    const wait = (s: Int32Array, target: number): void => {
      if (!arriveAndWait(s, ctrl, WRITTEN, target)) throw new Error(STOPPED)
    }
    const exchange = new PartialExchange(init.partials, init.sync, wait, init.batchSize, plan.classes, plan.parts.length, init.index, tail)
    const batch = sharedBatch(init)
    const exported = new Float32Array(init.exported)
    await servePeerSteps(ctrl, async (step) => {
      if (Atomics.load(ctrl, COMMAND) === EXPORT) {
        const state = await captureOptimizerState(optimizer, init.recipe.optimizer, vars)
        let offset = 0
        for (const v of vars) {
          copyTensorTo(v, exported, offset)
          offset += v.size
        }
        for (const values of state?.slots.flat() ?? []) {
          exported.set(values, offset)
          offset += values.length
        }
        signal(ctrl, PEER_DONE, step)
        return
      }
      followEpoch()
      const { x, y } = batch(Atomics.load(ctrl, TOTAL))
      try {
        optimizer.minimize(() => lossOf(head, exchange.combine(part.apply(x, { training: true }) as tf.Tensor), y), false, vars)
      } catch (err) {
        if (err instanceof Error && err.message === STOPPED) return false
        throw err
      } finally {
        tf.dispose([x, y])
      }
    })
  })
}
