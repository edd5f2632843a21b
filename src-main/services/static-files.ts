/**
 * Finding a file of the built renderer for a URL path, shared by the web server (`GET /*`) and
 * the desktop app's `app://convlab/` protocol, so both refuse the same tricks: `..` segments in
 * any encoding, NUL bytes, backslashes (a separator on Windows), and symlinks leading out of the
 * folder.
 */
import { realpath, stat } from 'node:fs/promises'
import { extname, resolve, sep } from 'node:path'

export const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm'
}

export function contentTypeOf(file: string): string {
  return CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream'
}

/** Where a URL path points under root, before looking at the disk. */
export type StaticTarget =
  | { kind: 'path'; path: string; routeLike: boolean }
  | { kind: 'malformed' }
  | { kind: 'outside' }

/**
 * Maps a URL's pathname (still percent-encoded, as `new URL(...).pathname` gives it) to a path
 * under root. `/` is index.html; a path without an extension is "route-like" (a client-side
 * route, answered with index.html when no such file exists).
 */
export function staticTarget(root: string, pathname: string): StaticTarget {
  let decoded: string
  try {
    decoded = decodeURIComponent(pathname)
  } catch {
    return { kind: 'malformed' }
  }
  if (decoded.includes('\0')) return { kind: 'malformed' }
  // URL parsers normalise a literal `/../` away, but `%2e%2e` and `..%2f` arrive decoded here.
  if (decoded.includes('\\') || decoded.split('/').some((segment) => segment === '..')) return { kind: 'outside' }
  const base = resolve(root)
  const path = resolve(base, `.${decoded.startsWith('/') ? decoded : `/${decoded}`}`)
  if (path !== base && !path.startsWith(base + sep)) return { kind: 'outside' }
  return { kind: 'path', path: path === base ? resolve(base, 'index.html') : path, routeLike: extname(decoded) === '' }
}

/** The file to send for a URL path: an existing regular file really under root (symlinks
 * resolved), index.html for a route-like miss, else undefined (404). Malformed paths throw. */
export async function findStaticFile(root: string, pathname: string): Promise<string | undefined> {
  const target = staticTarget(root, pathname)
  if (target.kind === 'malformed') throw new MalformedPathError()
  if (target.kind === 'outside') return undefined
  const base = resolve(root)
  const found = await regularFileUnder(target.path, base)
  if (found || !target.routeLike) return found
  return regularFileUnder(resolve(base, 'index.html'), base)
}

export class MalformedPathError extends Error {
  constructor() {
    super('Malformed URL.')
  }
}

async function regularFileUnder(path: string, base: string): Promise<string | undefined> {
  try {
    const [real, realBase, info] = await Promise.all([realpath(path), realpath(base), stat(path)])
    if (!info.isFile() || !real.startsWith(realBase + sep)) return undefined
    return real
  } catch {
    return undefined
  }
}
