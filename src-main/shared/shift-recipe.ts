/**
 * The shift study's four-run recipe (after Zhang 2019): one definition for the Study view and
 * `lab shift-study --recipe`, so both train the same models with the same augmentation.
 */
import { LayerSpec, type ModelSpec } from './layers'

/** seed-cnn with every MaxPool2d replaced by Zhang's BlurPool2d of the same stride. */
export function withBlurPool(spec: ModelSpec): ModelSpec {
  return {
    ...spec,
    name: `${spec.name}-blurpool`,
    layers: spec.layers.map((l) => (l.type === 'maxpool2d' ? LayerSpec.parse({ type: 'blurpool', pool: 2, blur: 3, stride: typeof l.pool === 'number' ? l.pool : l.pool[0] }) : l))
  }
}

export interface RecipeRun {
  label: string
  model: ModelSpec
  augment?: { maxShift: number; axes: 'xy'; mode: 'roll' }
}

/** The four runs: the MLP, the CNN, the CNN with shifted training images, the CNN with BlurPool. */
/** The recipe's augmentation: random shifts of up to this many pixels. */
export const RECIPE_MAX_SHIFT = 3

export function shiftRecipe(mlp: ModelSpec, cnn: ModelSpec, maxShift = RECIPE_MAX_SHIFT): RecipeRun[] {
  return [
    { label: 'seed-mlp', model: mlp },
    { label: 'seed-cnn', model: cnn },
    { label: `seed-cnn + shifts ±${maxShift}`, model: cnn, augment: { maxShift, axes: 'xy', mode: 'roll' } },
    { label: 'seed-cnn + BlurPool', model: withBlurPool(cnn) }
  ]
}
