import { describe, expect, it } from 'vitest'
import { ModelSpec } from '../../src-main/shared/layers'
import { getPreset } from '../../src-main/shared/presets'
import { inferShapes } from '../../src-main/shared/shapes'
import { shiftRecipe, withBlurPool } from '../../src-main/shared/shift-recipe'

describe('withBlurPool', () => {
  it('replaces each MaxPool2d by a BlurPool2d with the pool as stride and keeps every other layer', () => {
    const spec = ModelSpec.parse({
      name: 'pools',
      inputShape: [1, 28, 28],
      layers: [
        { type: 'conv2d', filters: 4, kernel: 3 },
        { type: 'maxpool2d', pool: 2 },
        { type: 'relu' },
        { type: 'maxpool2d', pool: [3, 3] },
        { type: 'avgpool2d', pool: 2 },
        { type: 'flatten' },
        { type: 'dense', units: 10 }
      ]
    })
    const blur = withBlurPool(spec)
    expect(blur.name).toBe('pools-blurpool')
    expect(blur.inputShape).toEqual(spec.inputShape)
    expect(blur.layers).toHaveLength(spec.layers.length)
    expect(blur.layers[1]).toEqual({ type: 'blurpool', pool: 2, blur: 3, stride: 2 })
    expect(blur.layers[3]).toEqual({ type: 'blurpool', pool: 2, blur: 3, stride: 3 })
    for (const i of [0, 2, 4, 5, 6]) expect(blur.layers[i]).toEqual(spec.layers[i])
    // The input is left alone.
    expect(spec.layers[1].type).toBe('maxpool2d')
  })

  it("keeps seed-cnn's shapes and parameter count", () => {
    const cnn = getPreset('seed-cnn')!
    const blur = withBlurPool(cnn)
    expect(blur.layers.filter((l) => l.type === 'blurpool')).toHaveLength(2)
    expect(blur.layers.some((l) => l.type === 'maxpool2d')).toBe(false)
    expect(blur.training).toEqual(cnn.training)
    const [a, b] = [inferShapes(cnn), inferShapes(blur)]
    expect(b.error).toBeUndefined()
    expect(b.outputShape).toEqual(a.outputShape)
    expect(b.totals.params).toBe(a.totals.params)
  })
})

describe('shiftRecipe', () => {
  const mlp = getPreset('seed-mlp')!
  const cnn = getPreset('seed-cnn')!

  it('gives the four runs: MLP, CNN, CNN with shifted images, CNN with BlurPool', () => {
    const recipe = shiftRecipe(mlp, cnn)
    expect(recipe.map((r) => r.label)).toEqual(['seed-mlp', 'seed-cnn', 'seed-cnn + shifts ±3', 'seed-cnn + BlurPool'])
    expect(recipe.map((r) => r.model.name)).toEqual(['seed-mlp', 'seed-cnn', 'seed-cnn', 'seed-cnn-blurpool'])
    expect(recipe.map((r) => r.augment)).toEqual([undefined, undefined, { maxShift: 3, axes: 'xy', mode: 'roll' }, undefined])
    expect(recipe[3].model).toEqual(withBlurPool(cnn))
  })

  it('takes the shift of the augmented run as an argument', () => {
    const recipe = shiftRecipe(mlp, cnn, 5)
    expect(recipe[2].label).toBe('seed-cnn + shifts ±5')
    expect(recipe[2].augment).toEqual({ maxShift: 5, axes: 'xy', mode: 'roll' })
  })
})
