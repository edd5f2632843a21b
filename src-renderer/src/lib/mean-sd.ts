/** Figures over seeds as the interface writes them: "84.2% ± 0.5", the spread in percentage points. */
import type { Formatters } from '@renderer/i18n/format'
import type { MeanSd } from '@shared/stats'

export function meanSdPercent(m: MeanSd, fmt: Formatters, digits = 1): string {
  return `${fmt.percent(m.mean, digits)} ± ${fmt.fixed(m.sd * 100, digits)}`
}
