/**
 * Which epoch a run's checkpoint holds, read without tfjs: the main process decides from it whether
 * a run can be resumed or continued; the engine writes and reads the weights (engine/train/checkpoint.ts).
 */
import { readFile, readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { z } from 'zod'

/** The weights and optimizer state at the end of the last completed epoch. */
export const CHECKPOINT_DIR = 'checkpoint'
/** The next epoch's checkpoint while it is written; swapped in whole (rm + rename). */
export const CHECKPOINT_NEXT_DIR = 'checkpoint.next'
export const CHECKPOINT_JSON = 'checkpoint.json'
export const OPTIMIZER_JSON = 'optimizer.json'

export const CheckpointInfo = z.object({
  epoch: z.number().int().min(1),
  seed: z.number().int().min(0),
  /** Why the optimizer state is absent, when it is (its moments were split over threads). */
  optimizerMissing: z.string().optional()
})
export type CheckpointInfo = z.infer<typeof CheckpointInfo>

export interface FoundCheckpoint {
  dir: string
  info: CheckpointInfo
  hasOptimizer: boolean
}

const exists = (path: string): Promise<boolean> => stat(path).then(() => true, () => false)

/** A run's whole checkpoint: checkpoint/, or checkpoint.next/ when a kill cut its swap short; undefined if none. */
export async function findCheckpoint(runDir: string): Promise<FoundCheckpoint | undefined> {
  for (const name of [CHECKPOINT_DIR, CHECKPOINT_NEXT_DIR]) {
    const dir = join(runDir, name)
    const text = await readFile(join(dir, CHECKPOINT_JSON), 'utf8').catch(() => undefined)
    if (text === undefined) continue
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch {
      continue
    }
    const info = CheckpointInfo.safeParse(parsed)
    if (info.success) return { dir, info: info.data, hasOptimizer: await exists(join(dir, OPTIMIZER_JSON)) }
  }
  return undefined
}

/** Bytes of the files in `dir` and below; 0 when it does not exist. */
export async function folderBytes(dir: string): Promise<number> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => [])
  let total = 0
  for (const entry of entries) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) total += await folderBytes(path)
    else total += (await stat(path).catch(() => undefined))?.size ?? 0
  }
  return total
}
