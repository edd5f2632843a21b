/**
 * Loss and probabilities for each kind of output head (see shapes.ts `describeHead`), written
 * as PyTorch computes them: CrossEntropyLoss on logits, BCELoss on sigmoid outputs,
 * BCEWithLogitsLoss on a single logit.
 */
import * as tf from '@tensorflow/tfjs'
import type { ModelSpec } from '../../shared/layers'
import { describeHead, type LossName, type OutputKind } from '../../shared/shapes'

export interface ClassifierHead {
  loss: LossName
  kind: OutputKind
  /** 2 for a single sigmoid output. */
  classes: number
}

export function headOf(spec: ModelSpec): ClassifierHead {
  const h = describeHead(spec)
  if (!h.ok) throw new Error(h.error)
  return { loss: h.loss, kind: h.kind, classes: h.classes }
}

// Keras's clip: keeps log() finite when a sigmoid or softmax saturates to exactly 0 or 1.
const EPS = 1e-7

/**
 * Mean loss over the batch.
 * @param output [B, K] (or [B, 1] for sigmoid heads), as the model produced it
 * @param labels [B] int32 class indices
 */
export function lossOf(head: ClassifierHead, output: tf.Tensor, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy((): tf.Scalar => {
    switch (head.loss) {
      case 'softmax-crossentropy': {
        const y = tf.oneHot(labels, head.classes).toFloat()
        return tf.neg(tf.mean<tf.Scalar>(tf.sum(tf.mul(y, tf.logSoftmax(output)), -1)))
      }
      case 'categorical-crossentropy': {
        const y = tf.oneHot(labels, head.classes).toFloat()
        return tf.neg(tf.mean<tf.Scalar>(tf.sum(tf.mul(y, tf.log(tf.clipByValue(output, EPS, 1))), -1)))
      }
      case 'binary-crossentropy': {
        const p = tf.clipByValue(tf.reshape(output, [-1]), EPS, 1 - EPS)
        const y = labels.toFloat()
        const terms = tf.add(tf.mul(y, tf.log(p)), tf.mul(tf.sub(1, y), tf.log(tf.sub(1, p))))
        return tf.neg(tf.mean<tf.Scalar>(terms))
      }
      case 'binary-crossentropy-logits': {
        // max(x, 0) - x*y + log(1 + exp(-|x|)): never overflows, as in BCEWithLogitsLoss.
        const x = tf.reshape(output, [-1])
        const y = labels.toFloat()
        return tf.mean<tf.Scalar>(tf.add(tf.sub(tf.relu(x), tf.mul(x, y)), tf.log1p(tf.exp(tf.neg(tf.abs(x))))))
      }
    }
  })
}

/** [B, K] class probabilities; rows sum to 1. */
export function probabilitiesOf(head: ClassifierHead, output: tf.Tensor): tf.Tensor2D {
  return tf.tidy(() => {
    switch (head.kind) {
      case 'probabilities':
        return output as tf.Tensor2D
      case 'logits':
        return tf.softmax(output as tf.Tensor2D)
      case 'sigmoid':
      case 'sigmoid-logits': {
        const raw = tf.reshape(output, [-1, 1])
        const p = head.kind === 'sigmoid' ? raw : tf.sigmoid(raw)
        return tf.concat([tf.sub(1, p), p], 1) as tf.Tensor2D
      }
    }
  })
}

/** [B] predicted class indices. */
export function predictedOf(head: ClassifierHead, output: tf.Tensor): tf.Tensor1D {
  return tf.tidy(() => {
    if (head.kind === 'sigmoid' || head.kind === 'sigmoid-logits') {
      const threshold = head.kind === 'sigmoid' ? 0.5 : 0
      return tf.greater(tf.reshape(output, [-1]), threshold).toInt() as tf.Tensor1D
    }
    return tf.argMax(output, -1) as tf.Tensor1D
  })
}
