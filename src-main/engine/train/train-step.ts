/**
 * One optimizer step on one thread: the hot loop of training, also timed by bench.ts, and the
 * engine thread's side of the hidden-unit split (unit-parallel.ts), whose model part answers
 * `apply` with the other thread's contribution already added.
 */
import * as tf from '@tensorflow/tfjs'
import { gatherShifted } from './augment'
import { lossOf, predictedOf, type ClassifierHead } from '../model/head'
import type { BatchShifts } from '../shift'

/** What a step needs of a model: its forward pass. */
export interface TrainableForward {
  apply(x: tf.Tensor, kwargs: { training: boolean }): tf.Tensor | tf.Tensor[] | tf.SymbolicTensor | tf.SymbolicTensor[]
}

/** One optimizer step on the rows `ids` of the uploaded dataset; with `shifts`, read shifted, as augmentation asks. */
export async function trainStep(
  model: TrainableForward,
  optimizer: tf.Optimizer,
  varList: tf.Variable[],
  head: ClassifierHead,
  xAll: tf.Tensor,
  yAll: tf.Tensor1D,
  ids: Int32Array,
  shifts?: BatchShifts
): Promise<{ loss: number; correct: number }> {
  const idx = tf.tensor1d(ids, 'int32')
  const kept: { loss?: tf.Scalar | null; correct?: tf.Scalar } = {}
  try {
    kept.loss = optimizer.minimize(
      () => {
        const x = shifts ? gatherShifted(xAll, shifts) : tf.gather(xAll, idx)
        const y = tf.gather(yAll, idx)
        const out = model.apply(x, { training: true }) as tf.Tensor
        // Kept past minimize's tidy: accuracy of the same forward pass, at no extra cost.
        kept.correct = tf.keep(tf.sum<tf.Scalar>(tf.equal(predictedOf(head, out), y).toInt()))
        return lossOf(head, out, y)
      },
      true,
      varList
    )
    if (!kept.loss || !kept.correct) throw new Error('optimizer returned no loss')
    const [loss, correct] = await Promise.all([kept.loss.data(), kept.correct.data()])
    if (!Number.isFinite(loss[0])) throw new Error(`The loss became ${loss[0]}: lower the learning rate`)
    return { loss: loss[0], correct: correct[0] }
  } finally {
    tf.dispose(idx)
    kept.loss?.dispose()
    kept.correct?.dispose()
  }
}
