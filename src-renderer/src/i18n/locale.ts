/** The interface languages ConvLab ships, in the order the language switch lists them. */
export const LOCALES = ['en', 'zh-CN'] as const
export type Locale = (typeof LOCALES)[number]

/** Each language named in itself, so a reader finds their own whatever the current language. */
export const LOCALE_NAMES: Record<Locale, string> = { en: 'English', 'zh-CN': '简体中文' }

export const LOCALE_STORAGE_KEY = 'convlab.locale'

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value)
}

/**
 * The first of the user's languages (BCP 47 tags, most preferred first) that ConvLab speaks.
 * Any Chinese tag picks zh-CN: it is the only Chinese the app has, and closer than English.
 */
export function pickLocale(languages: readonly string[]): Locale {
  for (const tag of languages) {
    const lower = tag.toLowerCase()
    if (lower === 'zh' || lower.startsWith('zh-') || lower.startsWith('zh_')) return 'zh-CN'
    if (lower === 'en' || lower.startsWith('en-') || lower.startsWith('en_')) return 'en'
  }
  return 'en'
}
