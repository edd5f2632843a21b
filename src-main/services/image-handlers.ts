/**
 * Image files from the renderer, decoded by the same pipeline the CLI uses (sharp, in the main
 * process), so a dropped file gets exactly the preprocessing and the error messages that
 * `lab predict` prints for it.
 */
import { DataError } from '../data/errors'
import { decodeImageToGrey } from '../data/images'
import type { DecodedImage } from '../shared/contract'
import type { LabHandlers } from './dispatch'

export type ImageHandlers = Pick<LabHandlers, 'images/decode'>

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

export function createImageHandlers(): ImageHandlers {
  return {
    async 'images/decode'({ files, width, height }) {
      const results: DecodedImage[] = []
      // One at a time: a batch of large photos decoded together would multiply peak memory.
      for (const { name, base64 } of files) {
        try {
          const grey = await decodeImageToGrey(Buffer.from(base64, 'base64'), name, { width, height })
          results.push({
            name,
            ok: true,
            image: { width: grey.width, height: grey.height, pixels: Array.from(grey.pixels) },
            preprocessing: grey.preprocessing,
            original: grey.original
          })
        } catch (err) {
          results.push({ name, ok: false, error: messageOf(err), ...(err instanceof DataError && err.image ? { fault: err.image } : {}) })
        }
      }
      return results
    }
  }
}
