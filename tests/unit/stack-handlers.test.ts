import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createStackHandlers, stackFileName } from '../../src-main/services/stack-handlers'
import { dispatch, type LabHandlers } from '../../src-main/services/dispatch'
import { getPreset } from '../../src-main/shared/presets'
import type { ModelSpec } from '../../src-main/shared/layers'

const tiny = (name: string): ModelSpec => ({
  name,
  inputShape: [4],
  layers: [{ type: 'dense', units: 2, activation: 'softmax', useBias: true }]
})

describe('saved layer stacks', () => {
  let dir: string
  let reports: string[]
  let handlers: ReturnType<typeof createStackHandlers>

  beforeEach(async () => {
    dir = join(await mkdtemp(join(tmpdir(), 'convlab-stacks-')), 'stacks')
    reports = []
    handlers = createStackHandlers(dir, (n) => reports.push(n.message))
  })

  afterEach(() => rm(dirname(dir), { recursive: true, force: true }))

  it('lists nothing before the folder exists', async () => {
    expect(await handlers['stacks/list']({})).toEqual([])
    expect(reports).toEqual([])
  })

  it('saves, lists newest first, replaces by name and deletes', async () => {
    const cnn = getPreset('seed-cnn')!
    const first = await handlers['stacks/save']({ spec: { ...cnn, name: 'my cnn' } })
    expect(first.name).toBe('my cnn')
    expect(Number.isNaN(Date.parse(first.savedAt))).toBe(false)
    await new Promise((r) => setTimeout(r, 5))
    await handlers['stacks/save']({ spec: tiny('tiny') })

    const listed = await handlers['stacks/list']({})
    expect(listed.map((s) => s.name)).toEqual(['tiny', 'my cnn'])
    expect(listed[1].spec).toEqual({ ...cnn, name: 'my cnn' })

    await handlers['stacks/save']({ spec: { ...tiny('tiny'), layers: [] } })
    const replaced = await handlers['stacks/list']({})
    expect(replaced).toHaveLength(2)
    expect(replaced.find((s) => s.name === 'tiny')?.spec.layers).toEqual([])

    expect(await handlers['stacks/delete']({ name: 'my cnn' })).toEqual({ deleted: true })
    expect(await handlers['stacks/delete']({ name: 'my cnn' })).toEqual({ deleted: false })
    expect((await handlers['stacks/list']({})).map((s) => s.name)).toEqual(['tiny'])
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([])
  })

  it('keeps every name inside the folder', () => {
    expect(stackFileName('../../etc/passwd')).toBe('etc-passwd.json')
    expect(stackFileName('.hidden')).toBe('hidden.json')
    expect(stackFileName('my cnn (v2)')).toBe('my-cnn-v2-.json')
    expect(stackFileName('日本語')).toBe('stack.json')
    expect(stackFileName('a/b\\c')).toBe('a-b-c.json')
  })

  it('skips and reports files that are not saved stacks', async () => {
    await handlers['stacks/save']({ spec: tiny('good') })
    await writeFile(join(dir, 'broken.json'), '{ not json')
    await writeFile(join(dir, 'wrong.json'), JSON.stringify({ name: 'wrong', spec: { name: 'wrong' }, savedAt: 'x' }))
    await writeFile(join(dir, 'notes.txt'), 'ignored')
    await mkdir(join(dir, 'folder.json'))

    const listed = await handlers['stacks/list']({})
    expect(listed.map((s) => s.name)).toEqual(['good'])
    expect(reports).toHaveLength(3)
    expect(reports.find((r) => r.includes('broken.json'))).toMatch(/skipped: .*JSON/)
    expect(reports.find((r) => r.includes('wrong.json'))).toMatch(/skipped: spec\.inputShape/)
  })

  it('is reached through dispatch with validated input', async () => {
    const all = handlers as unknown as LabHandlers
    const bad = await dispatch(all, 'stacks/save', { spec: { name: 'x', inputShape: [1, 28, 28], layers: [{ type: 'conv2d' }] } })
    expect(bad.ok).toBe(false)
    const ok = await dispatch(all, 'stacks/save', { spec: tiny('via dispatch') })
    expect(ok).toMatchObject({ ok: true, result: { name: 'via dispatch' } })
    const empty = await dispatch(all, 'stacks/delete', { name: '' })
    expect(empty.ok).toBe(false)
  })
})
