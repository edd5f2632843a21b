import { describe, expect, it, vi } from 'vitest'
import { runSummary } from './run-summary'

// The module also loads runs over the API, which needs a window; these tests use its pure part.
vi.mock('@renderer/api/client', () => ({ request: () => Promise.reject(new Error('not here')) }))
const { runsFor, unusableFor } = await import('../../../src-renderer/src/stores/trained-runs')

const fashion = runSummary('fashion', {})
const toy = runSummary('toy', { modelName: 'seed-toy', inputShape: [1, 4, 4], data: { kind: 'toy' } })
const cancelledToy = runSummary('toy-cancelled', { modelName: 'seed-toy', inputShape: [1, 4, 4], data: { kind: 'toy' }, status: 'cancelled', epochsDone: 3 })
const pets = runSummary('pets', { data: { kind: 'folder', dir: '/home/me/pets' } })
const bigPets = runSummary('big-pets', { inputShape: [1, 64, 64], data: { kind: 'folder', dir: '/home/me/pets' } })
const failed = runSummary('failed', { status: 'failed', epochsDone: 0 })

describe('which trained runs each view offers', () => {
  it('keeps toy-set runs, cancelled ones too, out of Shift, Study and Predict', () => {
    for (const use of ['shift', 'study', 'predict'] as const) {
      expect(unusableFor(toy, use)).not.toBeNull()
      expect(runsFor([fashion, toy, cancelledToy], use).runs.map((r) => r.id)).toEqual(['fashion'])
    }
  })

  it('offers Shift any 28x28 grey run, Study only Fashion-MNIST runs, Predict any picture run', () => {
    const all = [fashion, pets, bigPets, failed]
    expect(runsFor(all, 'shift').runs.map((r) => r.id)).toEqual(['fashion', 'pets'])
    expect(runsFor(all, 'study').runs.map((r) => r.id)).toEqual(['fashion'])
    expect(runsFor(all, 'predict').runs.map((r) => r.id)).toEqual(['fashion', 'pets', 'big-pets'])
  })

  it('says how many trained runs were left out and why, and nothing when none was', () => {
    expect(runsFor([fashion, failed], 'shift').leftOut).toBeNull()
    expect(runsFor([fashion, toy], 'shift').leftOut).toBe("1 trained run is not offered here (toy): its input is 1×4×4, not Fashion-MNIST's 1×28×28.")
    expect(runsFor([toy, cancelledToy, pets], 'study').leftOut).toBe('3 trained runs are not offered here: not trained on Fashion-MNIST, whose test set Study scores.')
    expect(runsFor([toy], 'predict').leftOut).toContain('toy set')
  })
})
