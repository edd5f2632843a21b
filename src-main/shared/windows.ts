/**
 * Where a convolution or pooling window falls: the padding per side (PyTorch's explicit padding,
 * tfjs's 'same') and the layer's kernel and stride. One rule for the hand forward pass, the
 * Learn view's steps and both exporters, so they cannot disagree about an edge.
 */
import { pair, type LayerSpec, type Padding } from './layers'

export interface Pads {
  top: number
  bottom: number
  left: number
  right: number
}

/**
 * Padding along one axis. 'same' is TensorFlow's rule, which tfjs follows: output
 * ceil(in / stride), and an odd total puts the extra row or column at the bottom or right.
 */
export function axisPadding(size: number, kernel: number, stride: number, padding: 'valid' | 'same' | number): [number, number] {
  if (padding === 'valid') return [0, 0]
  if (padding === 'same') {
    const out = Math.ceil(size / stride)
    const total = Math.max((out - 1) * stride + kernel - size, 0)
    const before = Math.floor(total / 2)
    return [before, total - before]
  }
  return [padding, padding]
}

export function padsOf(h: number, w: number, kernel: [number, number], stride: [number, number], padding: Padding): Pads {
  const [ph, pw]: ['valid' | 'same' | number, 'valid' | 'same' | number] =
    typeof padding === 'string' ? [padding, padding] : pair(padding)
  const [top, bottom] = axisPadding(h, kernel[0], stride[0], ph)
  const [left, right] = axisPadding(w, kernel[1], stride[1], pw)
  return { top, bottom, left, right }
}

/** A conv or pooling layer's window on an h x w map: kernel, stride and the padding per side.
 * Pooling's stride defaults to its window, as in PyTorch. */
export interface LayerWindow {
  kernel: [number, number]
  stride: [number, number]
  pads: Pads
  /** The output's height and width: how many window positions fit down and across. */
  out: [number, number]
}

export function windowOf(layer: Extract<LayerSpec, { type: 'conv2d' | 'maxpool2d' | 'avgpool2d' }>, h: number, w: number): LayerWindow {
  const kernel = pair(layer.type === 'conv2d' ? layer.kernel : layer.pool)
  const stride = pair(layer.type === 'conv2d' ? layer.stride : (layer.stride ?? layer.pool))
  const pads = padsOf(h, w, kernel, stride, layer.padding)
  const out: [number, number] = [
    Math.floor((h + pads.top + pads.bottom - kernel[0]) / stride[0]) + 1,
    Math.floor((w + pads.left + pads.right - kernel[1]) / stride[1]) + 1
  ]
  return { kernel, stride, pads, out }
}
