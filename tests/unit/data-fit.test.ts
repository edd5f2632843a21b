import { mkdir, mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { describeSource } from '../../src-main/data/describe'
import { dataModelMismatch, type DataFacts } from '../../src-main/shared/data-fit'
import type { ModelSpec } from '../../src-main/shared/layers'
import { getPreset } from '../../src-main/shared/presets'

const mlp = getPreset('seed-mlp')!
const cnn = getPreset('seed-cnn')!
const toy = getPreset('seed-toy')!
const fashion: DataFacts = {
  name: 'Fashion-MNIST',
  sampleShape: [1, 28, 28],
  resizable: false,
  classNames: Array.from({ length: 10 }, (_, i) => `c${i}`),
  checkClassCount: true
}
const withOutputs = (spec: ModelSpec, units: number): ModelSpec => ({
  ...spec,
  layers: spec.layers.map((l, i) => (i === spec.layers.length - 1 && l.type === 'dense' ? { ...l, units } : l))
})

describe('dataModelMismatch', () => {
  it('accepts the tutorial models on the data they were written for', () => {
    expect(dataModelMismatch(mlp, fashion)).toBeUndefined()
    expect(dataModelMismatch(cnn, fashion)).toBeUndefined()
    expect(dataModelMismatch(toy, { name: 'the toy set', sampleShape: [1, 4, 4], resizable: false, classNames: [], checkClassCount: false })).toBeUndefined()
  })

  it('names both sizes and the fix when the image size differs', () => {
    expect(dataModelMismatch(mlp, { ...fashion, name: 'the toy set', sampleShape: [1, 4, 4] })?.message).toBe(
      "The model's input is 1×28×28 but the toy set's images are 1×4×4: set the input to 1×4×4."
    )
  })

  it('lets an image folder take any size, but not another number of channels', () => {
    const folder = { ...fashion, name: 'pets', resizable: true, sampleShape: [1, 64, 64] as [number, number, number] }
    expect(dataModelMismatch(mlp, folder)).toBeUndefined()
    expect(dataModelMismatch({ ...mlp, inputShape: [3, 28, 28] }, folder)?.message).toBe(
      "The model's input has 3 channels but pets has 1: set the input to 1 channel."
    )
  })

  it('checks a flat input against the number of values in one image', () => {
    const flat: ModelSpec = { ...mlp, inputShape: [784], layers: mlp.layers.slice(1) }
    expect(dataModelMismatch(flat, fashion)).toBeUndefined()
    expect(dataModelMismatch({ ...flat, inputShape: [100] }, fashion)?.message).toBe(
      'The model takes 100 values per image but Fashion-MNIST has 1×28×28 = 784: set the input to 784, or to 1×28×28 with a Flatten layer first.'
    )
  })

  it('gives the cause and its values beside the sentence, for an interface to word', () => {
    expect(dataModelMismatch(mlp, { ...fashion, name: 'pets', classNames: ['cat', 'dog'] })).toMatchObject({
      reason: 'classCount',
      params: { classes: 10, data: 'pets', dataClasses: 2, names: 'cat, dog' }
    })
    expect(dataModelMismatch(mlp, { ...fashion, name: 'toy', sampleShape: [1, 4, 4] })).toMatchObject({
      reason: 'inputSize',
      params: { shape: '1×28×28', data: 'toy', dataShape: '1×4×4' }
    })
  })

  it('names the class counts, the classes and the fix, with Sigmoid offered for two classes', () => {
    expect(dataModelMismatch(mlp, { ...fashion, name: 'pets', classNames: ['cat', 'dog'] })?.message).toBe(
      'The model outputs 10 classes but pets has 2 (cat, dog): make the last layer output 2 (or 1 with Sigmoid).'
    )
    expect(dataModelMismatch(withOutputs(mlp, 3), fashion)?.message).toBe(
      'The model outputs 3 classes but Fashion-MNIST has 10 (c0, c1, c2, c3, c4, c5, c6, c7, c8, c9): make the last layer output 10.'
    )
  })

  it('leaves the class names out of a long list, and does not count the toy set’s classes', () => {
    const many = { ...fashion, classNames: Array.from({ length: 20 }, (_, i) => `k${i}`) }
    expect(dataModelMismatch(mlp, many)?.message).toBe('The model outputs 10 classes but Fashion-MNIST has 20: make the last layer output 20.')
    expect(dataModelMismatch(withOutputs(mlp, 3), { ...fashion, checkClassCount: false })).toBeUndefined()
  })

  it('reports a stack that cannot classify before any data question', () => {
    expect(dataModelMismatch({ ...mlp, layers: mlp.layers.slice(0, 1) }, fashion)?.message).toMatch(/not a vector of class scores|cannot classify|Linear/)
  })
})

describe('describeSource', () => {
  it('describes Fashion-MNIST and the toy set without reading a file', async () => {
    expect(await describeSource({ kind: 'fashion-mnist', dir: '/nowhere' }, cnn)).toMatchObject({ sampleShape: [1, 28, 28], resizable: false, checkClassCount: true })
    expect((await describeSource({ kind: 'fashion-mnist' }, cnn)).classNames).toHaveLength(10)
    expect(await describeSource({ kind: 'toy' }, toy)).toMatchObject({ sampleShape: [1, 4, 4], checkClassCount: false })
    expect(await describeSource({ kind: 'toy', images: [[[1, 2, 3]]], labels: [0] }, toy)).toMatchObject({ sampleShape: [1, 1, 3] })
  })

  it("lists an image folder's classes by name and takes the model's image size", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'convlab-describe-'))
    for (const cls of ['dog', 'cat', '.hidden']) {
      await mkdir(join(dir, cls))
      await writeFile(join(dir, cls, 'a.png'), 'x')
    }
    const facts = await describeSource({ kind: 'folder', dir }, { ...cnn, inputShape: [1, 32, 48] })
    expect(facts).toMatchObject({ classNames: ['cat', 'dog'], sampleShape: [1, 32, 48], resizable: true, checkClassCount: true })
    await expect(describeSource({ kind: 'folder', dir: join(dir, 'missing') }, cnn)).rejects.toThrow(/cannot be read as a folder/)
  })
})
