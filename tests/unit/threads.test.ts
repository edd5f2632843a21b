import { describe, expect, it } from 'vitest'
import { describeThreads } from '../../src-main/shared/threads'

describe('describeThreads', () => {
  it('names the count, and for two threads what they split', () => {
    expect(describeThreads({ count: 1 })).toBe('1 thread')
    expect(describeThreads({ count: 2, split: 'units' })).toBe('2 threads (hidden units)')
    expect(describeThreads({ count: 2, split: 'batch' })).toBe('2 threads (batch rows)')
  })
})
