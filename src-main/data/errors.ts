/**
 * One error type for everything the data layer rejects, so callers (IPC handlers, the CLI) can tell
 * "the user's file or folder is wrong" (show the message as is) from a programming error.
 */

export type DataErrorKind = 'not-found' | 'invalid' | 'too-large' | 'unsupported'

/** Why an image was refused, as a code and its values, for the interface to word (shared/contract.ts IMAGE_FAULTS). */
export interface ImageFault {
  code: 'empty' | 'tooManyBytes' | 'tooManyPixels' | 'unsupported' | 'undecodable'
  params: Record<string, string | number>
}

export class DataError extends Error {
  override readonly name = 'DataError'
  readonly kind: DataErrorKind
  /** Steps the user can take, e.g. how to install Fashion-MNIST; shown under the message. */
  readonly help?: string
  /** Set for an image the decoder refused. */
  readonly image?: ImageFault

  constructor(message: string, opts: { kind?: DataErrorKind; help?: string; cause?: unknown; image?: ImageFault } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause })
    this.kind = opts.kind ?? 'invalid'
    if (opts.help !== undefined) this.help = opts.help
    if (opts.image !== undefined) this.image = opts.image
  }
}

function hex(bytes: Uint8Array, count: number): string {
  return Array.from(bytes.subarray(0, count), (b) => b.toString(16).toUpperCase().padStart(2, '0')).join(' ')
}

function startsWith(bytes: Uint8Array, signature: readonly number[], at = 0): boolean {
  return bytes.length >= at + signature.length && signature.every((b, i) => bytes[at + i] === b)
}

function ascii(bytes: Uint8Array, from: number, to: number): string {
  return String.fromCharCode(...bytes.subarray(from, to))
}

export type SniffedFormat = 'png' | 'jpeg' | 'gif' | 'webp' | 'tiff' | 'bmp'

/** Image formats identified by their leading bytes, never by the file name, which users rename. */
export function sniffImage(bytes: Uint8Array): SniffedFormat | undefined {
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png'
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'jpeg'
  if (startsWith(bytes, [0x47, 0x49, 0x46, 0x38])) return 'gif'
  if (startsWith(bytes, [0x52, 0x49, 0x46, 0x46]) && ascii(bytes, 8, 12) === 'WEBP') return 'webp'
  if (startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a])) return 'tiff'
  if (startsWith(bytes, [0x42, 0x4d]) && bytes.length >= 26) return 'bmp'
  return undefined
}

const IMAGE_NAMES: Record<SniffedFormat, string> = {
  png: 'a PNG image',
  jpeg: 'a JPEG image',
  gif: 'a GIF image',
  webp: 'a WebP image',
  tiff: 'a TIFF image',
  bmp: 'a BMP image'
}

function looksLikeText(bytes: Uint8Array): boolean {
  const head = bytes.subarray(0, 512)
  if (head.length === 0) return false
  let printable = 0
  for (const b of head) {
    if (b === 0) return false
    if (b >= 0x20 || b === 0x09 || b === 0x0a || b === 0x0d) printable++
  }
  return printable / head.length > 0.95
}

/** A guess at what a file really is, for messages like "... (starts with 89 50 4E 47, a PNG image?)". */
export function describeSignature(bytes: Uint8Array): string {
  const start = bytes.length === 0 ? 'is empty' : `starts with ${hex(bytes, 4)}`
  const image = sniffImage(bytes)
  let guess: string | undefined
  if (image) guess = IMAGE_NAMES[image]
  else if (startsWith(bytes, [0x1f, 0x8b])) guess = 'gzip-compressed data'
  else if (startsWith(bytes, [0x50, 0x4b, 0x03, 0x04]) || startsWith(bytes, [0x50, 0x4b, 0x05, 0x06]))
    guess = 'a ZIP archive; extract it first'
  else if (startsWith(bytes, [0x25, 0x50, 0x44, 0x46])) guess = 'a PDF document'
  else if (looksLikeText(bytes)) {
    const text = ascii(bytes, 0, Math.min(bytes.length, 64)).trimStart().toLowerCase()
    if (text.startsWith('<!doctype html') || text.startsWith('<html')) guess = 'an HTML page, perhaps a failed download'
    else if (text.startsWith('version https://git-lfs')) guess = 'a Git LFS pointer, not the real file'
    else guess = 'a text file'
  }
  return guess ? `${start}, ${guess}?` : start
}
