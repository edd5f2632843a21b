import { randomBytes } from 'node:crypto'
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises'
import { dirname, join, basename } from 'node:path'

/** The temporary siblings writeFileAtomic makes; one left behind is a write cut short by a kill. */
export const TEMP_FILE = /^\..+\.[0-9a-f]{12}\.tmp$/

/**
 * Writes a file so that readers see either the old content or the whole new content, never a
 * half-written file: write to a temporary sibling, fsync it, rename over the target, then fsync
 * the directory so the rename itself survives a power cut.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const dir = dirname(path)
  await mkdir(dir, { recursive: true })
  const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`)
  try {
    const handle = await open(tmp, 'w')
    try {
      await handle.writeFile(data)
      await handle.sync()
    } finally {
      await handle.close()
    }
    await rename(tmp, path)
  } catch (err) {
    await rm(tmp, { force: true })
    throw err
  }
  await syncDir(dir)
}

/**
 * Removes the temporary files of writes cut short in `dir` (a killed import or save). Only ones
 * older than `minAgeMs`: a write lasts milliseconds, so a younger one may be another process's
 * write in progress, whose rename would then fail. Returns how many went.
 */
export async function removeStaleTemporaries(dir: string, minAgeMs = 60_000, now = Date.now()): Promise<number> {
  let removed = 0
  for (const name of (await readdir(dir).catch((): string[] => [])).filter((n) => TEMP_FILE.test(n))) {
    const path = join(dir, name)
    const info = await stat(path).catch(() => undefined)
    if (!info || now - info.mtimeMs < minAgeMs) continue
    await rm(path, { force: true })
    removed++
  }
  return removed
}

export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n')
}

async function syncDir(dir: string): Promise<void> {
  // Directory fsync is not supported on every platform (Windows); the rename is still atomic there.
  try {
    const handle = await open(dir, 'r')
    try {
      await handle.sync()
    } finally {
      await handle.close()
    }
  } catch {
    return
  }
}
