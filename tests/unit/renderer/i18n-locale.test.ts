import { describe, expect, it } from 'vitest'
import { i18n } from '../../../src-renderer/src/i18n'
import { pickLocale } from '../../../src-renderer/src/i18n/locale'
import { createFormatters } from '../../../src-renderer/src/i18n/format'
import { classNameTitle, localClassName } from '../../../src-renderer/src/i18n/class-names'

describe('the first language', () => {
  it('is the first of the system languages ConvLab speaks', () => {
    expect(pickLocale(['zh-CN', 'en-US'])).toBe('zh-CN')
    expect(pickLocale(['zh-Hans-CN'])).toBe('zh-CN')
    expect(pickLocale(['zh_TW'])).toBe('zh-CN')
    expect(pickLocale(['fr-FR', 'zh', 'en'])).toBe('zh-CN')
    expect(pickLocale(['en-GB', 'zh-CN'])).toBe('en')
  })

  it('is English when none is spoken or none is given', () => {
    expect(pickLocale(['fr-FR', 'de'])).toBe('en')
    expect(pickLocale([])).toBe('en')
  })
})

describe('locale formats', () => {
  it('writes numbers, percentages and dates the locale way', () => {
    const en = createFormatters('en')
    const zh = createFormatters('zh-CN')
    expect(en.int(896522)).toBe('896,522')
    expect(en.percent(0.8201)).toBe('82.0%')
    expect(zh.percent(0.8201, 2)).toBe('82.01%')
    expect(zh.compact(1_200_000)).toBe('120万')
    expect(zh.date('2026-11-28T11:53:00')).toMatch(/2026年11月28日/)
  })
})

describe('Fashion-MNIST class names', () => {
  it("are the tutorial's Chinese names in zh-CN, with the English for the hover", () => {
    expect(localClassName('T-shirt/top', 'zh-CN')).toBe('T恤/上衣')
    expect(localClassName('Ankle boot', 'zh-CN')).toBe('短靴')
    expect(classNameTitle('Pullover', 'zh-CN')).toBe('Pullover')
    expect(localClassName('Pullover', 'en')).toBe('Pullover')
    expect(classNameTitle('Pullover', 'en')).toBeUndefined()
  })

  it("leave a user's own folder names as they are", () => {
    expect(localClassName('cats', 'zh-CN')).toBe('cats')
    expect(classNameTitle('cats', 'zh-CN')).toBeUndefined()
  })
})

describe('counted words', () => {
  it('say "epoch" for one and "epochs" for more on the Continue button', () => {
    const { t } = i18n.global
    i18n.global.locale.value = 'en'
    expect(t('train.trainOn.continue', { n: 1 }, 1)).toBe('Continue 1 epoch')
    expect(t('train.trainOn.continue', { n: 3 }, 3)).toBe('Continue 3 epochs')
  })
})
