/**
 * Deleted runs wait in <runsDir>/.trash/<id> so a delete can be undone; listRuns skips dot-folders,
 * so a trashed run is invisible until restored. A rename within one folder tree is atomic and
 * instant even for a run with a large model.
 */
import { mkdir, readdir, rename, rm, stat, utimes } from 'node:fs/promises'
import { join } from 'node:path'
import { RUN_FILE, RunError, runDir } from './run-store'

export const TRASH_DIR = '.trash'
/** How long a deleted run can still be restored; older ones go when the service starts. */
export const TRASH_KEEP_MS = 24 * 60 * 60 * 1000

const trashOf = (runsDir: string): string => join(runsDir, TRASH_DIR)

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false
  )
}

export async function trashRun(runsDir: string, id: string): Promise<void> {
  const from = runDir(runsDir, id)
  // Only run.json's presence: a run whose run.json is damaged can still be deleted.
  if (!(await exists(join(from, RUN_FILE)))) throw new RunError(`${from} is not a ConvLab run: it has no ${RUN_FILE}.`)
  const to = runDir(trashOf(runsDir), id)
  await mkdir(trashOf(runsDir), { recursive: true })
  // A run deleted, restored and deleted again leaves an older copy behind; the newest wins.
  await rm(to, { recursive: true, force: true })
  await rename(from, to)
  // The folder's age in the trash counts from the delete, not from when the run was trained.
  const now = new Date()
  await utimes(to, now, now)
}

export async function restoreRun(runsDir: string, id: string): Promise<string> {
  const from = runDir(trashOf(runsDir), id)
  if (!(await exists(from))) throw new RunError(`Run ${id} is not in the trash: it was never deleted or has been emptied.`)
  const to = runDir(runsDir, id)
  if (await exists(to)) throw new RunError(`A run ${id} already exists; the deleted copy stays in the trash.`)
  await rename(from, to)
  return to
}

/** Removes trashed runs deleted more than `keepMs` ago; returns how many went. */
export async function emptyTrash(runsDir: string, keepMs = TRASH_KEEP_MS, now = Date.now()): Promise<number> {
  const entries = await readdir(trashOf(runsDir), { withFileTypes: true }).catch(() => [])
  let removed = 0
  for (const entry of entries) {
    const path = join(trashOf(runsDir), entry.name)
    const info = await stat(path).catch(() => null)
    if (!info || now - info.mtimeMs <= keepMs) continue
    await rm(path, { recursive: true, force: true })
    removed++
  }
  return removed
}
