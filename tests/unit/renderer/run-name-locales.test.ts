/** The interface's default run names carry an epoch part the main side can find and count on (shared/run-name.ts). */
import { describe, expect, it } from 'vitest'
import { nameWithEpochs } from '../../../src-main/shared/run-name'
import { en } from '../../../src-renderer/src/i18n/locales/en'
import { zhCN } from '../../../src-renderer/src/i18n/locales/zh-CN'

describe('train.runLabel.epochs', () => {
  it.each([
    ['en', en],
    ['zh-CN', zhCN]
  ])("is an epoch part continuing a run can change, in %s", (_, locale) => {
    const label = (n: number): string => locale.train.runLabel.epochs.replace('{n}', String(n))
    expect(nameWithEpochs(`seed-cnn · Fashion-MNIST · ${label(2)} · x`, 7)).toBe(`seed-cnn · Fashion-MNIST · ${label(7)} · x`)
  })
})
