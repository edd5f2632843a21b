/**
 * When a run's checkpoint goes to disk. Writing it at every epoch's end doubled the tutorial's
 * 2,000-epoch toy run (five fsynced files per 15 ms epoch), so the last completed epoch's state is
 * kept in memory and written at most every CHECKPOINT_INTERVAL_MS, at the last epoch, and when a
 * cancel stops the run mid-epoch: a cancelled run resumes from its last completed epoch exactly,
 * a killed one from at most that interval earlier.
 */
import * as tf from '@tensorflow/tfjs'
import type { ModelMeta } from '../model/model-io'
import { writeCheckpoint } from './checkpoint'
import type { OptimizerState } from './optimizer-state'

export const CHECKPOINT_INTERVAL_MS = 2_000

interface Kept {
  epoch: number
  weights: tf.Tensor[]
  optimizer: OptimizerState | null
  written: boolean
}

export interface KeeperSetup {
  /** The run folder; its checkpoint/ is written. */
  dir: string
  model: tf.LayersModel
  meta: ModelMeta
  /** The optimizer's state now: the engine's own optimizer's, or gathered from the training threads. */
  optimizerState: () => Promise<OptimizerState | null>
  vars: readonly tf.Variable[]
  seed: number
  /** performance.now(), injectable so a test can say when the interval has passed. */
  now?: () => number
}

export class CheckpointKeeper {
  private kept: Kept | null = null
  private lastWrite = -Infinity

  constructor(private readonly s: KeeperSetup) {}

  /** The model (after syncModel) and optimizer at the end of `epoch`; written now if due or `last`. */
  async epochEnd(epoch: number, last: boolean): Promise<void> {
    this.dispose()
    const optimizer = await this.s.optimizerState()
    this.kept = { epoch, weights: this.s.model.getWeights().map((w) => w.clone()), optimizer, written: false }
    const now = this.now()
    if (last || now - this.lastWrite >= CHECKPOINT_INTERVAL_MS) await this.write(this.kept, now)
  }

  /**
   * Writes the kept epoch if it is not on disk yet. The model has moved on since (a cancel stops
   * mid-epoch): it is given the kept weights to save and then its own back.
   */
  async flush(): Promise<void> {
    const kept = this.kept
    if (!kept || kept.written) return
    const current = this.s.model.getWeights().map((w) => w.clone())
    try {
      this.s.model.setWeights(kept.weights)
      await this.write(kept, this.now())
    } finally {
      this.s.model.setWeights(current)
      tf.dispose(current)
    }
  }

  private now(): number {
    return this.s.now ? this.s.now() : performance.now()
  }

  dispose(): void {
    if (this.kept) tf.dispose(this.kept.weights)
    this.kept = null
  }

  private async write(kept: Kept, now: number): Promise<void> {
    const { dir, model, meta, vars, seed } = this.s
    await writeCheckpoint(dir, {
      loaded: { model, meta },
      vars,
      optimizer: kept.optimizer,
      info: { epoch: kept.epoch, seed, ...(kept.optimizer ? {} : { optimizerMissing: 'the optimizer held no moments for some of the weights' }) }
    })
    kept.written = true
    this.lastWrite = now
  }
}
