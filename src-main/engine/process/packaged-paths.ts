/**
 * Paths in a packaged app. electron-builder puts the app in resources/app.asar and the files
 * that must be real files on disk (the engine, its modules, wasm and native binaries) in
 * resources/app.asar.unpacked, at the same relative paths.
 */
import { sep } from 'node:path'

const ASAR = `${sep}app.asar${sep}`
const UNPACKED = `${sep}app.asar.unpacked${sep}`

/** The unpacked twin of a path inside app.asar; any other path unchanged. */
export function unpackedPath(path: string): string {
  const at = path.lastIndexOf(ASAR)
  return at < 0 ? path : path.slice(0, at) + UNPACKED + path.slice(at + ASAR.length)
}
