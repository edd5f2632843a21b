import { describe, expect, it } from 'vitest'
import type { LabOutput } from '../../../src-main/shared/contract'
import { forwardPass } from '../../../src-main/shared/forward'
import { getPreset } from '../../../src-main/shared/presets'
import {
  checkedLayers,
  convolutionWindows,
  inputGrid,
  layerFormula,
  maxDiff,
  predictedClass,
  toyParams,
  type Activations,
  type CheckedSample
} from '../../../src-renderer/src/lib/toy-check'

const spec = getPreset('seed-toy')!
const FILTER = [0.1, -0.2, 0.3, 0.4, 0.5, -0.6, 0.7, 0.8, 0.9]
const weights: LabOutput<'runs/weights'> = {
  spec,
  classNames: ['0', '1'],
  layers: [
    {
      index: 0,
      type: 'conv2d',
      tensors: [
        { name: 'weight', shape: [1, 1, 3, 3], values: FILTER },
        { name: 'bias', shape: [1], values: [0.25] }
      ]
    },
    {
      index: 4,
      type: 'dense',
      tensors: [
        { name: 'weight', shape: [1, 1], values: [1.5] },
        { name: 'bias', shape: [1], values: [-0.5] }
      ]
    }
  ]
}
/** The tutorial's first sample divided by 8, row-major. */
const INPUT = [1, 2, 3, 4, 2, 3, 4, 5, 5, 6, 7, 8, 1, 3, 4, 5].map((v) => v / 8)
/** How far the made-up engine is from the hand pass, in one cell of the max-pool output. */
const GAP = 3e-7

function checkedSample(): CheckedSample {
  const hand = forwardPass(spec, weights.layers, INPUT)
  const engine: Activations = {
    classNames: ['0', '1'],
    inputShape: [1, 4, 4],
    input: INPUT,
    label: 0,
    layers: hand.map((l) => ({ index: l.index, type: l.type, shape: l.output.shape, values: Array.from(l.output.values) }))
  }
  engine.layers[1].values[0] += GAP
  return { label: 0, input: INPUT, engine, hand, maxDiff: maxDiff(hand, engine) }
}

describe('the toy CNN check by hand', () => {
  it('reads the 3x3 filter, both biases and the linear weight, and counts all 12 numbers', () => {
    const p = toyParams(weights)
    expect(p).toEqual({ filter: [FILTER.slice(0, 3), FILTER.slice(3, 6), FILTER.slice(6, 9)], convBias: 0.25, linearWeight: [1.5], linearBias: -0.5, count: 12 })
    expect(toyParams(null)).toBeNull()
    expect(toyParams({ ...weights, layers: weights.layers.slice(1) })).toBeNull()
  })

  it('lays the input out as the model sees it, 4 rows of 4', () => {
    expect(inputGrid(checkedSample())).toEqual([INPUT.slice(0, 4), INPUT.slice(4, 8), INPUT.slice(8, 12), INPUT.slice(12, 16)])
  })

  it('walks the four 3x3 windows row by row, each sum plus bias equal to the hand value beside the engine', () => {
    const sample = checkedSample()
    const windows = convolutionWindows(toyParams(weights)!, sample)
    expect(windows.map((w) => [w.outY, w.outX])).toEqual([[0, 0], [0, 1], [1, 0], [1, 1]])
    // The first window written out: rows 0-2, columns 0-2 of the input times the filter.
    const first = [0, 1, 2, 4, 5, 6, 8, 9, 10].reduce((s, at, k) => s + INPUT[at] * FILTER[k], 0)
    expect(windows[0].sum).toBeCloseTo(first, 12)
    for (const [i, w] of windows.entries()) {
      expect(w.hand).toBeCloseTo(w.sum + 0.25, 12)
      expect(w.hand).toBe(sample.hand[0].output.values[i])
      expect(w.engine).toBe(sample.engine.layers[0].values[i])
    }
  })

  it('sets each later layer beside the engine, with the formula that makes it and the largest gap', () => {
    const sample = checkedSample()
    const rows = checkedLayers(sample, toyParams(weights))
    expect(rows.map((r) => r.layer.name)).toEqual(['MaxPool2d-2', 'ReLU-3', 'Flatten-4', 'Linear-5', 'Sigmoid-6'])
    expect(rows.map((r) => r.formula.kind)).toEqual(['max', 'relu', 'flatten', 'dense', 'sigmoid'])
    expect(rows[0].formula).toEqual({ kind: 'max', inputs: Array.from(sample.hand[0].output.values) })
    const flat = sample.hand[3].output.values[0]
    expect(rows[3].formula).toEqual({ kind: 'dense', weight: 1.5, input: flat, bias: -0.5 })
    expect(rows[3].hand[0]).toBeCloseTo(1.5 * flat - 0.5, 12)
    expect(rows[4].formula).toEqual({ kind: 'sigmoid', z: sample.hand[4].output.values[0] })
    expect(rows[0].diff).toBeCloseTo(GAP, 12)
    expect(rows.slice(1).map((r) => r.diff)).toEqual([0, 0, 0, 0])
  })

  it('takes the largest gap over every layer, and a NaN as infinitely far', () => {
    const sample = checkedSample()
    expect(sample.maxDiff).toBeCloseTo(GAP, 12)
    sample.engine.layers[5].values[0] = Number.NaN
    expect(maxDiff(sample.hand, sample.engine)).toBe(Infinity)
  })

  it('writes a dense layer of more than one weight as W · x + b', () => {
    const sample = checkedSample()
    const wide = { ...toyParams(weights)!, linearWeight: [1, 2] }
    expect(layerFormula(sample.hand[4], sample.hand[3], wide)).toEqual({ kind: 'matrix' })
  })

  it('reads the sigmoid output as class 1 from one half up', () => {
    expect([0, 0.4999, 0.5, 0.9].map(predictedClass)).toEqual([0, 0, 1, 1])
  })
})
