import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import type { FashionMnistStatus } from '../../../src-main/shared/contract'
import { fakeApi } from './fake-api'

const api = fakeApi()
const { answers, calls } = api
vi.mock('@renderer/api/client', () => api.client)

const { useDataStore } = await import('../../../src-renderer/src/stores/data')
const { useDatasetStatusStore } = await import('../../../src-renderer/src/stores/dataset-status')

const SYSTEM = '/usr/share/datasets/fashion-mnist'
const GOOD = '/home/me/fashion'

function locate(input: unknown): FashionMnistStatus {
  const { dir } = input as { dir?: string }
  if (dir === undefined) return { found: true, dir: SYSTEM }
  if (dir === GOOD) return { found: true, dir: GOOD }
  return { found: false, searched: [dir], help: `Fashion-MNIST was not found. Looked in: ${dir}.`, problem: `${dir} does not exist.` }
}

beforeEach(() => {
  setActivePinia(createPinia())
  api.reset()
  answers.set('data/locate', locate)
  answers.set('data/choose-folder', (input) => input)
  answers.set('data/samples', () => ({ name: 'Fashion-MNIST', classNames: [], classCounts: [], shape: [1, 28, 28], total: 60000, images: [], labels: [] }))
})

describe('data store: a Fashion-MNIST folder typed by the user', () => {
  it('keeps the copy that works when the folder typed holds no Fashion-MNIST, and says why', async () => {
    const data = useDataStore()
    const status = useDatasetStatusStore()
    await status.locate()
    await data.useFashionDir('/no/such/folder')
    expect(data.fashionDirProblem).toBe('/no/such/folder does not exist.')
    expect(data.source).toEqual({ kind: 'fashion-mnist' })
    expect(status.fashionMnist).toEqual({ found: true, dir: SYSTEM })
    // Nothing is read from the wrong folder, so no second error about it.
    expect(calls.filter((c) => c.name === 'data/samples')).toHaveLength(0)
    expect(data.error).toBeNull()
  })

  it('uses a folder that holds it, and goes back to the usual places when the field is emptied', async () => {
    const data = useDataStore()
    const status = useDatasetStatusStore()
    await data.useFashionDir('/no/such/folder')
    await data.useFashionDir(` ${GOOD} `)
    expect(data.fashionDirProblem).toBeNull()
    expect(data.source).toEqual({ kind: 'fashion-mnist', dir: GOOD })
    expect(status.fashionMnist).toEqual({ found: true, dir: GOOD })
    expect(calls.filter((c) => c.name === 'data/samples').map((c) => (c.input as { source: unknown }).source)).toEqual([{ kind: 'fashion-mnist', dir: GOOD }])
    await data.useFashionDir('')
    expect(data.source).toEqual({ kind: 'fashion-mnist' })
    expect(status.fashionMnist).toEqual({ found: true, dir: SYSTEM })
  })

  it('shows the copy still in use when a wrong folder is typed while another dataset was shown', async () => {
    const data = useDataStore()
    await data.choose('toy')
    calls.length = 0
    await data.useFashionDir('/no/such/folder')
    expect(data.kind).toBe('fashion-mnist')
    expect(calls.filter((c) => c.name === 'data/samples').map((c) => (c.input as { source: unknown }).source)).toEqual([{ kind: 'fashion-mnist' }])
  })
})
