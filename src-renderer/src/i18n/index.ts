/**
 * The interface language: vue-i18n in composition mode, one message tree per locale, the user's
 * choice remembered in localStorage and reflected in <html lang>.
 */
import { computed, watch } from 'vue'
import { createI18n, useI18n } from 'vue-i18n'
import { en, type Messages } from './locales/en'
import { zhCN } from './locales/zh-CN'
import { createFormatters, type Formatters } from './format'
import { classNameTitle, localClassName } from './class-names'
import { isLocale, LOCALE_STORAGE_KEY, pickLocale, type Locale } from './locale'

export { LOCALES, LOCALE_NAMES, pickLocale, type Locale } from './locale'

export const i18n = createI18n<[Messages], Locale, false>({
  legacy: false,
  locale: 'en',
  fallbackLocale: 'en',
  messages: { en, 'zh-CN': zhCN },
  // Messages come from our own files only; no user text is ever compiled as a message.
  warnHtmlMessage: false
})

/** The current interface language. */
export function currentLocale(): Locale {
  return i18n.global.locale.value
}

/** Translates outside components (stores, the error handler), in the current language. */
export const t = i18n.global.t

export function setLocale(locale: Locale): void {
  i18n.global.locale.value = locale
  try {
    localStorage.setItem(LOCALE_STORAGE_KEY, locale)
  } catch {
    // Storage can be disabled; the choice then lasts for this window only.
  }
}

function storedLocale(): Locale | undefined {
  try {
    const value = localStorage.getItem(LOCALE_STORAGE_KEY)
    return isLocale(value) ? value : undefined
  } catch {
    return undefined
  }
}

/**
 * The language of this start: the one the user chose, else the first of the system's languages
 * ConvLab speaks. `systemLanguages` is Electron's getPreferredSystemLanguages() in the app;
 * web mode has only the browser's navigator.languages.
 */
export function startLocale(systemLanguages: readonly string[] | undefined): Locale {
  return storedLocale() ?? pickLocale(systemLanguages && systemLanguages.length > 0 ? systemLanguages : navigator.languages)
}

/** Keeps <html lang> equal to the interface language, so screen readers and fonts follow it. */
export function followLocaleInDocument(): void {
  watch(
    i18n.global.locale,
    (locale) => {
      document.documentElement.lang = locale
    },
    { immediate: true }
  )
}

const formattersByLocale = new Map<Locale, Formatters>()
/** The current language's formatters, for stores and plain functions. */
export function formatters(): Formatters {
  const locale = currentLocale()
  let f = formattersByLocale.get(locale)
  if (!f) formattersByLocale.set(locale, (f = createFormatters(locale)))
  return f
}

/** What a component needs to speak the current language: `t`, Intl formatters and class names. */
export function useLocale() {
  const { t: tr, locale } = useI18n<{ message: Messages }, Locale>()
  const fmt = computed(() => {
    void locale.value
    return formatters()
  })
  return {
    t: tr,
    locale,
    fmt,
    className: (name: string): string => localClassName(name, locale.value),
    classTitle: (name: string): string | undefined => classNameTitle(name, locale.value)
  }
}
