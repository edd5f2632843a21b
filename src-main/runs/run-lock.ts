/**
 * Who is training a run right now. A run marked "running" whose process was killed stays so for
 * ever unless someone marks it interrupted, but a run another process (the app beside the CLI, or
 * a second CLI) is training must not be. So the training process keeps <run>/.lock holding its pid
 * and host, and touches it every HEARTBEAT_MS: the run is live while that pid exists and the lock
 * is fresh. The heartbeat covers what the pid cannot: a reused pid, and a run folder shared
 * between machines, where the other machine's pid means nothing here.
 */
import { hostname } from 'node:os'
import { join } from 'node:path'
import { readFile, rm, stat, utimes } from 'node:fs/promises'
import { z } from 'zod'
import { writeJsonAtomic } from './atomic-write'

export const LOCK_FILE = '.lock'
export const HEARTBEAT_MS = 10_000
/** Six missed heartbeats: a busy machine delays a timer by seconds, not by a minute. */
export const STALE_MS = 60_000

const Lock = z.object({ pid: z.number().int(), host: z.string(), startedAt: z.string() })
export type RunLock = z.infer<typeof Lock>

/** Marks `dir` as being trained by this process until the returned release is called. */
export async function holdRunLock(dir: string): Promise<() => Promise<void>> {
  const path = join(dir, LOCK_FILE)
  await writeJsonAtomic(path, { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() } satisfies RunLock)
  const timer = setInterval(() => {
    const now = new Date()
    void utimes(path, now, now).catch(() => undefined)
  }, HEARTBEAT_MS)
  // The heartbeat alone must not keep a finished CLI alive.
  timer.unref()
  return async () => {
    clearInterval(timer)
    await rm(path, { force: true })
  }
}

export interface LockState {
  live: boolean
  lock?: RunLock
}

/** Whether a live process holds the run's lock; `now` and `isAlive` are seams for tests. */
export async function runLockState(dir: string, now = Date.now(), isAlive: (pid: number) => boolean = pidAlive): Promise<LockState> {
  const path = join(dir, LOCK_FILE)
  let lock: RunLock
  let touched: number
  try {
    const parsed = Lock.safeParse(JSON.parse(await readFile(path, 'utf8')))
    if (!parsed.success) return { live: false }
    lock = parsed.data
    touched = (await stat(path)).mtimeMs
  } catch {
    return { live: false }
  }
  const fresh = now - touched < STALE_MS
  const live = fresh && (lock.host !== hostname() || isAlive(lock.pid))
  return { live, lock }
}

/** `kill(pid, 0)` checks without signalling; EPERM means the process exists under another user. */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}
