import { readFile } from 'node:fs/promises'
import { LabError } from '../shared/contract'
import { ModelSpec } from '../shared/layers'
import { PRESET_NAMES, getPreset } from '../shared/presets'

/** Validates a layer stack from any source, naming the first offending field. */
export function parseModelSpec(value: unknown, where: string): ModelSpec {
  const parsed = ModelSpec.safeParse(value)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const path = issue.path.length ? issue.path.join('.') : 'the model'
    throw new LabError('invalid-payload', `${where} is not a valid model: ${path}: ${issue.message}.`)
  }
  return parsed.data
}

/** A preset name (seed-mlp, seed-cnn, seed-toy) or the path of a model JSON file. */
export async function resolveModel(nameOrFile: string): Promise<ModelSpec> {
  const preset = getPreset(nameOrFile)
  if (preset) return preset
  let text: string
  try {
    text = await readFile(nameOrFile, 'utf8')
  } catch {
    throw new LabError('not-found', `${nameOrFile} is neither a preset (${PRESET_NAMES.join(', ')}) nor a readable model file.`)
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    throw new LabError('invalid-payload', `${nameOrFile} is not valid JSON (${(err as Error).message}).`)
  }
  return parseModelSpec(json, nameOrFile)
}
