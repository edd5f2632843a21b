import { describe, expect, it } from 'vitest'
import { groupStudy, overlapNotes, type MemberStudy } from '../../src-main/shared/study-groups'
import { etaSeconds, measureImages, measureSeconds, recipeImages, recipeSeconds, roundedMinutes } from '../../src-main/shared/study-estimate'

/** A run studied at shifts -1..1 along x and y, its consistency at ±1 given. */
function member(acc0: number, worst: number, meanC: number, c: [number, number]): MemberStudy {
  const pts = (axis: 'x' | 'y') =>
    [-1, 0, 1].map((s, i) => ({ dx: axis === 'x' ? s : 0, dy: axis === 'y' ? s : 0, accuracy: s === 0 ? acc0 : worst, consistency: s === 0 ? 1 : c[i === 0 ? 0 : 1] }))
  return { x: pts('x'), y: pts('y'), summary: { accuracyAt0: acc0, worstAccuracy: worst, meanConsistency: meanC } }
}

describe('groupStudy', () => {
  it('gives every summary figure and every shift as mean ± sample sd over the seeds', () => {
    const g = groupStudy([member(0.84, 0.5, 0.7, [0.6, 0.8]), member(0.85, 0.6, 0.8, [0.7, 0.9]), member(0.83, 0.7, 0.9, [0.8, 1])])
    expect(g.count).toBe(3)
    expect(g.accuracyAt0.mean).toBeCloseTo(0.84, 12)
    expect(g.accuracyAt0.sd).toBeCloseTo(0.01, 12)
    expect(g.worstAccuracy.mean).toBeCloseTo(0.6, 12)
    expect(g.worstAccuracy.sd).toBeCloseTo(0.1, 12)
    expect(g.meanConsistency.mean).toBeCloseTo(0.8, 12)
    expect(g.x.map((p) => p.shift)).toEqual([-1, 0, 1])
    expect(g.y.map((p) => p.shift)).toEqual([-1, 0, 1])
    expect(g.x[0].consistency.mean).toBeCloseTo(0.7, 12)
    expect(g.x[0].consistency.sd).toBeCloseTo(0.1, 12)
    expect(g.x[1].consistency).toEqual({ mean: 1, sd: 0, count: 3 })
    expect(g.y[2].consistency.mean).toBeCloseTo(0.9, 12)
  })

  it('refuses members studied with different shifts, and an empty group', () => {
    const short = { ...member(0.8, 0.5, 0.7, [0.6, 0.8]), x: [] }
    expect(() => groupStudy([member(0.8, 0.5, 0.7, [0.6, 0.8]), short])).toThrow(/different shifts/)
    expect(() => groupStudy([])).toThrow(/at least one/)
  })
})

describe('overlapNotes', () => {
  it('names each pair and figure whose intervals overlap, figure by figure, pairs in order', () => {
    const a = groupStudy([member(0.84, 0.5, 0.70, [0.6, 0.8]), member(0.86, 0.52, 0.72, [0.6, 0.8])])
    const b = groupStudy([member(0.85, 0.7, 0.90, [0.6, 0.8]), member(0.87, 0.72, 0.92, [0.6, 0.8])])
    const c = groupStudy([member(0.60, 0.3, 0.71, [0.6, 0.8]), member(0.60, 0.3, 0.71, [0.6, 0.8])])
    const notes = overlapNotes([{ name: 'a', study: a }, { name: 'b', study: b }, { name: 'c', study: c }])
    expect(notes).toEqual([
      { figure: 'accuracyAt0', a: 'a', b: 'b' },
      { figure: 'meanConsistency', a: 'a', b: 'c' }
    ])
  })
})

describe('study estimate', () => {
  it('counts the images of a study: runs × test images × shifts (axes: 4·max+1, grid: (2·max+1)²)', () => {
    expect(measureImages({ runs: 2, images: 300, max: 5, grid: false })).toBe(2 * 300 * 21)
    expect(measureImages({ runs: 2, images: 300, max: 5, grid: true })).toBe(2 * 300 * 121)
  })

  it('divides the images by each model’s rate of study on the inference pool', () => {
    // 1000 images × 9 shifts at 900 and 300 images/s on the pool: 10 s + 30 s; the one-thread rate does not count.
    const rates = [
      { trainImagesPerSec: 1, inferImagesPerSec: 1, studyImagesPerSec: 900 },
      { trainImagesPerSec: 1, inferImagesPerSec: 1, studyImagesPerSec: 300 }
    ]
    expect(measureSeconds({ images: 1000, max: 2, grid: false }, rates)).toBeCloseTo(40, 9)
  })

  it('adds the recipe’s training (seeds × epochs × images) and one-thread evaluation to the study of its runs on the pool', () => {
    const plan = { seeds: 3, epochs: 2, trainImages: 60000, testImages: 10000 }
    expect(recipeImages(plan)).toEqual({ train: 360000, infer: 30000 })
    // Per model: 360000/1200 = 300 s training; 30000/1500 = 20 s evaluation; 3 × 1000 × 5 shifts/3000 = 5 s study.
    const rate = { trainImagesPerSec: 1200, inferImagesPerSec: 1500, studyImagesPerSec: 3000 }
    expect(recipeSeconds(plan, [rate, rate], { images: 1000, max: 1, grid: false })).toBeCloseTo(650, 9)
  })

  it('gives an ETA from the rate so far, none before any work, and whole minutes rounded up', () => {
    expect(etaSeconds(250, 1000, 30)).toBeCloseTo(90, 9)
    expect(etaSeconds(0, 1000, 30)).toBeNull()
    expect(roundedMinutes(1650)).toBe(28)
    expect(roundedMinutes(1681)).toBe(29)
    expect(roundedMinutes(5)).toBe(1)
  })
})
