import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import {
  IPC_EVENT_CHANNEL,
  LAB_EVENTS,
  LAB_EVENT_NAMES,
  LAB_METHODS,
  LAB_METHOD_NAMES,
  ipcChannel,
  type LabEvent,
  type LabMethod
} from '../../src-main/shared/contract'

/**
 * The Lab API as a reviewer reads it: every method and event by name, in order, with the shape of
 * what goes in and comes out, kept here beside the test so a change to the contract is a change
 * to this file, seen in review. Renderer, preload, IPC and web mode all depend on it.
 *
 * A shape is one line: the top level's keys with their types (`?`: optional, defaults included,
 * for inputs as callers may send them), the level below as key names only, deeper as {…}.
 */
const METHODS: Record<LabMethod, { input: string; output: string }> = {
  'app/info': {
    input: '{}',
    output: '{ version: string, dataDir: string, runsDir: string, platform: string, runsReadOnly?: string, languages?: string[], trainThreads: integer }'
  },
  'app/opened-files': {
    input: '{}',
    output: '{ name: string, base64: string }[]'
  },
  'backends/list': {
    input: '{}',
    output: '{ chosen: "tensorflow-gpu"|"tensorflow"|"wasm"|"cpu", candidates: { name, available, reason? }[] }'
  },
  'model/presets': {
    input: '{}',
    output: '{ name: string, spec: { name, description?, inputShape, layers, training? } }[]'
  },
  'model/summary': {
    input: '{ spec: unknown }',
    output: '{ text: string, rows: { name, outputShape, params }[], totalParams: integer, error?: { layerIndex, torchType, code, params, message } }'
  },
  'stacks/list': {
    input: '{}',
    output: '{ name: string, spec: { name, description?, inputShape, layers, training? }, savedAt: string }[]'
  },
  'stacks/save': {
    input: '{ spec: { name, description?, inputShape, layers, training? } }',
    output: '{ name: string, spec: { name, description?, inputShape, layers, training? }, savedAt: string }'
  },
  'stacks/delete': {
    input: '{ name: string }',
    output: '{ deleted: boolean }'
  },
  'stacks/export': {
    input: '{ spec: { name, description?, inputShape, layers, training? }, format: "pytorch" }',
    output: '{ dir: string, files: string[] }'
  },
  'data/locate': {
    input: '{ dir?: string }',
    output: '{ found: true, dir: string } | { found: false, searched: string[], help: string, problem?: string, refusal?: { code, dir, files } }'
  },
  'data/choose-folder': {
    input: '{ dir: string }',
    output: '{ dir: string }'
  },
  'data/samples': {
    input: '{ source: { kind, dir? } | { kind, images?, labels?, divisor? } | { kind, dir }, split?: "train"|"test", offset?: integer, count?: integer }',
    output: '{ name: string, total: integer, shape: integer[], classNames: string[], classCounts: integer[], labels: integer[], images: { width, height, pixels }[], skipped?: { count, reasons, files } }'
  },
  'train/check': {
    input: '{ model: { name, description?, inputShape, layers, training? }, data: { kind, dir? } | { kind, images?, labels?, divisor? } | { kind, dir } }',
    output: '{ problem?: { message, reason?, params? } }'
  },
  'train/start': {
    input: '{ model: { name, description?, inputShape, layers, training? }, data: { kind, dir? } | { kind, images?, labels?, divisor? } | { kind, dir }, config: { optimizer?, learningRate?, batchSize?, epochs?, validationSplit?, limit?, testLimit?, seed?, backend?, augment?, threads? }, name?: string, group?: string }',
    output: '{ runId: string }'
  },
  'train/cancel': {
    input: '{ runId: string }',
    output: '{ cancelled: boolean }'
  },
  'train/pause': {
    input: '{ runId: string, paused: boolean }',
    output: '{ paused: boolean }'
  },
  'train/resume': {
    input: '{ runId: string, freshOptimizer?: boolean }',
    output: '{ runId: string }'
  },
  'train/continue': {
    input: '{ runId: string, epochs: integer, freshOptimizer?: boolean }',
    output: '{ runId: string }'
  },
  'engine/restart': {
    input: '{}',
    output: '{ restarted: true }'
  },
  'runs/list': {
    input: '{}',
    output: '{ id: string, name: string, modelName: string, inputShape?: integer[], data?: { kind, dir? } | { kind, images?, labels?, divisor? } | { kind, dir }, createdAt: string, status: "running"|"completed"|"cancelled"|"failed" | "damaged", epochsDone: integer, backend?: string, threads?: { count, split? }, augmented?: boolean, testAccuracy?: number, group?: string, diverged?: { firstLoss, peakLoss, epoch }, damage?: { problems, causes, usable, keeps, modelUsable }, trainedElsewhere?: boolean }[]'
  },
  'runs/get': {
    input: '{ runId: string }',
    output: '{ id: string, name: string, modelName: string, inputShape?: integer[], data: { kind, dir? } | { kind, images?, labels?, divisor? } | { kind, dir }, createdAt: string, status: "running"|"completed"|"cancelled"|"failed", epochsDone: integer, backend?: string, threads?: { count, split? }, augmented?: boolean, testAccuracy?: number, group?: string, diverged?: { firstLoss, peakLoss, epoch }, damage?: { problems, causes, usable, keeps, modelUsable }, trainedElsewhere?: boolean, model: { name, description?, inputShape, layers, training? }, config: { optimizer, learningRate, batchSize, epochs, validationSplit, limit?, testLimit?, seed?, backend?, augment?, threads? }, classNames: string[], epochs: { epoch, loss, accuracy, valLoss?, valAccuracy?, seconds }[], batches: { epoch, batch, loss, accuracy }[], test?: { count, loss, accuracy, confusion }, error?: string, failure?: { code, params }, resumes?: { epoch, kind, at, freshOptimizer? }[], checkpoint?: { epoch, optimizer, bytes? } }'
  },
  'runs/rename': {
    input: '{ runId: string, name: string }',
    output: '{ id: string, name: string, modelName: string, inputShape?: integer[], data?: { kind, dir? } | { kind, images?, labels?, divisor? } | { kind, dir }, createdAt: string, status: "running"|"completed"|"cancelled"|"failed" | "damaged", epochsDone: integer, backend?: string, threads?: { count, split? }, augmented?: boolean, testAccuracy?: number, group?: string, diverged?: { firstLoss, peakLoss, epoch }, damage?: { problems, causes, usable, keeps, modelUsable }, trainedElsewhere?: boolean }'
  },
  'runs/drop-checkpoint': {
    input: '{ runId: string }',
    output: '{ freedBytes: integer }'
  },
  'runs/delete': {
    input: '{ runId: string }',
    output: '{ deleted: boolean }'
  },
  'runs/restore': {
    input: '{ runId: string }',
    output: '{ id: string, name: string, modelName: string, inputShape?: integer[], data?: { kind, dir? } | { kind, images?, labels?, divisor? } | { kind, dir }, createdAt: string, status: "running"|"completed"|"cancelled"|"failed" | "damaged", epochsDone: integer, backend?: string, threads?: { count, split? }, augmented?: boolean, testAccuracy?: number, group?: string, diverged?: { firstLoss, peakLoss, epoch }, damage?: { problems, causes, usable, keeps, modelUsable }, trainedElsewhere?: boolean }'
  },
  'runs/evaluate': {
    input: '{ runId: string, limit?: integer }',
    output: '{ count: integer, loss: number, accuracy: number, confusion: integer[][] }'
  },
  'predict/images': {
    input: '{ runId: string, images: { width, height, pixels }[] }',
    output: '{ classNames: string[], probabilities: number[][], predicted: integer[] }'
  },
  'images/decode': {
    input: '{ files: { name, base64 }[], width: integer, height: integer }',
    output: '({ name: string, ok: true, image: { width, height, pixels }, preprocessing: string[], original: { width, height, format } } | { name: string, ok: false, error: string, fault?: { code, params } })[]'
  },
  'data/import-idx': {
    input: '{ files: { name, base64 }[] }',
    output: '{ name: string, ok: boolean, role?: "train-images"|"train-labels"|"test-images"|"test-labels", count?: integer, error?: string, fault?: { code, params } }[]'
  },
  'shift/heatmap': {
    input: '{ runId: string, image: { kind, split?, index } | { kind, image }, from?: integer, to?: integer, axis?: "x"|"y", mode?: "roll"|"zero" }',
    output: '{ shifts: integer[], classNames: string[], probabilities: number[][], predicted: integer[], images: { width, height, pixels }[], label?: integer }'
  },
  'runs/weights': {
    input: '{ runId: string, layers?: integer[] }',
    output: '{ spec: { name, description?, inputShape, layers, training? }, classNames: string[], layers: { index, type, tensors }[] }'
  },
  'runs/export': {
    input: '{ runId: string, format: "pytorch" }',
    output: '{ dir: string, files: string[] }'
  },
  'runs/robustness': {
    input: '{ runId: string, max?: integer, limit?: integer, mode?: "roll"|"zero", grid?: boolean, jobId: string }',
    output: '{ status: "completed", count: integer, max: integer, mode: "roll"|"zero", classNames: string[], x: { dx, dy, accuracy, consistency }[], y: { dx, dy, accuracy, consistency }[], grid?: { dx, dy, accuracy, consistency }[], summary: { accuracyAt0, worstAccuracy, meanConsistency } } | { status: "cancelled", count: integer, max: integer, mode: "roll"|"zero", classNames: string[] }'
  },
  'runs/robustness-cancel': {
    input: '{ jobId: string }',
    output: '{ cancelled: boolean }'
  },
  'study/train-recipe': {
    input: '{ epochs?: integer, seeds?: integer[], trainLimit?: integer, names?: { models, seeds } }',
    output: '{ status: "completed"|"cancelled"|"failed", runIds: string[], error?: string, label?: string, reason?: string, failure?: { code, params } }'
  },
  'study/rates': {
    input: '{ runIds?: string[], recipe?: boolean }',
    output: '{ rates: { key, trainImagesPerSec, inferImagesPerSec, studyImagesPerSec }[] }'
  },
  'runs/activations': {
    input: '{ runId: string, image: { kind, split?, index } | { kind, image } }',
    output: '{ classNames: string[], inputShape: integer[], input: number[], label?: integer, layers: { index, type, shape, values }[] }'
  }
}

const EVENTS: Record<LabEvent, string> = {
  'train/phase': '{ runId: string, phase: "loading-data"|"building-model"|"training"|"testing"|"saving", elapsedSeconds: number }',
  'train/progress': '{ runId: string, epoch: integer, epochs: integer, batch: integer, batchesPerEpoch: integer, loss: number, accuracy: number, imagesPerSec: number, etaSeconds: number, elapsedSeconds: number, recent: { batches, loss, accuracy }, threads: { count, split? } }',
  'train/epoch': '{ epoch: integer, loss: number, accuracy: number, valLoss?: number, valAccuracy?: number, seconds: number, runId: string }',
  'train/finished': '{ runId: string, status: "running"|"completed"|"cancelled"|"failed", seconds?: number, error?: string, failure?: { code, params }, test?: { count, loss, accuracy, confusion } }',
  'app/files-opened': '{ count: integer }',
  'engine/notice': '{ level: "info"|"warning"|"error", message: string, code?: "engineRestartedByUser"|"engineRestarted"|"engineRestartedAfterPause"|"engineBackoff"|"engineCrashed"|"lowMemory"|"untestedClasses"|"filesSkipped"|"oneThread"|"tooManyOpened"|"openFailed"|"stackSkipped", params?: {}, action?: "restart-engine" }',
  'study/recipe-step': '{ index: integer, total: integer, label: string, seed: integer, runId: string }',
  'robustness/progress': '{ jobId: string, done: integer, total: integer }'
}

type Json = { [k: string]: unknown }

function shapeOf(schema: z.ZodType, io: 'input' | 'output'): string {
  return render(z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Json, 2)
}

function render(s: Json, depth: number): string {
  const union = (s.anyOf ?? s.oneOf) as Json[] | undefined
  if (union) return depth <= 0 && union.length > 2 ? `${union.length} kinds` : union.map((u) => render(u, depth)).join(' | ')
  if (s.const !== undefined) return JSON.stringify(s.const)
  if (Array.isArray(s.enum)) return s.enum.map((v) => JSON.stringify(v)).join('|')
  if (Array.isArray(s.type)) return s.type.join('|')
  if (s.type === 'array') {
    if (Array.isArray(s.prefixItems)) return `[${(s.prefixItems as Json[]).map((p) => render(p, depth)).join(', ')}]`
    const items = s.items as Json | undefined
    const item = items ? render(items, depth) : 'unknown'
    return items && (items.anyOf || items.oneOf || Array.isArray(items.enum)) ? `(${item})[]` : `${item}[]`
  }
  if (s.type === 'object') {
    const props = (s.properties ?? {}) as Record<string, Json>
    const required = new Set((s.required ?? []) as string[])
    const keys = Object.keys(props).map((k) => `${k}${required.has(k) ? '' : '?'}`)
    if (!keys.length) return '{}'
    if (depth <= 0) return '{…}'
    if (depth === 1) return `{ ${keys.join(', ')} }`
    return `{ ${Object.keys(props).map((k, i) => `${keys[i]}: ${render(props[k], depth - 1)}`).join(', ')} }`
  }
  return typeof s.type === 'string' ? s.type : 'unknown'
}

describe('Lab API surface', () => {
  it('has these methods, in this order, each on its own IPC channel with a sentence saying what it does', () => {
    expect(LAB_METHOD_NAMES).toEqual(Object.keys(METHODS))
    expect(new Set(LAB_METHOD_NAMES.map(ipcChannel)).size).toBe(LAB_METHOD_NAMES.length)
    expect(ipcChannel('runs/get')).toBe('lab:runs/get')
    expect(IPC_EVENT_CHANNEL).toBe('lab:event')
    for (const name of LAB_METHOD_NAMES) expect(LAB_METHODS[name].doc, name).toMatch(/^\S.{10,}[.)]$/s)
  })

  it('has these events, in this order', () => {
    expect(LAB_EVENT_NAMES).toEqual(Object.keys(EVENTS))
  })

  it.each(LAB_METHOD_NAMES)('%s takes and gives the shapes listed', (name) => {
    const method = LAB_METHODS[name]
    expect({ input: shapeOf(method.input, 'input'), output: shapeOf(method.output, 'output') }).toEqual(METHODS[name])
  })

  it.each(LAB_EVENT_NAMES)('%s carries the shape listed', (name) => {
    expect(shapeOf(LAB_EVENTS[name], 'output')).toBe(EVENTS[name])
  })
})
