/**
 * Dropping a finished run's checkpoint/ (its weights and optimizer state, ~10 MB for seed-cnn with
 * Adam) to free the disk: the trained model in model/ stays, and the run can still be continued,
 * though only with a fresh optimizer (runs/resume-plan.ts). Only a completed run's: a stopped run's
 * checkpoint is what resumes it, and a run in training rewrites its checkpoint every epoch.
 */
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { CHECKPOINT_DIR, CHECKPOINT_NEXT_DIR, folderBytes } from './checkpoint-info'
import { holdRunLock, runLockState } from './run-lock'
import { readRunMeta } from './run-store'

/** Why a checkpoint was kept, as a code the interface words and a sentence the CLI prints. */
export class CheckpointKept extends Error {
  override name = 'CheckpointKept'
  constructor(
    readonly problem: 'training' | 'notCompleted',
    message: string
  ) {
    super(message)
  }
}

/** Removes the run's checkpoint (and a half-swapped checkpoint.next/); returns the bytes freed, 0 when there was none. */
export async function dropCheckpoint(runDir: string, runId: string): Promise<{ freedBytes: number }> {
  if ((await runLockState(runDir)).live) throw new CheckpointKept('training', `Run ${runId} is training: its checkpoint is rewritten every epoch, so it is kept.`)
  const { status } = await readRunMeta(runDir)
  if (status !== 'completed') {
    throw new CheckpointKept(
      'notCompleted',
      `Run ${runId} is ${status}, not completed: its checkpoint is what resumes it, so it is kept (delete the run if you no longer need it).`
    )
  }
  // Held while removing: another process then sees the run as in training and starts no continue from a half-removed checkpoint.
  const release = await holdRunLock(runDir)
  try {
    let freedBytes = 0
    for (const name of [CHECKPOINT_DIR, CHECKPOINT_NEXT_DIR]) {
      const dir = join(runDir, name)
      freedBytes += await folderBytes(dir)
      await rm(dir, { recursive: true, force: true })
    }
    return { freedBytes }
  } finally {
    await release()
  }
}
