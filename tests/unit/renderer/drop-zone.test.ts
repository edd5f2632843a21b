import { describe, expect, it } from 'vitest'
import { useDropZone } from '../../../src-renderer/src/composables/useDropZone'

/** The part of a DragEvent a zone reads: Node has no DragEvent, and a zone needs no more. */
function dropEvent(defaultPrevented = false): DragEvent & { cancelled: boolean } {
  const event = {
    defaultPrevented,
    cancelled: false,
    preventDefault() {
      event.cancelled = true
      event.defaultPrevented = true
    }
  }
  return event as unknown as DragEvent & { cancelled: boolean }
}

describe('a drop zone', () => {
  it('is marked for the window-wide overlay, and cancels a drop before handing it on', () => {
    const taken: DragEvent[] = []
    const { zone } = useDropZone((event) => taken.push(event))
    expect(zone['data-drop-zone']).toBe('')
    const event = dropEvent()
    zone.onDrop(event)
    expect(event.cancelled).toBe(true)
    expect(taken).toEqual([event])
  })

  it('leaves a drop that a zone inside it already took', () => {
    const taken: DragEvent[] = []
    const { zone } = useDropZone((event) => taken.push(event))
    zone.onDrop(dropEvent(true))
    expect(taken).toEqual([])
  })

  it('shows it takes drops while one is dragged over it, and not once it lands', () => {
    const { over, zone } = useDropZone(() => undefined)
    const event = dropEvent()
    zone.onDragover(event)
    expect(event.cancelled).toBe(true)
    expect(over.value).toBe(true)
    zone.onDrop(dropEvent(true))
    expect(over.value).toBe(false)
  })
})
