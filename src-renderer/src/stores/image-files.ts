/**
 * Turning the user's File objects into 'images/decode' calls, for the Predict and Shift stores:
 * size checks before any bytes move, base64 for JSON, and batches small enough for web mode.
 */
import { MAX_IMAGE_FILE_BYTES, type DecodedImage, type ImageFile } from '@shared/contract'
import { describeError, request } from '@renderer/api/client'
import { t } from '@renderer/i18n'

// Several small requests rather than one huge one: the web server caps a request at 72 MB and
// base64 grows files by a third.
const MAX_BATCH_BASE64_CHARS = 16 * 1024 * 1024
const MAX_BATCH_FILES = 64

/** The decoder's own wording for a file over the limit, so the message matches the CLI's. */
export function tooLargeMessage(name: string, bytes: number): string {
  return t('predict.tooLarge', { name, size: (bytes / 1e6).toFixed(1), max: MAX_IMAGE_FILE_BYTES / 1e6 })
}

export async function fileToBase64(file: Blob): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer())
  // A multiple of 3 bytes per chunk keeps each chunk's base64 free of padding, so chunks join.
  const chunk = 3 * 8192
  const parts: string[] = []
  for (let i = 0; i < bytes.length; i += chunk) {
    parts.push(btoa(String.fromCharCode(...bytes.subarray(i, i + chunk))))
  }
  return parts.join('')
}

/** The inverse of fileToBase64: a file the main process read (one the app was asked to open). */
export function imageFileToFile(image: ImageFile): File {
  const binary = atob(image.base64)
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return new File([bytes], image.name)
}

/** Decodes each file at the model's input size; one result per file, in order, never a throw. */
export async function decodeFiles(files: File[], size: { width: number; height: number }): Promise<DecodedImage[]> {
  const results = new Array<DecodedImage>(files.length)
  let batch: { index: number; name: string; base64: string }[] = []
  let batchChars = 0

  const flush = async (): Promise<void> => {
    if (!batch.length) return
    const sent = batch
    batch = []
    batchChars = 0
    try {
      const decoded = await request('images/decode', { files: sent.map(({ name, base64 }) => ({ name, base64 })), ...size })
      sent.forEach((f, i) => (results[f.index] = decoded[i]))
    } catch (err) {
      for (const f of sent) results[f.index] = { name: f.name, ok: false, error: `${f.name}: ${describeError(err)}` }
    }
  }

  for (const [index, file] of files.entries()) {
    if (file.size > MAX_IMAGE_FILE_BYTES) {
      results[index] = { name: file.name, ok: false, error: tooLargeMessage(file.name, file.size) }
      continue
    }
    const base64 = await fileToBase64(file)
    if (batch.length && (batchChars + base64.length > MAX_BATCH_BASE64_CHARS || batch.length >= MAX_BATCH_FILES)) await flush()
    batch.push({ index, name: file.name, base64 })
    batchChars += base64.length
  }
  await flush()
  return results
}

/** A model's input as [channels, height, width], as runs/get reports it; 28x28 grey otherwise. */
export function inputSizeOf(inputShape: readonly number[] | undefined): { width: number; height: number } {
  return inputShape?.length === 3 ? { width: inputShape[2], height: inputShape[1] } : { width: 28, height: 28 }
}
