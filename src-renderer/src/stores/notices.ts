import { acceptHMRUpdate, defineStore } from 'pinia'
import { ref } from 'vue'
import type { LabEventPayload } from '@shared/contract'
import { lab } from '@renderer/api/client'

export type NoticeLevel = LabEventPayload<'engine/notice'>['level']

export interface Notice {
  id: number
  level: NoticeLevel
  message: string
}

/** Messages for the user that outlive the action that caused them: engine restarts, and
 * failures nobody else caught. */
export const useNoticeStore = defineStore('notices', () => {
  const notices = ref<Notice[]>([])
  let nextId = 1
  let unsubscribe: (() => void) | undefined

  function push(level: NoticeLevel, message: string): void {
    // The same engine warning repeated on every retry would bury everything else.
    if (notices.value.some((n) => n.level === level && n.message === message)) return
    notices.value.push({ id: nextId++, level, message })
  }

  function dismiss(id: number): void {
    notices.value = notices.value.filter((n) => n.id !== id)
  }

  function listen(): void {
    unsubscribe ??= lab.on('engine/notice', (payload) => push(payload.level, payload.message))
  }

  function stop(): void {
    unsubscribe?.()
    unsubscribe = undefined
  }

  return { notices, push, dismiss, listen, stop }
})

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useNoticeStore, import.meta.hot))
