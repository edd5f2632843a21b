/**
 * The Build view's export ('stacks/export'): a stack's code, without weights, written into the
 * data folder's exports/ under the stack's name, replacing its earlier export; a stack PyTorch
 * cannot express is refused with the layer named, and nothing is written.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { EngineClient } from '../../src-main/engine/process/client'
import { stackExportFolderName } from '../../src-main/export/from-run'
import { dispatch, type LabHandlers } from '../../src-main/services/dispatch'
import { createExportHandlers } from '../../src-main/services/export-handlers'
import { getPreset } from '../../src-main/shared/presets'

describe("'stacks/export'", () => {
  let dataDir: string
  let handlers: LabHandlers

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'convlab-stack-export-'))
    const unused = (): never => {
      throw new Error('a stack export reads no run')
    }
    // A stack has no weights, so the engine is never asked: any request would throw.
    const engine = { request: unused } as unknown as EngineClient
    handlers = createExportHandlers({ engine, dataDir, convlabVersion: '0.1.0', finishedRun: unused, modelOf: unused }) as unknown as LabHandlers
  })
  afterEach(() => rm(dataDir, { recursive: true, force: true }))

  it("writes the stack's code into exports/, named after it, and replaces it when exported again", async () => {
    const spec = { ...getPreset('seed-cnn')!, name: 'my net: v2' }
    const first = await dispatch(handlers, 'stacks/export', { spec, format: 'pytorch' })
    const dir = join(dataDir, 'exports', 'stack my net- v2-pytorch')
    expect(first).toEqual({ ok: true, result: { dir, files: ['README.md', 'model.py'] } })
    const model = await readFile(join(dir, 'model.py'), 'utf8')
    expect(model).toContain('nn.Conv2d(1, 64, kernel_size=(3, 3))')
    expect(model).toContain('raise FileNotFoundError(')
    const again = await dispatch(handlers, 'stacks/export', { spec: { ...spec, layers: spec.layers.slice(0, 1) }, format: 'pytorch' })
    expect(again.ok).toBe(true)
    expect(await readFile(join(dir, 'model.py'), 'utf8')).not.toContain('nn.Linear')
    expect(await readdir(join(dataDir, 'exports'))).toEqual(['stack my net- v2-pytorch'])
  })

  it('refuses a stack PyTorch cannot express, naming the layer, and writes nothing', async () => {
    const spec = { name: 'bad', inputShape: [1, 8, 8], layers: [{ type: 'avgpool2d', pool: 2, padding: 2 }] }
    const refused = await dispatch(handlers, 'stacks/export', { spec, format: 'pytorch' })
    expect(refused).toMatchObject({ ok: false, error: { code: 'data', message: expect.stringContaining('Layer 1 (AvgPool2d)') } })
    expect(await readdir(join(dataDir, 'exports'))).toEqual([])
  })

  it('names the folder after the stack, less what file systems forbid', () => {
    expect(stackExportFolderName('汉字 / cnn', 'pytorch')).toBe('stack 汉字 - cnn-pytorch')
    expect(stackExportFolderName('...', 'pytorch')).toBe('stack-pytorch')
  })
})
