import { describe, expect, it } from 'vitest'
import { TrainConfig } from '../../src-main/shared/contract'
import { dataSourceName, nameWithEpochs, runName } from '../../src-main/shared/run-name'

const config = (input: Partial<TrainConfig> = {}): TrainConfig => TrainConfig.parse(input)

describe('runName', () => {
  it('names the model, the data and the epochs', () => {
    expect(runName('seed-mlp', { kind: 'fashion-mnist' }, config())).toBe('seed-mlp · Fashion-MNIST · 5 ep')
    expect(runName('seed-toy', { kind: 'toy' }, config({ epochs: 1 }))).toBe('seed-toy · toy set · 1 ep')
  })

  it('tells apart runs that differ only in image count, epochs or augmentation', () => {
    const names = [
      runName('seed-cnn', { kind: 'fashion-mnist' }, config()),
      runName('seed-cnn', { kind: 'fashion-mnist' }, config({ epochs: 10 })),
      runName('seed-cnn', { kind: 'fashion-mnist' }, config({ limit: 2000 })),
      runName('seed-cnn', { kind: 'fashion-mnist' }, config({ augment: { maxShift: 3, axes: 'xy', mode: 'roll' } })),
      runName('seed-cnn', { kind: 'fashion-mnist' }, config({ augment: { maxShift: 3, axes: 'xy', mode: 'zero' } })),
      runName('seed-cnn', { kind: 'fashion-mnist' }, config({ augment: { maxShift: 3, axes: 'x', mode: 'roll' } }))
    ]
    expect(new Set(names).size).toBe(names.length)
    expect(names[2]).toBe('seed-cnn · Fashion-MNIST · 2000 images · 5 ep')
    expect(names[4]).toBe('seed-cnn · Fashion-MNIST · 5 ep · shifts ±3 px xy zero-filled')
  })

  it('leaves out a zero shift, which trains on the images as they are', () => {
    expect(runName('seed-cnn', { kind: 'fashion-mnist' }, config({ augment: { maxShift: 0, axes: 'xy', mode: 'roll' } }))).toBe('seed-cnn · Fashion-MNIST · 5 ep')
  })

  it("names a folder by its last part, on either platform's separators", () => {
    expect(dataSourceName({ kind: 'folder', dir: '/home/me/pictures/cats-dogs/' })).toBe('folder cats-dogs')
    expect(dataSourceName({ kind: 'folder', dir: 'C:\\data\\leaves' })).toBe('folder leaves')
    expect(runName('small', { kind: 'folder', dir: '/srv/x' }, config({ limit: 1 }))).toBe('small · folder x · 1 image · 5 ep')
  })
})

describe('nameWithEpochs', () => {
  it('changes only the epoch count of a default name, wherever the part stands', () => {
    expect(nameWithEpochs('seed-cnn · Fashion-MNIST · 600 images · 1 ep', 3)).toBe('seed-cnn · Fashion-MNIST · 600 images · 3 ep')
    expect(nameWithEpochs('seed-cnn · Fashion-MNIST · 12 ep · shifts ±3 px xy · seed 2', 14)).toBe('seed-cnn · Fashion-MNIST · 14 ep · shifts ±3 px xy · seed 2')
  })

  it('leaves alone a name with no epoch part or with more than one', () => {
    expect(nameWithEpochs('my net', 3)).toBeUndefined()
    expect(nameWithEpochs('a · 1 ep · 2 ep', 3)).toBeUndefined()
    expect(nameWithEpochs('keep 1 ep going', 3)).toBeUndefined()
  })
})
