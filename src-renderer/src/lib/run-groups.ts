/**
 * Runs repeated over seeds (issue 18) as the Runs view shows them: a group row in place of its
 * runs, with test accuracy as mean ± sd, and a group's curves as the mean per epoch with a ±sd
 * band. Plain functions over run summaries and details, tested without Vue.
 */
import type { EpochRecord, RunDetail, RunSummary } from '@shared/contract'
import { meanSd, type MeanSd } from '@shared/stats'
import type { Point } from '@renderer/charts/series'

export interface RunGroup {
  name: string
  /** Newest first, as the list. */
  runs: RunSummary[]
  /** Over the runs that have a test accuracy; count says how many. */
  testAccuracy: MeanSd
}

export type TableItem = { kind: 'group'; group: RunGroup; expanded: boolean } | { kind: 'run'; run: RunSummary; inGroup: boolean }

/** The runs of each group, by group name. */
export function groupsOf(runs: readonly RunSummary[]): Map<string, RunGroup> {
  const out = new Map<string, RunGroup>()
  for (const run of runs) {
    if (!run.group) continue
    const g = out.get(run.group) ?? { name: run.group, runs: [], testAccuracy: meanSd([]) }
    g.runs.push(run)
    out.set(run.group, g)
  }
  for (const g of out.values()) g.testAccuracy = meanSd(g.runs.flatMap((r) => (r.testAccuracy === undefined ? [] : [r.testAccuracy])))
  return out
}

/**
 * The table's rows: each group where its newest run is, followed by its runs when expanded; a
 * run without a group as itself. A "group" of one run is shown as a plain run.
 */
export function tableItems(runs: readonly RunSummary[], expanded: readonly string[]): TableItem[] {
  const groups = groupsOf(runs)
  const items: TableItem[] = []
  const placed = new Set<string>()
  for (const run of runs) {
    const g = run.group ? groups.get(run.group) : undefined
    if (!g || g.runs.length < 2) {
      items.push({ kind: 'run', run, inGroup: false })
      continue
    }
    if (placed.has(g.name)) continue
    placed.add(g.name)
    const open = expanded.includes(g.name)
    items.push({ kind: 'group', group: g, expanded: open })
    if (open) for (const member of g.runs) items.push({ kind: 'run', run: member, inGroup: true })
  }
  return items
}

export interface Band {
  mean: Point[]
  lower: Point[]
  upper: Point[]
}

/**
 * A per-epoch figure of a group's runs: mean and mean ± sd at each epoch every run reached (a
 * run cut short would otherwise pull the mean at its missing epochs), none when no run has it.
 */
export function epochBand(runs: readonly Pick<RunDetail, 'epochs'>[], key: keyof Pick<EpochRecord, 'loss' | 'accuracy' | 'valLoss' | 'valAccuracy'>): Band {
  const common = Math.min(...runs.map((r) => r.epochs.length))
  const band: Band = { mean: [], lower: [], upper: [] }
  for (let i = 0; i < common; i++) {
    const values = runs.map((r) => r.epochs[i][key])
    if (values.some((v) => v === undefined)) continue
    const m = meanSd(values as number[])
    const x = runs[0].epochs[i].epoch
    band.mean.push({ x, y: m.mean })
    band.lower.push({ x, y: m.mean - m.sd })
    band.upper.push({ x, y: m.mean + m.sd })
  }
  return band
}

/** The test accuracy of the group's detailed runs. */
export function detailAccuracy(runs: readonly RunDetail[]): MeanSd {
  return meanSd(runs.flatMap((r) => (r.test ? [r.test.accuracy] : [])))
}
