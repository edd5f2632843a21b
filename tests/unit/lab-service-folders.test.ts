import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { dispatch } from '../../src-main/services/dispatch'
import type { LabErrorInfo, LabMethod } from '../../src-main/shared/contract'
import { getPreset } from '../../src-main/shared/presets'
import { tempDir, writeFashionDir, type TempDir } from '../fixtures/data/builders'
import { inProcessEngineHost } from '../fixtures/engine/in-process-host'
import { serviceOver } from '../fixtures/service-over'

// The folder checks are the main process's; the samples a chosen folder gives come from the engine.
const lab = serviceOver(inProcessEngineHost(), { prefix: 'convlab-home-' })

/** Where the user keeps files the app was not told of. */
let outside: TempDir
beforeEach(async () => {
  outside = await tempDir('convlab-user-')
})
afterEach(() => outside.remove())

async function refusal(name: LabMethod, payload: unknown): Promise<LabErrorInfo> {
  const response = await dispatch(lab.service.handlers, name, payload)
  if (response.ok) throw new Error(`${name} was allowed`)
  return response.error
}

describe('folders the API may read', () => {
  it('refuses folders the user did not choose, saying the same whether they exist or not', async () => {
    const fashion = await writeFashionDir(outside, 'fashion')
    const missing = join(outside.path, 'no-such-folder')
    for (const dir of [fashion, missing]) {
      expect(await refusal('data/samples', { source: { kind: 'fashion-mnist', dir } })).toEqual({
        code: 'forbidden',
        message: `${dir} is not a folder you chose in this session: type or drop it in the Data view and press Use first.`
      })
      expect(await refusal('data/samples', { source: { kind: 'folder', dir } })).toMatchObject({ code: 'forbidden' })
      expect(await refusal('data/locate', { dir })).toMatchObject({ code: 'forbidden' })
    }
    expect(await refusal('train/start', { model: getPreset('seed-mlp'), data: { kind: 'folder', dir: fashion }, config: {} })).toMatchObject({ code: 'forbidden' })
    expect(await readdir(join(lab.data.path, 'runs')).catch(() => [])).toEqual([])
  })

  it('reads a folder once the user chose it, with what is under it, and nothing beside it', async () => {
    const fashion = await writeFashionDir(outside, 'chosen/fashion')
    const beside = await writeFashionDir(outside, 'beside')
    expect(await dispatch(lab.service.handlers, 'data/choose-folder', { dir: join(outside.path, 'chosen') })).toEqual({
      ok: true,
      result: { dir: join(outside.path, 'chosen') }
    })
    const samples = await dispatch(lab.service.handlers, 'data/samples', { source: { kind: 'fashion-mnist', dir: fashion }, count: 2 })
    expect(samples).toMatchObject({ ok: true, result: { total: 3 } })
    expect(await dispatch(lab.service.handlers, 'data/locate', { dir: fashion })).toMatchObject({ ok: true, result: { found: true } })
    expect(await refusal('data/locate', { dir: beside })).toMatchObject({ code: 'forbidden' })
    expect(await refusal('data/locate', { dir: join(outside.path, 'chosen', '..', 'beside') })).toMatchObject({ code: 'forbidden' })
    expect(await refusal('data/locate', { dir: `${join(outside.path, 'chosen')}-not` })).toMatchObject({ code: 'forbidden' })
    // Relative to the server's working directory, which the user never sees: refused, not resolved.
    expect(await refusal('data/choose-folder', { dir: 'chosen' })).toEqual({ code: 'invalid-payload', message: "Give the folder's full path: chosen is relative." })
    expect(await refusal('data/locate', { dir: 'chosen' })).toMatchObject({ code: 'forbidden' })
  })

  it('reads under the data folder without a choice', async () => {
    const fashion = await writeFashionDir(lab.data, 'fashion-mnist')
    expect(await dispatch(lab.service.handlers, 'data/locate', { dir: fashion })).toMatchObject({ ok: true, result: { found: true } })
    expect(await dispatch(lab.service.handlers, 'data/samples', { source: { kind: 'toy' }, count: 1 })).toMatchObject({ ok: true })
  })

  it('forgets the choices when the app starts again', async () => {
    const fashion = await writeFashionDir(outside, 'fashion')
    await dispatch(lab.service.handlers, 'data/choose-folder', { dir: fashion })
    await lab.restart()
    expect(await refusal('data/locate', { dir: fashion })).toMatchObject({ code: 'forbidden' })
  })
})
