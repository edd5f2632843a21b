/**
 * Training-time shift augmentation on tensors. The shifts themselves (which pixel comes from
 * where) are computed without tfjs in shift.ts; here they are applied to the uploaded dataset.
 */
import * as tf from '@tensorflow/tfjs'
import type { TrainConfig } from '../../shared/contract'
import type { ModelSpec } from '../../shared/layers'
import type { BatchShifts } from '../shift'

export type AugmentPlan = NonNullable<TrainConfig['augment']> & { shape: [number, number, number] }

/** The augmentation a run asks for, or null when it asks for none (or its input is no image). */
export function augmentPlan(spec: ModelSpec, config: TrainConfig): AugmentPlan | null {
  const a = config.augment
  if (!a || a.maxShift === 0 || spec.inputShape.length !== 3) return null
  return { ...a, shape: spec.inputShape }
}

/** Rows of the uploaded dataset, shifted by one gather over its flat values (see batchShiftIndex). */
export function gatherShifted(xAll: tf.Tensor, shifts: BatchShifts): tf.Tensor {
  return tf.tidy(() => {
    const values = tf.gather(tf.reshape(xAll, [-1]), tf.tensor1d(shifts.index, 'int32'))
    const kept = shifts.mask ? tf.mul(values, tf.tensor1d(shifts.mask)) : values
    return tf.reshape(kept, [-1, ...xAll.shape.slice(1)])
  })
}
