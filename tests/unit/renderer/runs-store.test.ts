import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { nextTick, watch } from 'vue'
import type { RunDetail, RunSummary } from '../../../src-main/shared/contract'
import { fakeApi } from './fake-api'
import { getPreset } from '../../../src-main/shared/presets'

const api = fakeApi()
const { answers, calls } = api
vi.mock('@renderer/api/client', () => api.client)

const { useRunsStore } = await import('../../../src-renderer/src/stores/runs')

const summary = (id: string, status: RunSummary['status'] = 'completed'): RunSummary => ({
  id,
  name: `run ${id}`,
  modelName: 'seed-mlp',
  data: { kind: 'fashion-mnist' },
  createdAt: '2025-01-01T00:00:00Z',
  status,
  epochsDone: 2
})
const detail = (id: string): RunDetail => ({
  ...summary(id),
  data: { kind: 'fashion-mnist' },
  status: 'completed',
  model: getPreset('seed-mlp')!,
  config: { optimizer: 'adam', learningRate: 0.001, batchSize: 32, epochs: 2, validationSplit: 0 },
  classNames: [],
  epochs: [],
  batches: []
})

beforeEach(() => {
  setActivePinia(createPinia())
  api.reset()
  answers.set('runs/list', () => [summary('a'), summary('b')])
  answers.set('runs/get', (input) => detail((input as { runId: string }).runId))
  answers.set('app/info', () => ({ version: '1', dataDir: '/d', runsDir: '/d/runs', platform: 'linux-x64', trainThreads: 2 }))
})

describe('runs store: damaged runs and a read-only folder', () => {
  it('keeps damaged runs in the list, gathers them with their damage, and says why runs are read-only', async () => {
    const damage = { problems: ['run.json is not valid JSON (cut short or corrupted)'], usable: 'Nothing in it can be used; delete it.', modelUsable: false }
    answers.set('runs/list', () => [summary('a'), { ...summary('b'), status: 'damaged', data: undefined, damage }])
    answers.set('app/info', () => ({ version: '1', dataDir: '/d', runsDir: '/d/runs', platform: 'linux-x64', trainThreads: 2, runsReadOnly: 'The runs folder /d/runs cannot be written (EACCES)' }))
    const store = useRunsStore()
    await store.load()
    expect(store.runs.map((r) => r.id)).toEqual(['a', 'b'])
    expect(store.damaged).toEqual([expect.objectContaining({ id: 'b', damage })])
    expect(store.readOnly).toMatch(/cannot be written \(EACCES\)/)
  })
})

describe('runs store', () => {
  it('lists runs and opens one, fetching its detail once', async () => {
    const store = useRunsStore()
    await store.load()
    expect(store.runs.map((r) => r.id)).toEqual(['a', 'b'])
    await store.open('a')
    await store.open(null)
    await store.open('a')
    expect(store.opened?.id).toBe('a')
    expect(calls.filter((c) => c.name === 'runs/get')).toHaveLength(1)
  })

  it('overlays the selected runs in the order they were ticked', async () => {
    const store = useRunsStore()
    await store.load()
    await store.toggleSelected('b')
    await store.toggleSelected('a')
    expect(store.compared.map((r) => r.id)).toEqual(['b', 'a'])
    await store.toggleSelected('b')
    expect(store.compared.map((r) => r.id)).toEqual(['a'])
  })

  it('renames a run in the list and in its open detail', async () => {
    answers.set('runs/rename', (input) => ({ ...summary('a'), name: (input as { name: string }).name }))
    const store = useRunsStore()
    await store.load()
    await store.open('a')
    expect(await store.rename('a', '  Best MLP ')).toBe(true)
    expect(calls.at(-1)).toEqual({ name: 'runs/rename', input: { runId: 'a', name: 'Best MLP' } })
    expect(store.runs[0].name).toBe('Best MLP')
    expect(store.opened?.name).toBe('Best MLP')
    expect(await store.rename('a', '   ')).toBe(false)
  })

  it('deletes a run everywhere it is shown', async () => {
    answers.set('runs/delete', () => ({ deleted: true }))
    const store = useRunsStore()
    await store.load()
    await store.open('a')
    await store.toggleSelected('a')
    expect(await store.remove('a')).toBe(true)
    expect(store.runs.map((r) => r.id)).toEqual(['b'])
    expect(store.opened).toBeNull()
    expect(store.selected).toEqual([])
  })

  it('offers the deleted run back and puts it where it was', async () => {
    answers.set('runs/delete', () => ({ deleted: true }))
    answers.set('runs/restore', (input) => summary((input as { runId: string }).runId))
    const store = useRunsStore()
    await store.load()
    await store.remove('a')
    expect(store.deleted?.id).toBe('a')
    expect(await store.undoDelete()).toBe(true)
    expect(calls.at(-1)).toEqual({ name: 'runs/restore', input: { runId: 'a' } })
    expect(store.runs.map((r) => r.id).sort()).toEqual(['a', 'b'])
    expect(store.deleted).toBeNull()
    expect(await store.undoDelete()).toBe(false)
  })

  it('keeps the run and says why when deleting fails', async () => {
    answers.set('runs/delete', () => {
      throw new Error('Run a is training: cancel it before deleting it.')
    })
    const store = useRunsStore()
    await store.load()
    expect(await store.remove('a')).toBe(false)
    expect(store.runs).toHaveLength(2)
    expect(store.error).toMatch(/cancel it before deleting/)
  })

  it('says why a change or a detail failed until the next one of its kind works', async () => {
    answers.set('runs/rename', () => {
      throw new Error('The runs folder is read-only.')
    })
    answers.set('runs/get', () => {
      throw new Error('run.json cannot be read.')
    })
    const store = useRunsStore()
    await store.load()
    expect(await store.rename('a', 'New')).toBe(false)
    await store.open('a')
    expect(store.opened).toBeNull()
    expect([store.error, store.detailError]).toEqual([expect.stringMatching(/read-only/), expect.stringMatching(/cannot be read/)])

    answers.set('runs/rename', (input) => ({ ...summary('a'), name: (input as { name: string }).name }))
    expect(await store.rename('a', 'New')).toBe(true)
    expect([store.error, store.detailError]).toEqual([null, expect.stringMatching(/cannot be read/)])
    answers.set('runs/get', (input) => detail((input as { runId: string }).runId))
    await store.open('a')
    expect(store.opened?.id).toBe('a')
    expect(store.detailError).toBeNull()
  })

  it('forgets a cached detail of a run that was still training', async () => {
    answers.set('runs/list', () => [summary('a', 'running')])
    answers.set('runs/get', () => ({ ...detail('a'), status: 'running' }))
    const store = useRunsStore()
    await store.load()
    await store.open('a')
    answers.set('runs/list', () => [summary('a')])
    answers.set('runs/get', () => detail('a'))
    await store.load()
    await store.open('a')
    expect(store.opened?.status).toBe('completed')
  })
})

describe('runs store: dropping a checkpoint', () => {
  it('drops it, keeps the freed bytes for the details, and reads the run again in place', async () => {
    let dropped = false
    answers.set('runs/get', (input) => {
      const run = detail((input as { runId: string }).runId)
      return dropped ? run : { ...run, checkpoint: { epoch: 2, optimizer: true, bytes: 9_600_000 } }
    })
    answers.set('runs/drop-checkpoint', () => {
      dropped = true
      return { freedBytes: 9_600_000 }
    })
    const store = useRunsStore()
    await store.load()
    await store.open('a')
    expect(store.opened?.checkpoint).toEqual({ epoch: 2, optimizer: true, bytes: 9_600_000 })
    expect(await store.dropCheckpoint('a')).toBe(true)
    expect(store.freedCheckpoints).toEqual({ a: 9_600_000 })
    expect(store.opened?.id).toBe('a')
    expect(store.opened?.checkpoint).toBeUndefined()
    expect(calls.filter((c) => c.name === 'runs/drop-checkpoint')).toEqual([{ name: 'runs/drop-checkpoint', input: { runId: 'a' } }])
  })

  it('shows the read details and the freed bytes in the same tick', async () => {
    const store = useRunsStore()
    await store.load()
    await store.open('a')
    const seen: [boolean, number | undefined][] = []
    watch(
      () => [store.opened?.name === 'read again', store.freedCheckpoints.a] as const,
      ([read, freed]) => seen.push([read, freed])
    )
    answers.set('runs/get', (input) => ({ ...detail((input as { runId: string }).runId), name: 'read again' }))
    answers.set('runs/drop-checkpoint', () => ({ freedBytes: 9_600_000 }))
    expect(await store.dropCheckpoint('a')).toBe(true)
    await nextTick()
    expect(seen).toEqual([[true, 9_600_000]])
  })

  it('says why the run could not be read again once its checkpoint was dropped', async () => {
    answers.set('runs/drop-checkpoint', () => ({ freedBytes: 9_600_000 }))
    answers.set('runs/get', () => {
      throw new Error('run.json cannot be read.')
    })
    const store = useRunsStore()
    expect(await store.dropCheckpoint('a')).toBe(false)
    expect(store.error).toMatch(/cannot be read/)
    expect(store.freedCheckpoints).toEqual({})
  })

  it('says why it was kept', async () => {
    answers.set('runs/drop-checkpoint', () => {
      throw new Error('Run a is training: its checkpoint is kept.')
    })
    const store = useRunsStore()
    expect(await store.dropCheckpoint('a')).toBe(false)
    expect(store.error).toMatch(/is training/)
    expect(store.freedCheckpoints).toEqual({})
  })
})
