import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dispatch, type LabHandlers } from '../../src-main/services/dispatch'
import { createDataHandlers } from '../../src-main/services/data-handlers'
import { EngineClient } from '../../src-main/engine/process/client'
import { inProcessEngineHost } from '../fixtures/engine/in-process-host'
import type { LabOutput, LabResponse } from '../../src-main/shared/contract'
import { join } from 'node:path'
import { tempDir, writeFashionDir, type TempDir } from '../fixtures/data/builders'
import { writeBadInputs } from '../fixtures/bad-inputs/generate'

type Samples = LabOutput<'data/samples'>

// Through dispatch and the engine's protocol, so the schemas check both the request and the answer.
let tmp: TempDir
let handlers: LabHandlers
let engine: EngineClient
let fashionDir: string

beforeAll(async () => {
  tmp = await tempDir()
  fashionDir = await writeFashionDir(tmp, 'fashion')
  engine = new EngineClient({ host: inProcessEngineHost(), init: { appDataDir: tmp.path } })
  handlers = createDataHandlers(engine) as unknown as LabHandlers
})
afterAll(async () => {
  engine.dispose()
  await tmp.remove()
})

const call = (payload: unknown): Promise<LabResponse<unknown>> => dispatch(handlers, 'data/samples', payload)

async function samples(payload: unknown): Promise<Samples> {
  const response = await call(payload)
  if (!response.ok) throw new Error(response.error.message)
  return response.result as Samples
}

describe('data/samples', () => {
  it('returns a page of Fashion-MNIST images with labels and the class balance of the split', async () => {
    const page = await samples({ source: { kind: 'fashion-mnist', dir: fashionDir }, split: 'train', offset: 1, count: 5 })
    expect(page.total).toBe(3)
    expect(page.shape).toEqual([1, 28, 28])
    expect(page.classNames).toHaveLength(10)
    // Labels of the fixture's train split are 9, 0, 2; the page starts at the second image.
    expect(page.labels).toEqual([0, 2])
    expect(page.classCounts).toEqual([1, 0, 1, 0, 0, 0, 0, 0, 0, 1])
    expect(page.images).toHaveLength(2)
    expect(page.images[0]).toMatchObject({ width: 28, height: 28 })
    // Pixel p of image n is (n*7+p)%256, scaled to 0..1 and rounded to 3 decimals.
    expect(page.images[0].pixels[3]).toBe(Math.round(((7 + 3) / 255) * 1000) / 1000)
  })

  it('pages the test split separately', async () => {
    const page = await samples({ source: { kind: 'fashion-mnist', dir: fashionDir }, split: 'test' })
    expect(page.total).toBe(2)
    expect(page.labels).toEqual([1, 8])
  })

  it('serves the toy set without any files', async () => {
    const page = await samples({ source: { kind: 'toy' } })
    expect(page.total).toBeGreaterThan(0)
    expect(page.images).toHaveLength(page.total)
    expect(page.classCounts.reduce((a, b) => a + b, 0)).toBe(page.total)
  })

  it('refuses an offset past the end and says how many images there are', async () => {
    const response = await call({ source: { kind: 'fashion-mnist', dir: fashionDir }, offset: 3, count: 10 })
    expect(response.ok).toBe(false)
    if (response.ok) return
    expect(response.error.code).toBe('invalid-payload')
    expect(response.error.message).toMatch(/Offset 3 is past the end: .* has 3 images/)
  })

  it('refuses more than 200 samples at once', async () => {
    const response = await call({ source: { kind: 'toy' }, count: 201 })
    expect(response).toMatchObject({ ok: false, error: { code: 'invalid-payload' } })
  })

  it('says how many files of an image folder are skipped and why', async () => {
    const { onePerClassFolder, junkFolder } = await writeBadInputs(join(tmp.path, 'corpus'))
    const page = await samples({ source: { kind: 'folder', dir: junkFolder }, split: 'train', count: 1 })
    expect(page.skipped).toEqual({
      count: 2,
      reasons: [expect.stringMatching(/^notes\.txt is not a supported image/), 'empty.png is empty.'],
      files: ['notes.txt', 'empty.png']
    })
    expect((await samples({ source: { kind: 'folder', dir: onePerClassFolder }, count: 1 })).skipped).toBeUndefined()
  })

  it('names a missing image folder', async () => {
    const missing = `${tmp.path}/no-such-folder`
    const response = await call({ source: { kind: 'folder', dir: missing } })
    expect(response.ok).toBe(false)
    if (response.ok) return
    expect(response.error.code).toBe('data')
    expect(response.error.message).toContain('no-such-folder')
  })

  it('explains how to get Fashion-MNIST when the chosen folder lacks it', async () => {
    const response = await call({ source: { kind: 'fashion-mnist', dir: tmp.path } })
    expect(response.ok).toBe(false)
    if (response.ok) return
    expect(response.error.code).toBe('data')
    expect(response.error.message).toMatch(/not found/)
    expect(response.error.message).toMatch(/apt install dataset-fashion-mnist/)
  })

  it('loads again after a failure instead of caching the error', async () => {
    const source = { kind: 'fashion-mnist', dir: `${tmp.path}/later` }
    expect((await call({ source })).ok).toBe(false)
    await writeFashionDir(tmp, 'later')
    expect((await samples({ source })).total).toBe(3)
  })
})
