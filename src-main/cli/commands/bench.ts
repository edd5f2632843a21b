/**
 * `lab bench`: images/s of the tutorial's models, training and inference, on every available
 * backend, next to Debian's PyTorch on the same machine in the same run. PyTorch runs after
 * ours, back to back, so both see the same machine load; `--rounds` repeats the pair and keeps
 * the best of each (a shared machine only ever makes a run slower).
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { dirname, join } from 'node:path'
import { parseArgs } from 'node:util'
import type { BenchmarkReport, BenchmarkRow } from '../../engine/bench'
import type { BackendName } from '../../shared/contract'
import { floatOption, intOption, valueOptions } from '../args'
import { CliError } from '../cli-error'
import type { CommandContext } from '../context'
import { withEngine } from '../engine'
import { formatTable } from '../format'
import { splitName } from '../../shared/threads'

const PYTHON = '/usr/bin/python3'
const here = typeof __dirname === 'string' ? __dirname : dirname(new URL(import.meta.url).pathname)
const TORCH_SCRIPT = join(here, '..', '..', '..', 'scripts', 'torch_reference.py')

interface TorchRow {
  model: string
  train_images_per_sec: number
  infer_images_per_sec: number
}

interface TorchReport {
  version: string
  threads: number
  results: TorchRow[]
}

function run(file: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${stderr.trim().split('\n').pop() || err.message}`))
      else resolve(stdout)
    })
  })
}

/** Why PyTorch cannot be compared here, or undefined when it can. */
async function torchUnavailable(): Promise<string | undefined> {
  if (!existsSync(TORCH_SCRIPT)) return `${TORCH_SCRIPT} is missing`
  try {
    await run(PYTHON, ['-c', 'import torch'])
    return undefined
  } catch (err) {
    return `${PYTHON} cannot import torch (${err instanceof Error ? err.message : String(err)}); apt install python3-torch to compare`
  }
}

async function runTorch(seconds: number, batch: number, inferBatch: number, threads: number): Promise<TorchReport> {
  const out = await run(PYTHON, [
    TORCH_SCRIPT,
    'bench',
    '--seconds',
    String(seconds),
    '--batch',
    String(batch),
    '--infer-batch',
    String(inferBatch),
    '--threads',
    String(threads)
  ])
  return JSON.parse(out) as TorchReport
}

const best = (a: number | undefined, b: number | undefined): number | undefined =>
  a === undefined ? b : b === undefined ? a : Math.max(a, b)

function mergeBest(into: BenchmarkRow[], rows: BenchmarkRow[]): BenchmarkRow[] {
  if (!into.length) return rows
  return into.map((r, i) => ({
    ...r,
    trainImagesPerSec: best(r.trainImagesPerSec, rows[i]?.trainImagesPerSec),
    inferImagesPerSec: best(r.inferImagesPerSec, rows[i]?.inferImagesPerSec)
  }))
}

const fmt = (x: number | undefined): string => (x === undefined ? '-' : x >= 100 ? String(Math.round(x)) : x.toFixed(1))
const ratio = (ours: number | undefined, theirs: number | undefined): string =>
  ours === undefined || !theirs ? '-' : `${(ours / theirs).toFixed(2)}x`

export async function benchCommand(argv: string[], ctx: CommandContext): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { ...valueOptions('seconds', 'batch', 'infer-batch', 'rounds', 'models', 'backends'), 'slow-cpu': { type: 'boolean' }, 'no-torch': { type: 'boolean' } },
    strict: true
  })
  const seconds = floatOption(values.seconds, 'seconds', 0.1, 600) ?? 5
  const batch = intOption(values.batch, 'batch', 1, 4096) ?? 32
  const inferBatch = intOption(values['infer-batch'], 'infer-batch', 1, 4096) ?? 256
  const rounds = intOption(values.rounds, 'rounds', 1, 20) ?? 1
  const models = values.models ? values.models.split(',').map((m) => m.trim()) : ['seed-mlp', 'seed-cnn']
  const cores = availableParallelism()

  const report = await withEngine(undefined, async (engine) => {
    const backendsReport = await engine.request('backends/report', {})
    const available = backendsReport.candidates.filter((c) => c.available).map((c) => c.name)
    let backends: BackendName[] = available
    if (values.backends) {
      backends = values.backends.split(',').map((b) => b.trim()) as BackendName[]
      const unknown = backends.filter((b) => !available.includes(b))
      if (unknown.length) throw new CliError(`--backends: ${unknown.join(', ')} not available here (available: ${available.join(', ')}).`)
    }
    const torchWhyNot = values['no-torch'] ? 'skipped (--no-torch)' : await torchUnavailable()
    let rows: BenchmarkRow[] = []
    let torch: TorchReport | undefined
    for (let r = 1; r <= rounds; r++) {
      ctx.status(`round ${r}/${rounds}: ConvLab on ${backends.join(', ')} (${seconds} s per measurement)...`)
      const ours = await engine.request(
        'bench/run',
        { models, backends, batch, inferBatch, seconds, slowCpu: Boolean(values['slow-cpu']) },
        { timeoutMs: 0 }
      )
      rows = mergeBest(rows, ours.rows)
      if (!torchWhyNot) {
        ctx.status(`round ${r}/${rounds}: PyTorch, ${cores} threads...`)
        const t = await runTorch(seconds, batch, inferBatch, cores)
        torch = torch
          ? {
              ...t,
              results: t.results.map((x) => {
                const prev = torch?.results.find((p) => p.model === x.model)
                return {
                  model: x.model,
                  train_images_per_sec: Math.max(x.train_images_per_sec, prev?.train_images_per_sec ?? 0),
                  infer_images_per_sec: Math.max(x.infer_images_per_sec, prev?.infer_images_per_sec ?? 0)
                }
              })
            }
          : t
      }
    }
    return { chosen: backendsReport.chosen, rows, torch, torchWhyNot }
  })

  const bench: BenchmarkReport = { cores, rows: report.rows }
  const torchOf = (model: string): TorchRow | undefined => report.torch?.results.find((t) => t.model === model)
  if (ctx.json) {
    ctx.print(
      JSON.stringify({
        ...bench,
        rounds,
        defaultBackend: report.chosen,
        pytorch: report.torch ?? { unavailable: report.torchWhyNot },
        ratios: models.map((m) => {
          const ours = bench.rows.find((r) => r.model === m && r.backend === report.chosen)
          const t = torchOf(m)
          return {
            model: m,
            backend: report.chosen,
            train: ours?.trainImagesPerSec && t ? ours.trainImagesPerSec / t.train_images_per_sec : null,
            infer: ours?.inferImagesPerSec && t ? ours.inferImagesPerSec / t.infer_images_per_sec : null
          }
        })
      })
    )
    return 0
  }
  ctx.print(`${cores} cores; training batch ${batch}, inference batch ${inferBatch}; best of ${rounds} round(s) of ${seconds} s each; images/s`)
  const header = ['model', 'backend', 'optimizer', 'train threads', 'train', 'vs torch', 'infer', 'vs torch']
  const lines: string[][] = []
  for (const r of bench.rows) {
    const t = torchOf(r.model)
    const mark = r.backend === report.chosen ? ' *' : ''
    if (r.error) {
      lines.push([r.model, r.backend + mark, r.optimizer, '', 'error', '', '', ''])
      continue
    }
    lines.push([
      r.model,
      r.backend + mark,
      r.optimizer,
      r.trainThreads === undefined ? '' : r.trainSplit ? `${r.trainThreads} (${splitName(r.trainSplit)})` : String(r.trainThreads),
      r.trainSkipped ? 'skipped' : fmt(r.trainImagesPerSec),
      ratio(r.trainImagesPerSec, t?.train_images_per_sec),
      fmt(r.inferImagesPerSec),
      ratio(r.inferImagesPerSec, t?.infer_images_per_sec)
    ])
  }
  for (const m of models) {
    const t = torchOf(m)
    if (t) lines.push([m, `pytorch ${report.torch?.version ?? ''}`.trim(), bench.rows.find((r) => r.model === m)?.optimizer ?? '', String(report.torch?.threads ?? ''), fmt(t.train_images_per_sec), '1.00x', fmt(t.infer_images_per_sec), '1.00x'])
  }
  ctx.print(formatTable(header, lines))
  ctx.print('* the backend ConvLab picks by default')
  for (const r of bench.rows) {
    if (r.error) ctx.print(`${r.model} on ${r.backend}: ${r.error}`)
    if (r.trainSkipped) ctx.print(`${r.model} on ${r.backend}: training skipped: ${r.trainSkipped}`)
  }
  if (report.torchWhyNot) ctx.print(`PyTorch: ${report.torchWhyNot}`)
  return 0
}
