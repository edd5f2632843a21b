import { ref, type Ref } from 'vue'

export interface DropZone {
  /** True while something is dragged over the zone: the zone shows it takes drops. */
  over: Ref<boolean>
  /** For `v-on` on the zone's element, beside its own `@drop`, which says what a drop does. */
  listeners: { dragover: (event: DragEvent) => void; dragleave: (event: DragEvent) => void; drop: () => void }
}

/**
 * A drop zone's highlight. Its element carries `data-drop-zone`, so the window-wide overlay (which
 * opens Predict) leaves its drops alone.
 */
export function useDropZone(): DropZone {
  const over = ref(false)
  return {
    over,
    listeners: {
      // Cancelled, or the browser refuses the drop.
      dragover: (event) => {
        event.preventDefault()
        over.value = true
      },
      // Moving onto a child of the zone is still over it.
      dragleave: (event) => {
        if (!(event.currentTarget as Node).contains(event.relatedTarget as Node | null)) over.value = false
      },
      drop: () => {
        over.value = false
      }
    }
  }
}

/** The files picked in a file input, which is then emptied so that picking the same file again is a change too. */
export function takePickedFiles(event: Event): File[] {
  const input = event.target as HTMLInputElement
  const files = Array.from(input.files ?? [])
  input.value = ''
  return files
}
