/**
 * The tutorial's models, kept as JSON in resources/presets so they read like files a user could
 * save. Parsed here once so a typo in a preset fails at import, not in the middle of a run.
 */
import { ModelSpec } from './layers'
import seedCnn from '../../resources/presets/seed-cnn.json'
import seedMlp from '../../resources/presets/seed-mlp.json'
import seedToy from '../../resources/presets/seed-toy.json'

export const PRESET_NAMES = ['seed-mlp', 'seed-cnn', 'seed-toy'] as const
export type PresetName = (typeof PRESET_NAMES)[number]

const PRESETS: Record<PresetName, ModelSpec> = {
  'seed-mlp': ModelSpec.parse(seedMlp),
  'seed-cnn': ModelSpec.parse(seedCnn),
  'seed-toy': ModelSpec.parse(seedToy)
}

export function isPresetName(name: string): name is PresetName {
  return (PRESET_NAMES as readonly string[]).includes(name)
}

/** A fresh copy each call, since callers edit presets into their own models; `undefined` for
 * a name that is not a preset, so a caller can fall back to reading a file. */
export function getPreset(name: string): ModelSpec | undefined {
  return isPresetName(name) ? structuredClone(PRESETS[name]) : undefined
}
