import { ref, type Ref } from 'vue'

export interface DropZone {
  /** True while something is dragged over the zone: the zone shows it takes drops. */
  over: Ref<boolean>
  /** For `v-bind` on the zone's element: the `data-drop-zone` mark and the drag listeners. */
  zone: {
    'data-drop-zone': ''
    onDragover: (event: DragEvent) => void
    onDragleave: (event: DragEvent) => void
    onDrop: (event: DragEvent) => void
  }
}

/**
 * A drop zone that keeps its drops: its element is marked `data-drop-zone` and each drop is
 * cancelled before `take` sees it, so the window-wide overlay (which opens Predict) leaves it
 * alone. A drop that a zone inside this one already took is left to that one.
 */
export function useDropZone(take: (event: DragEvent) => void): DropZone {
  const over = ref(false)
  return {
    over,
    zone: {
      'data-drop-zone': '',
      // Cancelled, or the browser refuses the drop.
      onDragover: (event) => {
        event.preventDefault()
        over.value = true
      },
      // Moving onto a child of the zone is still over it.
      onDragleave: (event) => {
        if (!(event.currentTarget as Node).contains(event.relatedTarget as Node | null)) over.value = false
      },
      onDrop: (event) => {
        over.value = false
        if (event.defaultPrevented) return
        event.preventDefault()
        take(event)
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
