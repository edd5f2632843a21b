/**
 * The Study view's pure pieces: chart series and the CSV export, kept apart from Vue so they can
 * be tested and so the screen and the file agree. The recipe's four models are in @shared/shift-recipe.
 */
import type { RobustnessReport, RunSummary } from '@shared/contract'
import { groupStudy, type GroupStudy } from '@shared/study-groups'
import { seriesColor, type Series } from '@renderer/charts/series'

export type StudyResult = Extract<RobustnessReport, { status: 'completed' }>

export interface StudyRow {
  runId: string
  name: string
  result: StudyResult
}

/** One line per run and axis: y solid, x dashed, so four runs stay legible on one chart. */
export function studySeries(rows: StudyRow[], metric: 'accuracy' | 'consistency'): Series[] {
  return rows.flatMap((row, i) => [
    { label: `${row.name} (x)`, color: seriesColor(i), markers: true, points: row.result.x.map((p) => ({ x: p.dx, y: p[metric] })) },
    { label: `${row.name} (y)`, color: seriesColor(i), markers: true, dashed: true, points: row.result.y.map((p) => ({ x: p.dy, y: p[metric] })) }
  ])
}

function csvField(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value
}

/** Every measured point of every run, one row each: the 1-D curves and the grid when present. */
export function studyCsv(rows: StudyRow[]): string {
  const lines = ['run,name,images,curve,dx,dy,accuracy,consistency']
  for (const { runId, name, result } of rows) {
    const curves: [string, StudyResult['x']][] = [['x', result.x], ['y', result.y], ...(result.grid ? [['grid', result.grid] as [string, StudyResult['x']]] : [])]
    for (const [curve, points] of curves) {
      for (const p of points) lines.push([csvField(runId), csvField(name), result.count, curve, p.dx, p.dy, p.accuracy, p.consistency].join(','))
    }
  }
  return lines.join('\n') + '\n'
}

/** The grid as rows (dy from -max down to +max), each cell's consistency; empty without a grid. */
export function gridRows(result: StudyResult): { dy: number; cells: { dx: number; consistency: number; accuracy: number }[] }[] {
  if (!result.grid) return []
  const side = 2 * result.max + 1
  return Array.from({ length: side }, (_, r) => ({
    dy: r - result.max,
    cells: result.grid!.slice(r * side, (r + 1) * side).map((p) => ({ dx: p.dx, consistency: p.consistency, accuracy: p.accuracy }))
  }))
}

/** 1 is white, 0 black, as the Shift view's heatmap reads probabilities. */
export function consistencyFill(c: number): string {
  const v = Math.round(Math.min(1, Math.max(0, c)) * 255)
  return `rgb(${v}, ${v}, ${v})`
}

/** What the Study view offers to measure: a group over seeds (its runs together) or a single run. */
export interface StudyEntry {
  key: string
  name: string
  runIds: string[]
  group: boolean
}

/** Groups of two or more runs where their newest run is listed, the other runs as themselves. */
export function studyEntries(runs: readonly RunSummary[]): StudyEntry[] {
  const members = new Map<string, RunSummary[]>()
  for (const r of runs) if (r.group) members.set(r.group, [...(members.get(r.group) ?? []), r])
  const out: StudyEntry[] = []
  const placed = new Set<string>()
  for (const r of runs) {
    const group = r.group ? members.get(r.group) : undefined
    if (!group || group.length < 2) {
      out.push({ key: `run:${r.id}`, name: r.name, runIds: [r.id], group: false })
    } else if (!placed.has(r.group!)) {
      placed.add(r.group!)
      out.push({ key: `group:${r.group}`, name: r.group!, runIds: group.map((m) => m.id), group: true })
    }
  }
  return out
}

export interface EntryStudy {
  entry: StudyEntry
  study: GroupStudy
}

/** Each entry whose runs have all been measured, its figures as mean ± sd over them. */
export function entryStudies(entries: readonly StudyEntry[], rows: readonly StudyRow[]): EntryStudy[] {
  const byRun = new Map(rows.map((r) => [r.runId, r.result]))
  return entries.flatMap((entry) => {
    const results = entry.runIds.flatMap((id) => byRun.get(id) ?? [])
    return results.length === entry.runIds.length ? [{ entry, study: groupStudy(results) }] : []
  })
}

/** Per entry and axis: the mean line (y dashed), and for a group a ±sd band under it. */
export function entrySeries(studies: readonly EntryStudy[], metric: 'accuracy' | 'consistency'): Series[] {
  return studies.flatMap(({ entry, study }, i) =>
    (['x', 'y'] as const).flatMap((axis) => {
      const color = seriesColor(i)
      const label = `${entry.name} (${axis})`
      const mean = study[axis].map((p) => ({ x: p.shift, y: p[metric].mean }))
      const line: Series = { label, color, markers: true, dashed: axis === 'y', points: mean }
      if (study.count < 2) return [line]
      return [
        { label: `${label} − sd`, color, band: 'lower' as const, points: study[axis].map((p) => ({ x: p.shift, y: p[metric].mean - p[metric].sd })) },
        { label: `${label} + sd`, color, band: 'upper' as const, points: study[axis].map((p) => ({ x: p.shift, y: p[metric].mean + p[metric].sd })) },
        line
      ]
    })
  )
}
