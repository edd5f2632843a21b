import { onBeforeUnmount, onMounted, type Ref } from 'vue'

/**
 * Closes a <details> popover on Escape or on a click outside it, as menus do; the element
 * alone only closes when its summary is clicked again.
 */
export function useDisclosure(details: Ref<HTMLDetailsElement | undefined>): void {
  const onPointer = (event: MouseEvent): void => {
    const el = details.value
    if (el?.open && !el.contains(event.target as Node)) el.open = false
  }
  const onKey = (event: KeyboardEvent): void => {
    const el = details.value
    if (event.key !== 'Escape' || !el?.open) return
    el.open = false
    el.querySelector('summary')?.focus()
  }
  onMounted(() => {
    document.addEventListener('click', onPointer)
    document.addEventListener('keydown', onKey)
  })
  onBeforeUnmount(() => {
    document.removeEventListener('click', onPointer)
    document.removeEventListener('keydown', onKey)
  })
}
