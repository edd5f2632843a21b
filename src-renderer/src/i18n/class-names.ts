import { FASHION_MNIST_CLASSES } from '@shared/dataset'
import type { Locale } from './locale'

/** Fashion-MNIST's classes as the Chinese tutorial names them, in the dataset's label order. */
const FASHION_MNIST_ZH = ['T恤/上衣', '裤子', '套头衫', '连衣裙', '外套', '凉鞋', '衬衫', '运动鞋', '包', '短靴'] as const

const ZH_BY_ENGLISH = new Map<string, string>(FASHION_MNIST_CLASSES.map((name, i) => [name, FASHION_MNIST_ZH[i]]))

/**
 * A class name as shown in `locale`: Fashion-MNIST's classes in the reader's language, any other
 * name (a folder the user made) as it is, since it is the user's own word.
 */
export function localClassName(name: string, locale: Locale): string {
  return locale === 'zh-CN' ? (ZH_BY_ENGLISH.get(name) ?? name) : name
}

/** The dataset's English name for a hover title, when the shown name differs from it. */
export function classNameTitle(name: string, locale: Locale): string | undefined {
  return localClassName(name, locale) === name ? undefined : name
}
