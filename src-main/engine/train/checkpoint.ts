/**
 * A run's state at the end of its last completed epoch, what resume and continue start from:
 *   checkpoint/model.json + weights.bin   the weights, in tfjs's layers format (model-io.ts)
 *   checkpoint/optimizer.json             the optimizer's kind, step count and moment layout
 *   checkpoint/optimizer.bin              the moments as float32, little-endian: every variable's
 *                                         m in the model's trainable-weight order, then every v
 *                                         (Adam); empty for plain SGD, which keeps only the steps
 *   checkpoint/checkpoint.json            the epoch and seed, written last: the folder is whole
 * Each epoch's checkpoint is written into checkpoint.next/ and then swapped in, so a kill leaves
 * either the previous epoch's folder or the new one whole (findCheckpoint, runs/checkpoint-info.ts,
 * looks in both).
 */
import * as tf from '@tensorflow/tfjs'
import { readFile, rename, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { z } from 'zod'
import { writeFileAtomic, writeJsonAtomic } from '../../runs/atomic-write'
import { CHECKPOINT_DIR, CHECKPOINT_JSON, CHECKPOINT_NEXT_DIR, CheckpointInfo, OPTIMIZER_JSON } from '../../runs/checkpoint-info'
import { loadModel, saveModel, type LoadedModel } from '../model/model-io'
import { SLOTS, type OptimizerState } from './optimizer-state'

const OPTIMIZER_BIN = 'optimizer.bin'

const OptimizerJson = z.object({
  format: z.literal('convlab-optimizer'),
  version: z.literal(1),
  optimizer: z.enum(['adam', 'sgd']),
  iterations: z.number().int().min(0),
  slots: z.array(z.string()),
  variables: z.array(z.object({ name: z.string(), shape: z.array(z.number().int().min(0)) })),
  file: z.literal(OPTIMIZER_BIN)
})

export async function writeOptimizerState(dir: string, state: OptimizerState, vars: readonly tf.Variable[]): Promise<void> {
  const arrays = state.slots.flat()
  const bytes = new Uint8Array(arrays.reduce((n, a) => n + a.byteLength, 0))
  let at = 0
  for (const a of arrays) {
    bytes.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at)
    at += a.byteLength
  }
  await writeFileAtomic(join(dir, OPTIMIZER_BIN), bytes)
  await writeJsonAtomic(join(dir, OPTIMIZER_JSON), {
    format: 'convlab-optimizer',
    version: 1,
    optimizer: state.kind,
    iterations: state.iterations,
    slots: [...SLOTS[state.kind]],
    variables: vars.map((v) => ({ name: v.name, shape: v.shape })),
    file: OPTIMIZER_BIN
  } satisfies z.infer<typeof OptimizerJson>)
}

/** Reads optimizer.json + optimizer.bin, checking the layout against the variables it will be given to. */
export async function readOptimizerState(dir: string, shapes: readonly (readonly number[])[]): Promise<OptimizerState> {
  const json = OptimizerJson.parse(JSON.parse(await readFile(join(dir, OPTIMIZER_JSON), 'utf8')))
  if (json.variables.length !== shapes.length || json.variables.some((v, i) => !tf.util.arraysEqual(v.shape, [...shapes[i]]))) {
    throw new Error(`${join(dir, OPTIMIZER_JSON)} holds moments for other weights than the model's`)
  }
  const bin = await readFile(join(dir, OPTIMIZER_BIN))
  const sizes = json.variables.map((v) => v.shape.reduce((a, b) => a * b, 1))
  const expected = sizes.reduce((a, b) => a + b, 0) * json.slots.length * 4
  if (bin.byteLength !== expected) throw new Error(`${join(dir, OPTIMIZER_BIN)} has ${bin.byteLength} bytes, not the ${expected} its optimizer.json describes`)
  const all = new Float32Array(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength))
  let at = 0
  const slots = json.slots.map(() =>
    sizes.map((size) => {
      const a = all.slice(at, at + size)
      at += size
      return a
    })
  )
  return { kind: json.optimizer, iterations: json.iterations, slots }
}

export interface CheckpointWrite {
  loaded: LoadedModel
  vars: readonly tf.Variable[]
  info: CheckpointInfo
  optimizer: OptimizerState | null
}

/** Writes `runDir`/checkpoint/ whole, replacing the previous epoch's. */
export async function writeCheckpoint(runDir: string, c: CheckpointWrite): Promise<void> {
  const next = join(runDir, CHECKPOINT_NEXT_DIR)
  await rm(next, { recursive: true, force: true })
  await saveModel(c.loaded.model, next, c.loaded.meta)
  if (c.optimizer) await writeOptimizerState(next, c.optimizer, c.vars)
  await writeJsonAtomic(join(next, CHECKPOINT_JSON), CheckpointInfo.parse(c.info))
  await rm(join(runDir, CHECKPOINT_DIR), { recursive: true, force: true })
  await rename(next, join(runDir, CHECKPOINT_DIR))
}

export interface LoadedCheckpoint {
  loaded: LoadedModel
  optimizer: OptimizerState | null
}

/** The weights in `dir` and, unless `freshOptimizer` or there are none, the optimizer state beside them. */
export async function readCheckpoint(dir: string, freshOptimizer: boolean): Promise<LoadedCheckpoint> {
  const loaded = await loadModel(dir)
  try {
    const shapes = loaded.model.trainableWeights.map((w) => w.shape.map((d) => d ?? 0))
    const hasState = await stat(join(dir, OPTIMIZER_JSON)).then(() => true, () => false)
    const optimizer = !freshOptimizer && hasState ? await readOptimizerState(dir, shapes) : null
    return { loaded, optimizer }
  } catch (err) {
    loaded.model.dispose()
    throw err
  }
}
