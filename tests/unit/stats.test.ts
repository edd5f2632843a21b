import { describe, expect, it } from 'vitest'
import { meanSd, overlaps } from '../../src-main/shared/stats'

describe('meanSd', () => {
  it('gives the mean and the sample standard deviation, as numpy.std(ddof=1)', () => {
    const r = meanSd([0.84, 0.85, 0.83])
    expect(r.mean).toBeCloseTo(0.84, 12)
    expect(r.sd).toBeCloseTo(0.01, 12)
    expect(r.count).toBe(3)
  })

  it('gives a spread of 0 for one value and NaN for none', () => {
    expect(meanSd([0.5])).toEqual({ mean: 0.5, sd: 0, count: 1 })
    expect(meanSd([]).mean).toBeNaN()
  })
})

describe('overlaps', () => {
  it('says whether the difference of two means lies within their spreads', () => {
    expect(overlaps({ mean: 0.84, sd: 0.01, count: 3 }, { mean: 0.855, sd: 0.006, count: 3 })).toBe(true)
    expect(overlaps({ mean: 0.84, sd: 0.01, count: 3 }, { mean: 0.9, sd: 0.006, count: 3 })).toBe(false)
  })
})
