/**
 * The Train view's Seeds field: empty for a random seed, "1" for one run with that seed, "1,2,3"
 * for a group of runs repeated over seeds (as `lab train --seeds`), trained one after another.
 */

/** More would keep the engine busy for hours from one click; the CLI takes any number. */
export const MAX_SEEDS = 10
const MAX_SEED = 2 ** 31 - 1

export type SeedsProblem = { reason: 'notSeed'; value: string } | { reason: 'repeated'; value: number } | { reason: 'tooMany'; max: number }
export type ParsedSeeds = { ok: true; seeds: number[] } | ({ ok: false } & SeedsProblem)

export function parseSeeds(text: string): ParsedSeeds {
  const parts = text.split(/[,，\s]+/).filter(Boolean)
  const seeds: number[] = []
  for (const part of parts) {
    const n = /^\d+$/.test(part) ? Number(part) : Number.NaN
    if (!Number.isSafeInteger(n) || n > MAX_SEED) return { ok: false, reason: 'notSeed', value: part }
    if (seeds.includes(n)) return { ok: false, reason: 'repeated', value: n }
    seeds.push(n)
  }
  if (seeds.length > MAX_SEEDS) return { ok: false, reason: 'tooMany', max: MAX_SEEDS }
  return { ok: true, seeds }
}
