/**
 * What the export tests share: a temporary folder for runs and exports, ConvLab's own outputs
 * (from a wasm engine) to hold the exported model's against, and the stacks they train.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect } from 'vitest'
import { EngineClient } from '../../../src-main/engine/process/client'
import { nodeEngineHostFactory } from '../../../src-main/engine/process/node-host'
import type { EngineResult } from '../../../src-main/engine/process/protocol'
import { ROOT } from './web-app'

/** The tutorial's two Fashion-MNIST nets and a stack with every layer type, each with its CLI arguments. */
export const FASHION_STACKS: readonly (readonly [string, string[]])[] = [
  ['seed-mlp', ['--model', 'seed-mlp', '--data', 'fashion-mnist', '--limit', '512', '--epochs', '1']],
  ['seed-cnn', ['--model', 'seed-cnn', '--data', 'fashion-mnist', '--limit', '256', '--epochs', '1']],
  ['every-layer', ['--model', join(ROOT, 'tests/fixtures/models/every-layer.json'), '--data', 'fashion-mnist', '--limit', '512', '--epochs', '1']]
]

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length)
  let max = 0
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]))
  return max
}

export interface ExportWorkspace {
  /** Removed after the file's tests. */
  dir: string
  engine(): EngineClient
  /** What ConvLab's engine computes for a run's first 200 test images, or the toy set's two. */
  convlabOutputs(run: string, images: 'fashion-test-200' | 'toy'): Promise<EngineResult<'model/activations'>>
}

/** A folder `prefix`… and a wasm engine for the calling test file, both gone after it. */
export function exportWorkspace(prefix: string): ExportWorkspace {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  let engine: EngineClient | undefined
  beforeAll(() => {
    engine = new EngineClient({ host: nodeEngineHostFactory({ env: { ...process.env, CONVLAB_BACKEND: 'wasm' } }), timeoutMs: 240_000 })
  })
  afterAll(() => {
    engine?.dispose()
    rmSync(dir, { recursive: true, force: true })
  })
  const workspace: ExportWorkspace = {
    dir,
    engine: () => engine!,
    convlabOutputs: (run, images) =>
      workspace.engine().request('model/activations', {
        model: { dir: join(run, 'model') },
        images:
          images === 'toy'
            ? { kind: 'dataset', data: { kind: 'toy' }, split: 'train', indices: [0, 1] }
            : { kind: 'dataset', data: { kind: 'fashion-mnist' }, split: 'test', indices: Array.from({ length: 200 }, (_, i) => i) }
      })
  }
  return workspace
}
