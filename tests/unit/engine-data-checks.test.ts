import { describe, expect, it } from 'vitest'
import { checkTrainingData, describeSkipped, untestedClasses } from '../../src-main/engine/engine'
import { nameEveryClass } from '../../src-main/engine/model/model-io'
import type { Dataset } from '../../src-main/shared/dataset'
import { getPreset } from '../../src-main/shared/presets'

const dataset = (name: string, classNames: string[], count: number, shape: Dataset['shape'] = [1, 28, 28]): Dataset => ({
  name,
  shape,
  images: new Float32Array(count * shape[0] * shape[1] * shape[2]),
  labels: Int32Array.from({ length: count }, (_, i) => i % classNames.length),
  classNames
})

describe('checkTrainingData', () => {
  const mlp = getPreset('seed-mlp')!
  const folder = { kind: 'folder' as const, dir: '/x' }

  it('refuses a 10-class model on a 2-class folder, naming both counts and the fix', () => {
    expect(() => checkTrainingData(mlp, folder, dataset('pets (train)', ['cat', 'dog'], 4), dataset('pets (test)', ['cat', 'dog'], 2))).toThrow(
      'The model outputs 10 classes but pets (train) has 2 (cat, dog): make the last layer output 2 (or 1 with Sigmoid).'
    )
  })

  it('refuses data whose images are not the size the model takes', () => {
    const names = Array.from({ length: 10 }, (_, i) => String(i))
    expect(() => checkTrainingData(mlp, { kind: 'toy' }, dataset('toy', names, 2, [1, 4, 4]), dataset('toy', names, 2, [1, 4, 4]))).toThrow(
      "The model's input is 1×28×28 but toy's images are 1×4×4: set the input to 1×4×4."
    )
  })

  it('refuses a test split with no image', () => {
    const names = Array.from({ length: 10 }, (_, i) => String(i))
    expect(() => checkTrainingData(mlp, folder, dataset('f (train)', names, 10), dataset('f (test)', names, 0))).toThrow(
      'f (test) has no images, so the run could not be tested: each class needs at least 2 images, one to train on and one to test on.'
    )
  })

  it('lets the toy set name only the labels it uses, and passes a matching set', () => {
    const toy = getPreset('seed-toy')!
    expect(() => checkTrainingData(toy, { kind: 'toy' }, dataset('toy', ['0'], 2, [1, 4, 4]), dataset('toy', ['0'], 2, [1, 4, 4]))).not.toThrow()
    const names = Array.from({ length: 10 }, (_, i) => String(i))
    expect(() => checkTrainingData(mlp, { kind: 'fashion-mnist' }, dataset('a', names, 10), dataset('b', names, 10))).not.toThrow()
  })
})

describe('describeSkipped', () => {
  it('gives the count and the first three reasons', () => {
    const skipped = ['a', 'b', 'c', 'd', 'e'].map((f) => ({ file: `/x/${f}`, reason: `${f} is not an image.` }))
    expect(describeSkipped(skipped)).toBe(
      '5 files of the image folder were skipped (neither trained nor tested on): a is not an image.; b is not an image.; c is not an image.; and 2 more'
    )
    expect(describeSkipped(skipped.slice(0, 1))).toBe('1 file of the image folder was skipped (neither trained nor tested on): a is not an image.')
  })
})

describe('nameEveryClass', () => {
  it('names the outputs a run trained before the class check has no name for, never leaving one undefined', () => {
    expect(nameEveryClass(['cat', 'dog'], 4)).toEqual(['cat', 'dog', 'class 2 (no name: not in the training data)', 'class 3 (no name: not in the training data)'])
    expect(nameEveryClass(['a', 'b'], 2)).toEqual(['a', 'b'])
  })
})

describe('untestedClasses', () => {
  it('names the classes with training images but no test image', () => {
    const train = { ...dataset('t', ['cat', 'dog', 'owl'], 0), labels: Int32Array.from([0, 1, 2, 2, 0]) }
    const test = { ...dataset('t', ['cat', 'dog', 'owl'], 0), labels: Int32Array.from([2]) }
    expect(untestedClasses(train, test)).toEqual(['cat', 'dog'])
    expect(untestedClasses(train, train)).toEqual([])
  })
})
