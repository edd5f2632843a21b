/**
 * Trained models on disk in tfjs's own layers format (model.json + weights.bin), so the files
 * open in any tfjs. @tensorflow/tfjs has no file:// handler without tfjs-node, hence the
 * custom save handler; files are written atomically and weights first, so a model.json on disk
 * always has its weights.
 */
import * as tf from '@tensorflow/tfjs'
import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { ModelSpec } from '../../shared/layers'
import { headOf } from './head'
import { writeFileAtomic, writeJsonAtomic } from '../../runs/atomic-write'

export const MODEL_JSON = 'model.json'
export const WEIGHTS_BIN = 'weights.bin'

/** What ConvLab keeps beside the topology, in model.json's userDefinedMetadata. */
export interface ModelMeta {
  spec: ModelSpec
  classNames: string[]
}

export interface LoadedModel {
  model: tf.LayersModel
  meta: ModelMeta
}

function joinWeights(data: tf.io.WeightData): ArrayBuffer {
  return Array.isArray(data) ? tf.io.CompositeArrayBuffer.join(data) : data
}

export async function saveModel(model: tf.LayersModel, dir: string, meta: ModelMeta): Promise<void> {
  let artifacts: tf.io.ModelArtifacts | undefined
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }
    })
  )
  if (!artifacts?.weightSpecs || !artifacts.weightData) throw new Error('tfjs produced no weights to save')
  const weights = new Uint8Array(joinWeights(artifacts.weightData))
  await writeFileAtomic(join(dir, WEIGHTS_BIN), weights)
  await writeJsonAtomic(join(dir, MODEL_JSON), {
    format: 'layers-model',
    generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`,
    convertedBy: null,
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths: [`./${WEIGHTS_BIN}`], weights: artifacts.weightSpecs }],
    userDefinedMetadata: { convlab: meta }
  })
}

interface ModelJson {
  modelTopology: object
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[]
  userDefinedMetadata?: { convlab?: unknown }
}

function parseMeta(raw: unknown, dir: string): ModelMeta {
  const m = raw as { spec?: unknown; classNames?: unknown } | undefined
  if (!m || !Array.isArray(m.classNames) || !m.classNames.every((c) => typeof c === 'string')) {
    throw new Error(`${join(dir, MODEL_JSON)} is not a ConvLab model (no convlab metadata)`)
  }
  const spec = ModelSpec.parse(m.spec)
  return { spec, classNames: nameEveryClass(m.classNames as string[], headOf(spec).classes) }
}

/**
 * One name per model output. Runs trained before the class count was checked against the data
 * (a 10-class model on a 2-class folder) have fewer names than outputs, and a prediction of an
 * unnamed class was shown as "undefined".
 */
export function nameEveryClass(names: readonly string[], classes: number): string[] {
  return Array.from({ length: Math.max(classes, names.length) }, (_, i) => names[i] ?? `class ${i} (no name: not in the training data)`)
}

export async function loadModel(dir: string): Promise<LoadedModel> {
  const json = JSON.parse(await readFile(join(dir, MODEL_JSON), 'utf8')) as ModelJson
  const meta = parseMeta(json.userDefinedMetadata?.convlab, dir)
  const groups = json.weightsManifest ?? []
  const weightSpecs = groups.flatMap((g) => g.weights)
  const buffers = await Promise.all(
    groups.flatMap((g) => g.paths).map(async (p) => {
      const b = await readFile(join(dir, p))
      return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer
    })
  )
  const model = await tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs,
      weightData: tf.io.CompositeArrayBuffer.join(buffers)
    })
  )
  return { model, meta }
}

/**
 * Recently used models stay in memory: a shift sweep or a few predictions after training should
 * not re-read and re-upload the weights each time. A rewritten model.json invalidates its entry.
 */
export class ModelCache {
  private readonly entries = new Map<string, LoadedModel & { mtimeMs: number }>()

  constructor(private readonly capacity = 3) {}

  async get(dir: string): Promise<LoadedModel> {
    const mtimeMs = (await stat(join(dir, MODEL_JSON))).mtimeMs
    const hit = this.entries.get(dir)
    if (hit && hit.mtimeMs === mtimeMs) {
      this.entries.delete(dir)
      this.entries.set(dir, hit)
      return hit
    }
    return this.put(dir, await loadModel(dir), mtimeMs)
  }

  /** Adopts a model just saved to `dir` (no reload); the cache disposes it on eviction. */
  async adopt(dir: string, loaded: LoadedModel): Promise<void> {
    this.put(dir, loaded, (await stat(join(dir, MODEL_JSON))).mtimeMs)
  }

  private put(dir: string, loaded: LoadedModel, mtimeMs: number): LoadedModel {
    const old = this.entries.get(dir)
    if (old && old.model !== loaded.model) old.model.dispose()
    this.entries.delete(dir)
    const entry = { ...loaded, mtimeMs }
    this.entries.set(dir, entry)
    while (this.entries.size > this.capacity) {
      const [oldestDir, oldest] = this.entries.entries().next().value as [string, LoadedModel]
      this.entries.delete(oldestDir)
      oldest.model.dispose()
    }
    return entry
  }

  clear(): void {
    for (const e of this.entries.values()) e.model.dispose()
    this.entries.clear()
  }
}
