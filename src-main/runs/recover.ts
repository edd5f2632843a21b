/**
 * Tidying after a process that was killed while training: its run still says "running" and the
 * temporary files of a write it was making are left beside the real ones. The app does this for
 * every run when it starts, the CLI for each run folder it opens. A run another live process is
 * training (run-lock.ts) is left alone, temporary files included: they may be mid-write.
 */
import { access, constants, readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { TEMP_FILE } from './atomic-write'
import { CHECKPOINT_DIR, CHECKPOINT_NEXT_DIR } from './checkpoint-info'
import { LOCK_FILE, runLockState } from './run-lock'
import { MODEL_DIR, RUN_FILE, readRunMeta, updateRunMeta } from './run-store'

export const INTERRUPTED_ERROR = 'Interrupted: the process training this run stopped (killed or crashed) before it finished.'

/** Errors that mean "this folder cannot be written", not "something broke". */
const READ_ONLY_CODES = new Set(['EACCES', 'EPERM', 'EROFS'])

export function isReadOnlyError(err: unknown): err is NodeJS.ErrnoException {
  return err instanceof Error && READ_ONLY_CODES.has((err as NodeJS.ErrnoException).code ?? '')
}

export interface RunRecovery {
  /** The run was marked running by a process that is gone; it is now failed, as interrupted. */
  interrupted: boolean
  /** Temporary files removed. */
  removed: number
  /** Another process is training it right now, so nothing was touched. */
  live: boolean
}

/** Tidies one run folder; throws when it cannot be written (see isReadOnlyError). */
export async function recoverRun(dir: string): Promise<RunRecovery> {
  if ((await runLockState(dir)).live) return { interrupted: false, removed: 0, live: true }
  const meta = await readRunMeta(dir).catch(() => undefined)
  let interrupted = false
  if (meta?.status === 'running') {
    await updateRunMeta(dir, { status: 'failed', error: INTERRUPTED_ERROR })
    interrupted = true
  }
  let removed = 0
  for (const folder of [dir, join(dir, MODEL_DIR), join(dir, CHECKPOINT_DIR), join(dir, CHECKPOINT_NEXT_DIR)]) {
    const names = await readdir(folder).catch((): string[] => [])
    for (const name of names.filter((n) => TEMP_FILE.test(n))) {
      await rm(join(folder, name), { force: true })
      removed++
    }
  }
  await rm(join(dir, LOCK_FILE), { force: true })
  return { interrupted, removed, live: false }
}

export interface RunsRecovery {
  interrupted: string[]
  removed: number
  /** Why the runs cannot be changed, when the folder is read-only; nothing was written then. */
  readOnly?: string
}

/** Tidies every run under `root`; a read-only folder is reported, never fatal. */
export async function recoverRuns(root: string): Promise<RunsRecovery> {
  const result: RunsRecovery = { interrupted: [], removed: 0 }
  const entries = await readdir(root, { withFileTypes: true }).catch(() => [])
  for (const entry of entries) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue
    const dir = join(root, entry.name)
    try {
      await access(join(dir, RUN_FILE))
      const r = await recoverRun(dir)
      if (r.interrupted) result.interrupted.push(entry.name)
      result.removed += r.removed
    } catch (err) {
      if (isReadOnlyError(err)) {
        result.readOnly = readOnlyReason(root, err)
        return result
      }
      // Not a run (no run.json) or a damaged one: listRuns reports it; nothing to tidy here.
    }
  }
  const writable = await access(root, constants.W_OK).then(
    () => undefined,
    (err: unknown) => err
  )
  if (writable && isReadOnlyError(writable)) result.readOnly = readOnlyReason(root, writable)
  return result
}

function readOnlyReason(root: string, err: NodeJS.ErrnoException): string {
  return `The runs folder ${root} cannot be written (${err.code}): runs are shown read-only, and training, renaming and deleting runs are off until it is writable.`
}
