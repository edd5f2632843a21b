/**
 * `lab bench`: images/s of the tutorial's models, training and inference, on every available
 * backend, next to Debian's PyTorch on the same machine in the same run, with the GFLOP/s each
 * row achieves against numpy's float32 matrix product on this machine (its BLAS's rate, the
 * machine's reference) and the CPU they ran on. PyTorch and numpy run after ours, back to back,
 * so all see the same machine load; `--rounds` repeats them and keeps the best of each (a shared
 * machine only ever makes a run slower); `--threads 1,2` measures each thread count, training and
 * inference alike (inference on the app's pool), and reports how each scales.
 */
import { execFile } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
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
const NUMPY_SCRIPT = join(here, '..', '..', '..', 'scripts', 'numpy_peak.py')

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

function run(file: string, args: string[], env?: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { maxBuffer: 1 << 20, ...(env ? { env } : {}) }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${stderr.trim().split('\n').pop() || err.message}`))
      else resolve(stdout)
    })
  })
}

/** Why a comparison script cannot run here (PyTorch's, numpy's), or undefined when it can. */
async function pythonUnavailable(script: string, module: 'torch' | 'numpy'): Promise<string | undefined> {
  if (!existsSync(script)) return `${script} is missing`
  try {
    await run(PYTHON, ['-c', `import ${module}`])
    return undefined
  } catch (err) {
    return `${PYTHON} cannot import ${module} (${err instanceof Error ? err.message : String(err)}); apt install python3-${module} to compare`
  }
}

async function runTorch(seconds: number, batch: number, inferBatch: number, threads: number, env?: NodeJS.ProcessEnv): Promise<TorchReport> {
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
    // torch.set_num_threads does not reach a BLAS that Debian's generic build loads as libblas.so.3.
  ], { ...(env ?? process.env), OPENBLAS_NUM_THREADS: String(threads), BLIS_NUM_THREADS: String(threads) })
  return JSON.parse(out) as TorchReport
}

/** Keeps the better rate of each row over rounds, and the GFLOP/s of that rate. */
export function mergeBest(into: BenchmarkRow[], rows: BenchmarkRow[]): BenchmarkRow[] {
  if (!into.length) return rows
  return into.map((r, i) => {
    const other = rows[i]
    const train = (other?.trainImagesPerSec ?? 0) > (r.trainImagesPerSec ?? 0) ? other : r
    const infer = (other?.inferImagesPerSec ?? 0) > (r.inferImagesPerSec ?? 0) ? other : r
    return {
      ...r,
      trainImagesPerSec: train.trainImagesPerSec,
      trainGflops: train.trainGflops,
      inferImagesPerSec: infer.inferImagesPerSec,
      inferGflops: infer.inferGflops,
      inferThreads: infer.inferThreads
    }
  })
}

/** numpy's float32 matrix product on this machine: the reference the rows' GFLOP/s are set against. */
export interface NumpyPeak {
  numpy: string
  threads: number
  size: number
  gflops: number
  /** The BLAS libraries numpy loaded. */
  blas: string[]
  /**
   * The library numpy's float32 product calls (its cblas_sgemm) and which of the script's marker
   * symbols it or a library it loads exports; null when numpy resolves no cblas_sgemm (a wheel's
   * BLAS renames its symbols), absent from an older script.
   */
  blasCalled?: { path: string; markers: string[] } | null
}

async function runNumpy(threads: number, seconds: number, env?: NodeJS.ProcessEnv): Promise<NumpyPeak> {
  return JSON.parse(await run(PYTHON, [NUMPY_SCRIPT, '--threads', String(threads), '--seconds', String(Math.min(seconds, 2))], env)) as NumpyPeak
}

const BLAS_LIBRARY = 'libblas.so.3'

/**
 * The environment that makes numpy and PyTorch load the BLAS in `dir` (one holding a libblas.so.3,
 * as Debian's /usr/lib/x86_64-linux-gnu/openblas-pthread does) instead of the system's.
 */
export function blasEnvironment(dir: string, env: NodeJS.ProcessEnv, exists: (path: string) => boolean = existsSync): NodeJS.ProcessEnv {
  if (!exists(join(dir, BLAS_LIBRARY))) {
    throw new CliError(`--blas ${dir}: no ${BLAS_LIBRARY} there; give the folder of a BLAS such as /usr/lib/x86_64-linux-gnu/openblas-pthread (apt install libopenblas0-pthread).`)
  }
  return { ...env, LD_LIBRARY_PATH: env.LD_LIBRARY_PATH ? `${dir}:${env.LD_LIBRARY_PATH}` : dir }
}

/** Symbols only an optimised BLAS exports: OpenBLAS's, BLIS's, MKL's and ATLAS's own functions. */
const OPTIMISED_BLAS_MARKERS = ['openblas_get_config', 'bli_info_get_version_str', 'MKL_Get_Version_String', 'ATL_buildinfo']
/** A global of netlib's CBLAS; an optimised BLAS that took its CBLAS layer from netlib is told by its own marker. */
const NETLIB_CBLAS_MARKER = 'RowMajorStrg'

/**
 * Whether numpy ran on the netlib reference BLAS (Debian's default libblas3): a correct but
 * unoptimised product, a twentieth or less of what an optimised BLAS gets from the same CPU, so a
 * share of it says nothing about how close a row comes to the machine's peak. Told by the symbols
 * of the library numpy calls, wherever it lies; by Debian's path for the reference only when
 * numpy's script could not say which library that is.
 */
export function isReferenceBlas(peak: Pick<NumpyPeak, 'blas' | 'blasCalled'>): boolean {
  if (peak.blasCalled) {
    const { markers } = peak.blasCalled
    return markers.includes(NETLIB_CBLAS_MARKER) && !markers.some((m) => OPTIMISED_BLAS_MARKERS.includes(m))
  }
  return peak.blas.some((l) => /\/blas\/libblas\.so/.test(l)) && !peak.blas.some((l) => /openblas|blis|mkl|atlas/i.test(l))
}

/** The CPU as /proc/cpuinfo names it, and its SIMD flags (all flags stay in --json). */
export interface CpuInfo {
  model: string
  flags: string[]
}

const SIMD_FLAG = /^(sse\d.*|ssse3|avx.*|fma.?|f16c|amx.*|asimd.*|sve.*|neon)$/

export function readCpuInfo(text: string): CpuInfo | undefined {
  const field = (name: string): string | undefined => new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm').exec(text)?.[1]?.trim()
  const model = field('model name') ?? field('Model') ?? field('cpu model')
  if (!model) return undefined
  return { model, flags: (field('flags') ?? field('Features') ?? '').split(/\s+/).filter(Boolean) }
}

export const simdFlags = (cpu: CpuInfo): string[] => cpu.flags.filter((f) => SIMD_FLAG.test(f))

/** One configuration of the sweep: threads asked (undefined: as a training run) and the kernels' build. */
interface Config {
  threads?: number
  kernels?: 'simd' | 'relaxed-simd'
}

export interface ScalingRow {
  model: string
  backend: BackendName
  kernels?: string
  task: 'train' | 'infer'
  threads: number
  imagesPerSec: number
  /** Rate over the fewest threads' rate. */
  speedup: number
  /** Speed-up per thread added: speedup / (threads / fewest threads). */
  efficiency: number
}

const SCALED = {
  train: (r: BenchmarkRow) => ({ threads: r.trainThreads ?? 1, rate: r.trainImagesPerSec }),
  infer: (r: BenchmarkRow) => ({ threads: r.inferThreads ?? 1, rate: r.inferImagesPerSec })
} as const

/**
 * How training and inference scaled over the sweep, per model, backend and kernel build, from the
 * threads each row actually used (a model no split suits trains on one thread whatever was asked;
 * a batch too small to pay for a helper is predicted on fewer).
 */
export function scaling(rows: BenchmarkRow[]): ScalingRow[] {
  const out: ScalingRow[] = []
  for (const task of ['train', 'infer'] as const) {
    const groups = new Map<string, { row: BenchmarkRow; threads: number; rate: number }[]>()
    for (const r of rows) {
      const { threads, rate } = SCALED[task](r)
      if (rate === undefined) continue
      const key = `${r.model}|${r.backend}|${r.kernels ?? ''}`
      groups.set(key, [...(groups.get(key) ?? []), { row: r, threads, rate }])
    }
    for (const group of groups.values()) {
      const sorted = [...group].sort((a, b) => a.threads - b.threads)
      const base = sorted[0]
      for (const { row, threads, rate } of sorted) {
        const speedup = rate / base.rate
        out.push({ model: row.model, backend: row.backend, kernels: row.kernels, task, threads, imagesPerSec: rate, speedup, efficiency: speedup / (threads / base.threads) })
      }
    }
  }
  return out
}

const listOption = (value: string | undefined): string[] | undefined => value?.split(',').map((v) => v.trim()).filter(Boolean)

const percent = (x: number | undefined, of: number | undefined): string => (x === undefined || !of ? '-' : `${Math.round((100 * x) / of)}%`)
const fmt = (x: number | undefined): string => (x === undefined ? '-' : x >= 100 ? String(Math.round(x)) : x.toFixed(1))
const ratio = (ours: number | undefined, theirs: number | undefined): string =>
  ours === undefined || !theirs ? '-' : `${(ours / theirs).toFixed(2)}x`


/** The better of two PyTorch reports, model by model. */
function bestTorch(a: TorchReport | undefined, b: TorchReport): TorchReport {
  if (!a) return b
  return {
    ...b,
    results: b.results.map((x) => {
      const prev = a.results.find((p) => p.model === x.model)
      return {
        model: x.model,
        train_images_per_sec: Math.max(x.train_images_per_sec, prev?.train_images_per_sec ?? 0),
        infer_images_per_sec: Math.max(x.infer_images_per_sec, prev?.infer_images_per_sec ?? 0)
      }
    })
  }
}

export async function benchCommand(argv: string[], ctx: CommandContext): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...valueOptions('seconds', 'batch', 'infer-batch', 'rounds', 'models', 'backends', 'threads', 'kernels'),
      'slow-cpu': { type: 'boolean' },
      'no-torch': { type: 'boolean' },
      'no-numpy': { type: 'boolean' },
      blas: { type: 'string' }
    },
    strict: true
  })
  const seconds = floatOption(values.seconds, 'seconds', 0.1, 600) ?? 5
  const batch = intOption(values.batch, 'batch', 1, 4096) ?? 32
  const inferBatch = intOption(values['infer-batch'], 'infer-batch', 1, 4096) ?? 256
  const rounds = intOption(values.rounds, 'rounds', 1, 20) ?? 1
  const models = listOption(values.models) ?? ['seed-mlp', 'seed-cnn']
  const cores = availableParallelism()
  const threadList = listOption(values.threads)?.map((t) => intOption(t, 'threads', 1, 64) as number)
  const kernelList = listOption(values.kernels)?.map((k) => {
    if (k !== 'simd' && k !== 'relaxed-simd') throw new CliError(`--kernels takes simd and/or relaxed-simd, got ${JSON.stringify(k)}.`)
    return k
  })
  const configs: Config[] = (threadList ?? [undefined]).flatMap((threads) => (kernelList ?? [undefined]).map((kernels) => ({ threads, kernels })))
  // PyTorch and numpy run at each thread count of the sweep, or at as many threads as cores.
  const referenceThreads = [...new Set(threadList ?? [cores])]
  const pythonEnv = values.blas === undefined ? undefined : blasEnvironment(values.blas, process.env)

  const report = await withEngine(undefined, async (engine) => {
    const backendsReport = await engine.request('backends/report', {})
    const available = backendsReport.candidates.filter((c) => c.available).map((c) => c.name)
    let backends: BackendName[] = available
    if (values.backends) {
      backends = values.backends.split(',').map((b) => b.trim()) as BackendName[]
      const unknown = backends.filter((b) => !available.includes(b))
      if (unknown.length) throw new CliError(`--backends: ${unknown.join(', ')} not available here (available: ${available.join(', ')}).`)
    }
    const torchWhyNot = values['no-torch'] ? 'skipped (--no-torch)' : await pythonUnavailable(TORCH_SCRIPT, 'torch')
    const numpyWhyNot = values['no-numpy'] ? 'skipped (--no-numpy)' : await pythonUnavailable(NUMPY_SCRIPT, 'numpy')
    const rows: BenchmarkRow[][] = configs.map(() => [])
    const torch = new Map<number, TorchReport>()
    const numpy = new Map<number, NumpyPeak>()
    for (let r = 1; r <= rounds; r++) {
      for (const [i, config] of configs.entries()) {
        const what = [config.threads && `${config.threads} thread(s)`, config.kernels].filter(Boolean).join(', ')
        ctx.status(`round ${r}/${rounds}: ConvLab on ${backends.join(', ')}${what ? ` (${what})` : ''}, ${seconds} s per measurement...`)
        const ours = await engine.request('bench/run', { models, backends, batch, inferBatch, seconds, slowCpu: Boolean(values['slow-cpu']), ...config }, { timeoutMs: 0 })
        rows[i] = mergeBest(rows[i], ours.rows)
      }
      for (const threads of referenceThreads) {
        if (!torchWhyNot) {
          ctx.status(`round ${r}/${rounds}: PyTorch, ${threads} thread(s)...`)
          torch.set(threads, bestTorch(torch.get(threads), await runTorch(seconds, batch, inferBatch, threads, pythonEnv)))
        }
        if (!numpyWhyNot) {
          ctx.status(`round ${r}/${rounds}: numpy float32 matmul, ${threads} thread(s)...`)
          const peak = await runNumpy(threads, seconds, pythonEnv)
          const before = numpy.get(threads)
          if (!before || peak.gflops > before.gflops) numpy.set(threads, peak)
        }
      }
    }
    return { chosen: backendsReport.chosen, rows: rows.flat(), torch, numpy, torchWhyNot, numpyWhyNot }
  })

  let cpuText: string | undefined
  try {
    cpuText = readFileSync('/proc/cpuinfo', 'utf8')
  } catch {
    cpuText = undefined
  }
  const cpu = cpuText === undefined ? undefined : readCpuInfo(cpuText)
  const bench: BenchmarkReport = { cores, rows: report.rows }
  // A row is compared with the references at the thread count it used, or the nearest measured.
  const nearest = <T>(map: Map<number, T>, threads: number | undefined): T | undefined => {
    const keys = [...map.keys()].sort((a, b) => Math.abs(a - (threads ?? cores)) - Math.abs(b - (threads ?? cores)))
    return keys.length ? map.get(keys[0]) : undefined
  }
  const torchOf = (model: string, threads: number | undefined): TorchRow | undefined => nearest(report.torch, threads)?.results.find((t) => t.model === model)
  const numpyOf = (threads: number | undefined): NumpyPeak | undefined => nearest(report.numpy, threads)
  const scalingRows = configs.length > 1 ? scaling(bench.rows) : []
  if (ctx.json) {
    ctx.print(
      JSON.stringify({
        ...bench,
        rounds,
        defaultBackend: report.chosen,
        cpu: cpu ?? { unavailable: '/proc/cpuinfo has no model name' },
        pytorch: report.torch.size ? [...report.torch.values()] : { unavailable: report.torchWhyNot },
        numpy: report.numpy.size ? [...report.numpy.values()] : { unavailable: report.numpyWhyNot },
        ...(values.blas === undefined ? {} : { blasDir: values.blas }),
        scaling: scalingRows,
        ratios: bench.rows
          .filter((r) => r.backend === report.chosen)
          .map((r) => {
            const t = torchOf(r.model, r.trainThreads)
            const ti = torchOf(r.model, r.inferThreads)
            const peak = numpyOf(r.trainThreads)
            const inferPeak = numpyOf(r.inferThreads)
            return {
              model: r.model,
              backend: r.backend,
              threads: r.trainThreads ?? null,
              inferThreads: r.inferThreads ?? null,
              kernels: r.kernels ?? null,
              train: r.trainImagesPerSec && t ? r.trainImagesPerSec / t.train_images_per_sec : null,
              infer: r.inferImagesPerSec && ti ? r.inferImagesPerSec / ti.infer_images_per_sec : null,
              trainOfNumpy: r.trainGflops !== undefined && peak ? r.trainGflops / peak.gflops : null,
              inferOfNumpy: r.inferGflops !== undefined && inferPeak ? r.inferGflops / inferPeak.gflops : null
            }
          })
      })
    )
    return 0
  }
  if (cpu) ctx.print(`CPU: ${cpu.model}; SIMD flags: ${simdFlags(cpu).join(' ') || 'none listed'}`)
  ctx.print(`${cores} cores; training batch ${batch}, inference batch ${inferBatch}; best of ${rounds} round(s) of ${seconds} s each; images/s`)
  for (const peak of report.numpy.values()) {
    ctx.print(`numpy ${peak.numpy} float32 matmul ${peak.size}x${peak.size}, ${peak.threads} thread(s): ${peak.gflops.toFixed(1)} GFLOP/s (BLAS: ${peak.blas.join(', ') || 'not found'})`)
  }
  if ([...report.numpy.values()].some((p) => isReferenceBlas(p))) {
    ctx.print(
      'numpy (and PyTorch\'s matrix products) ran on the netlib reference BLAS, far below this CPU\'s peak: the "of numpy" column is not a share of the peak. ' +
        'Install libopenblas0-pthread, or pass --blas with the folder of an optimised libblas.so.3, to measure against one.'
    )
  }
  const header = ['model', 'backend', 'kernels', 'train threads', 'train', 'GFLOP/s', 'of numpy', 'vs torch', 'infer threads', 'infer', 'GFLOP/s', 'of numpy', 'vs torch']
  const lines: string[][] = []
  for (const r of bench.rows) {
    const t = torchOf(r.model, r.trainThreads)
    const ti = torchOf(r.model, r.inferThreads)
    const mark = r.backend === report.chosen ? ' *' : ''
    if (r.error) {
      lines.push([r.model, r.backend + mark, r.kernels ?? '', '', 'error', '', '', '', '', '', '', '', ''])
      continue
    }
    lines.push([
      r.model,
      r.backend + mark,
      r.kernels ?? '',
      r.trainThreads === undefined ? '' : r.trainSplit ? `${r.trainThreads} (${splitName(r.trainSplit)})` : String(r.trainThreads),
      r.trainSkipped ? 'skipped' : fmt(r.trainImagesPerSec),
      fmt(r.trainGflops),
      percent(r.trainGflops, numpyOf(r.trainThreads)?.gflops),
      ratio(r.trainImagesPerSec, t?.train_images_per_sec),
      r.inferThreads === undefined ? '' : String(r.inferThreads),
      fmt(r.inferImagesPerSec),
      fmt(r.inferGflops),
      percent(r.inferGflops, numpyOf(r.inferThreads)?.gflops),
      ratio(r.inferImagesPerSec, ti?.infer_images_per_sec)
    ])
  }
  for (const [threads, t] of report.torch) {
    for (const m of models) {
      const x = t.results.find((y) => y.model === m)
      if (x) lines.push([m, `pytorch ${t.version}`, '', String(threads), fmt(x.train_images_per_sec), '', '', '1.00x', String(threads), fmt(x.infer_images_per_sec), '', '', '1.00x'])
    }
  }
  ctx.print(formatTable(header, lines))
  ctx.print('* the backend ConvLab picks by default. GFLOP/s: 2 per multiply-add of the forward pass (inferShapes), training counted as 3 forward passes. Inference runs on the app\'s thread pool; each row is set against PyTorch and numpy at the threads it used.')
  if (scalingRows.length) {
    ctx.print('')
    ctx.print('Scaling (efficiency: speed-up over the fewest threads, per thread added):')
    ctx.print(
      formatTable(
        ['model', 'backend', 'kernels', 'task', 'threads', 'images/s', 'speed-up', 'efficiency'],
        scalingRows.map((s) => [s.model, s.backend, s.kernels ?? '', s.task, String(s.threads), fmt(s.imagesPerSec), `${s.speedup.toFixed(2)}x`, `${Math.round(100 * s.efficiency)}%`])
      )
    )
  }
  for (const r of bench.rows) {
    if (r.error) ctx.print(`${r.model} on ${r.backend}: ${r.error}`)
    if (r.trainSkipped) ctx.print(`${r.model} on ${r.backend}: training skipped: ${r.trainSkipped}`)
  }
  if (report.torchWhyNot) ctx.print(`PyTorch: ${report.torchWhyNot}`)
  if (report.numpyWhyNot) ctx.print(`numpy: ${report.numpyWhyNot}`)
  return 0
}
