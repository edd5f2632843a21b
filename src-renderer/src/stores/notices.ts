import { acceptHMRUpdate, defineStore } from 'pinia'
import { ref } from 'vue'
import type { LabEventPayload } from '@shared/contract'
import { describeError, lab, request } from '@renderer/api/client'
import { t } from '@renderer/i18n'

export type NoticeLevel = LabEventPayload<'engine/notice'>['level']
export type NoticeAction = NonNullable<LabEventPayload<'engine/notice'>['action']>

export interface Notice {
  id: number
  level: NoticeLevel
  /** Main's English sentence, or the interface's own words for a notice it made. */
  message: string
  /** A notice from main: its cause, worded when shown, so it follows a switch of language. */
  code?: LabEventPayload<'engine/notice'>['code']
  params?: LabEventPayload<'engine/notice'>['params']
  /** A button offered beside the message. */
  action?: NoticeAction
}

/** Messages for the user that outlive the action that caused them: engine restarts, and
 * failures nobody else caught. */
export const useNoticeStore = defineStore('notices', () => {
  const notices = ref<Notice[]>([])
  let nextId = 1
  let unsubscribe: (() => void) | undefined

  const restarting = ref(false)

  function push(level: NoticeLevel, message: string, action?: NoticeAction, words: Pick<Notice, 'code' | 'params'> = {}): void {
    // The same engine warning repeated on every retry would bury everything else.
    if (notices.value.some((n) => n.level === level && n.message === message)) return
    notices.value.push({ id: nextId++, level, message, ...words, ...(action ? { action } : {}) })
  }

  /** The engine notice's button: a fresh engine process, then the notice has served its purpose. */
  async function restartEngine(id: number): Promise<void> {
    if (restarting.value) return
    restarting.value = true
    try {
      await request('engine/restart', {})
      dismiss(id)
    } catch (err) {
      push('error', t('shell.restartFailed', { error: describeError(err) }))
    } finally {
      restarting.value = false
    }
  }

  function dismiss(id: number): void {
    notices.value = notices.value.filter((n) => n.id !== id)
  }

  function listen(): void {
    unsubscribe ??= lab.on('engine/notice', (payload) =>
      push(payload.level, payload.message, payload.action, { ...(payload.code ? { code: payload.code, params: payload.params ?? {} } : {}) })
    )
  }

  function stop(): void {
    unsubscribe?.()
    unsubscribe = undefined
  }

  return { notices, restarting, push, dismiss, restartEngine, listen, stop }
})

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useNoticeStore, import.meta.hot))
