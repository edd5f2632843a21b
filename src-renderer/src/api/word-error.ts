import type { LabErrorInfo } from '@shared/contract'
import { currentLocale, i18n, t } from '@renderer/i18n'
import { flatStackProblemText } from '@renderer/i18n/words'

/**
 * A main-side error in the interface's language. English keeps the server's own sentence, the
 * most specific there is; other languages word the error's reason, else its code, and fall back
 * to the server's sentence only for a code this version of the interface does not know.
 */
export function wordError(info: LabErrorInfo): string {
  if (currentLocale() === 'en') return info.message
  const te = i18n.global.te
  const stack = info.reason === 'stack' ? flatStackProblemText(info.params ?? {}) : undefined
  if (stack) return stack
  if (info.reason && te(`errors.reasons.${info.reason}`)) return t(`errors.reasons.${info.reason}`, info.params ?? {})
  if (te(`errors.codes.${info.code}`)) return t(`errors.codes.${info.code}`)
  return info.message
}
