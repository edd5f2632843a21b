/**
 * Shape limits on a call's payload, applied before it is parsed or validated. Without them one
 * request stalled the whole server for 12-16 s: a 50 MB body of nested brackets went through
 * JSON.parse, and 4 million unknown keys through zod, which answered with a 110 MB error naming
 * every key. No contract input comes near: the deepest (a toy data set inside train/start) is
 * 6 levels, the most keys (256 images of 3) under a thousand.
 */
export const MAX_PAYLOAD_DEPTH = 32
export const MAX_PAYLOAD_KEYS = 10_000

const depthProblem = `The payload is nested deeper than ${MAX_PAYLOAD_DEPTH} levels.`
const keysProblem = `The payload has more than ${MAX_PAYLOAD_KEYS} object keys.`

const QUOTE = 0x22
const BACKSLASH = 0x5c
const OPENERS = new Set([0x7b, 0x5b])
const CLOSERS = new Set([0x7d, 0x5d])
const COLON = 0x3a

/**
 * Watches JSON text as it streams in, chunk by chunk, so a body over the limits is refused at
 * the byte that crosses them instead of after it has all arrived and been parsed. Counts brackets
 * and key colons outside strings; it does not validate the JSON (JSON.parse does that later).
 * Byte-wise is safe for UTF-8: no byte of a multi-byte character is an ASCII one.
 */
export class JsonShapeGuard {
  private depth = 0
  private keys = 0
  private inString = false
  private escaped = false

  /** The first limit this chunk crosses, if any; the guard is spent once it reports one. */
  feed(chunk: Buffer): string | undefined {
    let i = 0
    while (i < chunk.length) {
      if (this.inString) {
        if (this.escaped) {
          this.escaped = false
          i++
          continue
        }
        // Strings (base64 files) are most of a large body: skip to the next quote or backslash natively.
        const quote = chunk.indexOf(QUOTE, i)
        const slash = chunk.indexOf(BACKSLASH, i)
        if (quote < 0 && slash < 0) return undefined
        if (slash >= 0 && (quote < 0 || slash < quote)) {
          this.escaped = true
          i = slash + 1
        } else {
          this.inString = false
          i = quote + 1
        }
        continue
      }
      const c = chunk[i++]
      if (c === QUOTE) this.inString = true
      else if (OPENERS.has(c)) {
        if (++this.depth > MAX_PAYLOAD_DEPTH) return depthProblem
      } else if (CLOSERS.has(c)) this.depth--
      else if (c === COLON && ++this.keys > MAX_PAYLOAD_KEYS) return keysProblem
    }
    return undefined
  }
}

/** The same limits on a payload that arrived already parsed (Electron IPC's structured clone). */
export function payloadShapeProblem(payload: unknown): string | undefined {
  let keys = 0
  const stack: { value: unknown; depth: number }[] = [{ value: payload, depth: 0 }]
  while (stack.length) {
    const { value, depth } = stack.pop()!
    if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value)) continue
    if (depth + 1 > MAX_PAYLOAD_DEPTH) return depthProblem
    const push = (child: unknown): void => {
      if (typeof child === 'object' && child !== null) stack.push({ value: child, depth: depth + 1 })
    }
    if (Array.isArray(value)) {
      for (const child of value) push(child)
      continue
    }
    // Counted one by one: the count must stop at the limit, not list 4 million keys first.
    for (const key in value) {
      if (!Object.prototype.hasOwnProperty.call(value, key)) continue
      if (++keys > MAX_PAYLOAD_KEYS) return keysProblem
      push((value as Record<string, unknown>)[key])
    }
  }
  return undefined
}
