/**
 * The shift study over runs repeated over seeds (issue 18): each figure of a group as mean ± sd
 * across its seeds, and which pairs of groups cannot be told apart because their intervals
 * overlap. Pure, so the CLI and the Study view report the same numbers.
 */
import type { RobustnessSummary, ShiftPoint } from './robustness'
import { meanSd, overlaps, type MeanSd } from './stats'

/** One run's study: what `model/robustness` returns, reduced to what the group figures need. */
export interface MemberStudy {
  x: readonly ShiftPoint[]
  y: readonly ShiftPoint[]
  summary: RobustnessSummary
}

export interface ShiftMeanSd {
  shift: number
  consistency: MeanSd
  accuracy: MeanSd
}

export interface GroupStudy {
  accuracyAt0: MeanSd
  worstAccuracy: MeanSd
  meanConsistency: MeanSd
  /** Per shift along x, then y, in the members' order of shifts (-max..max). */
  x: ShiftMeanSd[]
  y: ShiftMeanSd[]
  /** How many seeds the figures cover. */
  count: number
}

export const SUMMARY_FIGURES = ['accuracyAt0', 'worstAccuracy', 'meanConsistency'] as const
export type SummaryFigure = (typeof SUMMARY_FIGURES)[number]

/** Every figure of the members as mean ± sd; the members must share their shifts. */
export function groupStudy(members: readonly MemberStudy[]): GroupStudy {
  if (!members.length) throw new Error('a group needs at least one studied run')
  const first = members[0]
  for (const m of members) {
    if (m.x.length !== first.x.length || m.y.length !== first.y.length) {
      throw new Error('the runs of a group were studied with different shifts; study them with the same maximum shift')
    }
  }
  const along = (axis: 'x' | 'y'): ShiftMeanSd[] =>
    first[axis].map((p, i) => ({
      shift: axis === 'x' ? p.dx : p.dy,
      consistency: meanSd(members.map((m) => m[axis][i].consistency)),
      accuracy: meanSd(members.map((m) => m[axis][i].accuracy))
    }))
  const figure = (f: SummaryFigure): MeanSd => meanSd(members.map((m) => m.summary[f]))
  return {
    accuracyAt0: figure('accuracyAt0'),
    worstAccuracy: figure('worstAccuracy'),
    meanConsistency: figure('meanConsistency'),
    x: along('x'),
    y: along('y'),
    count: members.length
  }
}

/** Two groups whose mean ± sd of one figure overlap: their difference there is within the seeds' spread. */
export interface OverlapNote {
  figure: SummaryFigure
  a: string
  b: string
}

/**
 * Each pair of groups (in the order given) and summary figure where the intervals overlap.
 * Single-run groups have sd 0, so they overlap only when equal: the note then says nothing
 * about spread, and callers say that one seed cannot show it.
 */
export function overlapNotes(groups: readonly { name: string; study: GroupStudy }[]): OverlapNote[] {
  const notes: OverlapNote[] = []
  for (const figure of SUMMARY_FIGURES) {
    for (let i = 0; i < groups.length; i++) {
      for (let j = i + 1; j < groups.length; j++) {
        if (overlaps(groups[i].study[figure], groups[j].study[figure])) notes.push({ figure, a: groups[i].name, b: groups[j].name })
      }
    }
  }
  return notes
}
