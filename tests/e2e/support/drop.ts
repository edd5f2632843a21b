// The page.evaluate callback runs in Chromium and uses its DOM types.
/// <reference lib="dom" />
import type { Page } from 'playwright-core'

export interface DroppedFile {
  name: string
  type: string
  bytes: Uint8Array
}

/** Drops files on `selector` the way a file manager does: a DataTransfer built in the page, then `dragover` and `drop`. */
export async function dropFiles(page: Page, selector: string, files: DroppedFile[]): Promise<void> {
  const payload = files.map((f) => ({ name: f.name, type: f.type, base64: Buffer.from(f.bytes).toString('base64') }))
  await page.evaluate(
    ({ selector, payload }) => {
      const transfer = new DataTransfer()
      for (const f of payload) {
        const bytes = Uint8Array.from(atob(f.base64), (ch) => ch.charCodeAt(0))
        transfer.items.add(new File([bytes], f.name, { type: f.type }))
      }
      const target = document.querySelector(selector)!
      target.dispatchEvent(new DragEvent('dragover', { bubbles: true, cancelable: true, dataTransfer: transfer }))
      target.dispatchEvent(new DragEvent('drop', { bubbles: true, cancelable: true, dataTransfer: transfer }))
    },
    { selector, payload }
  )
}
