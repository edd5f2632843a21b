/**
 * The CLI end to end, as a user runs it: real processes, the real engine process, and the real
 * Fashion-MNIST from Debian's dataset-fashion-mnist package (installed by .ci/run).
 */
import { existsSync } from 'node:fs'
import { copyFile, mkdir, readFile, stat, writeFile } from 'node:fs/promises'
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import sharp from 'sharp'
import { runLab, type CliResult } from './support/cli'
import { describe, expect, it } from 'vitest'
import { tempFolder } from '../fixtures/temp-folder'

const FASHION = '/usr/share/datasets/fashion-mnist'


const home = tempFolder('convlab-cli-', { subfolders: ['runs'] })

function lab(args: string[], timeoutMs = 240_000): Promise<CliResult> {
  return runLab(home, args, timeoutMs)
}

const jsonLines = (s: string): unknown[] =>
  s
    .split('\n')
    .filter((l) => l.startsWith('{') || l.startsWith('['))
    .map((l) => JSON.parse(l) as unknown)

describe('lab summary', () => {
  it("prints the tutorial's 12-parameter table for seed-toy", async () => {
    const r = await lab(['summary', '--model', 'seed-toy'])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('            Conv2d-1              [-1, 1, 2, 2]              10')
    expect(r.stdout).toContain('Total params: 12')
  })

  it('counts seed-cnn and seed-mlp as PyTorch does', async () => {
    const cnn = await lab(['summary', '--model', 'seed-cnn', '--json'])
    const mlp = await lab(['summary', '--model', 'seed-mlp', '--json'])
    const cnnJson = jsonLines(cnn.stdout)[0] as { totals: { totalParams: number }; rows: { params: number }[] }
    expect(cnnJson.totals.totalParams).toBe(896_522)
    expect(cnnJson.rows.map((r) => r.params).filter((p) => p > 0)).toEqual([640, 73_856, 819_456, 2_570])
    expect((jsonLines(mlp.stdout)[0] as { totals: { totalParams: number } }).totals.totalParams).toBe(795_010)
  })

  it('names the layer and the reason for an impossible stack, and exits non-zero', async () => {
    const file = join(home, 'impossible.json')
    await writeFile(
      file,
      JSON.stringify({
        name: 'too deep',
        inputShape: [1, 4, 4],
        layers: [{ type: 'conv2d', filters: 1, kernel: 3 }, { type: 'conv2d', filters: 1, kernel: 3 }]
      })
    )
    const r = await lab(['summary', '--model', file])
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/Error: Layer 2 \(Conv2d\): kernel 3x3 is larger than its 2x2 input/)
  })

  it('rejects an unknown model with one line', async () => {
    const r = await lab(['summary', '--model', 'no-such-preset'])
    expect(r.code).not.toBe(0)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr).toMatch(/^error: no-such-preset is neither a preset/)
  })
})

describe('lab shift-study', () => {
  it('takes exactly one of --runs and --recipe, with a one-line error otherwise', async () => {
    const both = await lab(['shift-study', '--runs', 'runs/a', '--recipe', join(home, 'never')])
    expect(both.code).toBe(2)
    expect(both.stderr.trim().split('\n')).toEqual(['error: --runs and --recipe cannot be combined; give one of them.'])
    const seedTwice = await lab(['shift-study', '--recipe', join(home, 'never'), '--seed', '1', '--seeds', '1,2'])
    expect(seedTwice.code).toBe(2)
    expect(seedTwice.stderr).toMatch(/either --seed N .* or --seeds/)
    const neither = await lab(['shift-study', '--max', '1'])
    expect(neither.code).toBe(2)
    expect(neither.stderr.trim().split('\n')).toHaveLength(1)
    expect(neither.stderr).toMatch(/give --runs .* or --recipe DIR/)
    expect(existsSync(join(home, 'never'))).toBe(false)
  })
})

describe('lab backends', () => {
  it('reports the chosen backend and why the native ones were skipped', async () => {
    const r = await lab(['backends', '--json'])
    expect(r.code).toBe(0)
    const report = jsonLines(r.stdout)[0] as { chosen: string; candidates: { name: string; available: boolean; reason?: string }[] }
    expect(report.candidates.map((c) => c.name)).toEqual(['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'])
    for (const c of report.candidates.filter((c) => !c.available)) expect(c.reason).toBeTruthy()
    expect(report.candidates.find((c) => c.name === report.chosen)?.available).toBe(true)
  })
})

describe('lab bench', () => {
  interface Row { model: string; kernels?: string; trainThreads?: number; inferThreads?: number; trainImagesPerSec?: number; trainGflops?: number; inferImagesPerSec?: number; inferGflops?: number; forwardMacs: number }
  interface Report {
    rows: Row[]
    cpu: { model: string; flags: string[] }
    numpy: { gflops: number; threads: number; blas: string[] }[] | { unavailable: string }
    scaling: { task: 'train' | 'infer'; threads: number; kernels?: string; speedup: number; efficiency: number }[]
  }

  it('sweeps thread counts and kernel builds, with GFLOP/s from inferShapes, numpy as the reference and the CPU named', async () => {
    const r = await lab(['bench', '--json', '--seconds', '0.2', '--models', 'seed-mlp', '--backends', 'wasm', '--threads', '1,2', '--kernels', 'simd,relaxed-simd', '--no-torch'], 600_000)
    expect(r.code).toBe(0)
    const report = jsonLines(r.stdout)[0] as Report
    // Inference on the app's pool, at the same thread counts as training: 256 seed-mlp rows pay for 2 threads.
    expect(report.rows.map((x) => [x.trainThreads, x.inferThreads, x.kernels])).toEqual([
      [1, 1, 'simd'],
      [1, 1, 'relaxed-simd'],
      [2, 2, 'simd'],
      [2, 2, 'relaxed-simd']
    ])
    // seed-mlp: 784 x 1000 + 1000 x 10 multiply-adds per image.
    for (const row of report.rows) {
      expect(row.forwardMacs).toBe(794_000)
      expect(row.trainGflops).toBeCloseTo(((row.trainImagesPerSec ?? 0) * 794_000 * 6) / 1e9, 6)
      expect(row.inferGflops).toBeCloseTo(((row.inferImagesPerSec ?? 0) * 794_000 * 2) / 1e9, 6)
    }
    expect(report.scaling.map((x) => [x.task, x.kernels, x.threads])).toEqual([
      ['train', 'simd', 1],
      ['train', 'simd', 2],
      ['train', 'relaxed-simd', 1],
      ['train', 'relaxed-simd', 2],
      ['infer', 'simd', 1],
      ['infer', 'simd', 2],
      ['infer', 'relaxed-simd', 1],
      ['infer', 'relaxed-simd', 2]
    ])
    for (const x of report.scaling.filter((x) => x.threads === 2)) expect(x.efficiency).toBeCloseTo(x.speedup / 2, 9)
    if (existsSync('/proc/cpuinfo')) expect(report.cpu.model).toBeTruthy()
    if (Array.isArray(report.numpy)) {
      expect(report.numpy.map((n) => n.threads)).toEqual([1, 2])
      for (const n of report.numpy) expect(n.gflops).toBeGreaterThan(0)
    } else {
      expect(report.numpy.unavailable).toMatch(/numpy/)
    }
  }, 600_000)
})

describe.skipIf(!existsSync(FASHION))('the tutorial experiment on real Fashion-MNIST', () => {
  let run: string

  it('trains seed-mlp on a subset and writes a complete run folder', async () => {
    run = join(home, 'runs', 'mlp')
    const r = await lab([
      'train', '--model', 'seed-mlp', '--data', 'fashion-mnist', '--optimizer', 'sgd', '--lr', '0.01',
      '--batch', '32', '--epochs', '2', '--limit', '3000', '--seed', '1', '--out', run, '--json'
    ])
    expect(r.stderr).not.toMatch(/^error/m)
    expect(r.code).toBe(0)
    const lines = jsonLines(r.stdout) as { event?: string; status?: string; threads?: unknown; test?: { accuracy: number; count: number } }[]
    expect(lines.filter((l) => l.event === 'epoch')).toHaveLength(2)
    const final = lines[lines.length - 1]
    expect(final.status).toBe('completed')
    // A training limit does not shrink the test set: all 10,000 test images are used.
    expect(final.test!.count).toBe(10_000)
    expect(final.test!.accuracy).toBeGreaterThan(0.6)
    for (const f of ['run.json', 'history.json', 'metrics.json', 'model/model.json', 'model/weights.bin']) {
      expect(existsSync(join(run, f)), f).toBe(true)
    }
    const history = JSON.parse(await readFile(join(run, 'history.json'), 'utf8')) as { batches: unknown[] }
    expect(history.batches.length).toBe(2 * Math.ceil(3000 / 32))
    // The MLP's hidden units are split over two threads wherever there are two cores.
    const threads = Number(process.env.CONVLAB_TRAIN_THREADS ?? availableParallelism()) >= 2 ? { count: 2, split: 'units' } : { count: 1 }
    expect(final.threads).toEqual(threads)
    const saved = JSON.parse(await readFile(join(run, 'run.json'), 'utf8')) as { threads?: unknown }
    expect(saved.threads).toEqual(threads)
  })

  it('repeats a run over seeds as a group, one folder per seed, and reports the test accuracy as mean ± sd', async () => {
    const out = join(home, 'runs', 'group')
    const r = await lab([
      'train', '--model', 'seed-mlp', '--data', 'fashion-mnist', '--epochs', '1', '--limit', '300', '--test-limit', '500', '--seeds', '3,4', '--out', out, '--json'
    ])
    expect(r.stderr).not.toMatch(/^error/m)
    expect(r.code).toBe(0)
    const lines = jsonLines(r.stdout) as { run?: string; group?: string; seed?: number; test?: { accuracy: number }; seeds?: number[]; testAccuracy?: { mean: number; sd: number; count: number } }[]
    const runs = lines.filter((l) => l.run)
    expect(runs.map((l) => [l.run, l.group, l.seed])).toEqual([
      [`${out}-seed3`, 'group', 3],
      [`${out}-seed4`, 'group', 4]
    ])
    const summary = lines.at(-1)!
    expect(summary.seeds).toEqual([3, 4])
    const [a, b] = runs.map((l) => l.test!.accuracy)
    expect(a).not.toBe(b)
    expect(summary.testAccuracy!.mean).toBeCloseTo((a + b) / 2, 12)
    expect(summary.testAccuracy!.sd).toBeCloseTo(Math.abs(a - b) / Math.SQRT2, 12)
    const saved = JSON.parse(await readFile(join(`${out}-seed4`, 'run.json'), 'utf8')) as { group?: string; config: { seed: number } }
    expect(saved).toMatchObject({ group: 'group', config: { seed: 4 } })
    expect(existsSync(out)).toBe(false)
  })

  it('shift-study --runs takes a group (the --out of train --seeds) and reports each figure as mean ± sd over its seeds', async () => {
    const group = join(home, 'runs', 'group')
    const r = await lab(['shift-study', '--runs', `${group},${run}`, '--max', '1', '--limit', '60', '--json'])
    expect(r.stderr).not.toMatch(/^error/m)
    expect(r.code).toBe(0)
    type Fig = { mean: number; sd: number; count: number }
    const study = jsonLines(r.stdout)[0] as {
      runs: { run: string; summary: { accuracyAt0: number; meanConsistency: number } }[]
      groups: { name: string; runs: string[]; count: number; accuracyAt0: Fig; meanConsistency: Fig; x: { shift: number; consistency: Fig }[] }[]
      overlaps: { figure: string; a: string; b: string }[]
    }
    expect(study.runs.map((x) => x.run)).toEqual([`${group}-seed3`, `${group}-seed4`, run])
    expect(study.groups.map((g) => [g.name, g.count, g.runs])).toEqual([
      [group, 2, [`${group}-seed3`, `${group}-seed4`]],
      [run, 1, [run]]
    ])
    const [a, b] = study.runs.map((x) => x.summary.accuracyAt0)
    expect(study.groups[0].accuracyAt0.mean).toBeCloseTo((a + b) / 2, 12)
    expect(study.groups[0].accuracyAt0.sd).toBeCloseTo(Math.abs(a - b) / Math.SQRT2, 12)
    expect(study.groups[1].accuracyAt0).toEqual({ mean: study.runs[2].summary.accuracyAt0, sd: 0, count: 1 })
    expect(study.groups[0].x.map((p) => p.shift)).toEqual([-1, 0, 1])
    expect(Array.isArray(study.overlaps)).toBe(true)

    const text = await lab(['shift-study', '--runs', `${group},${run}`, '--max', '1', '--limit', '60'])
    expect(text.stdout).toMatch(/mean ± standard deviation over the seeds/)
    expect(text.stdout).toMatch(/% ± \d+\.\d\d/)
    expect(text.stdout).toMatch(/a group of one run has no spread/)
    const missing = await lab(['shift-study', '--runs', join(home, 'runs', 'nothing')])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toMatch(/neither a run folder .* nor a group of runs over seeds/)
  })

  it('refuses --seeds with one seed, a repeated seed, or beside --seed, before any work', async () => {
    for (const [args, message] of [
      [['--seeds', '1'], '--seeds takes two or more different seeds'],
      [['--seeds', '1,1'], '--seeds takes two or more different seeds'],
      [['--seeds', '1,x'], '--seeds'],
      [['--seeds', '1,2', '--seed', '3'], 'Give either --seed N or --seeds']
    ] as const) {
      const r = await lab(['train', '--model', 'seed-mlp', '--data', 'toy', '--out', join(home, 'runs', 'never'), ...args])
      expect(r.code, args.join(' ')).toBe(2)
      expect(r.stderr).toContain(message)
    }
    expect(existsSync(join(home, 'runs', 'never-seed1'))).toBe(false)
  })

  it('Ctrl-C in a terminal stops training after the current batch and keeps the run, marked cancelled', async () => {
    const dir = join(home, 'runs', 'interrupted')
    const r = await runLab(home, ['train', '--model', 'seed-mlp', '--data', 'fashion-mnist', '--epochs', '50', '--limit', '3000', '--out', dir], 240_000, /epoch 1:/)
    expect(r.stderr).not.toMatch(/^error|Error:/m)
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/Run cancelled/)
    expect(r.stdout).toMatch(/^Trained on: \S+, \d threads?/m)
    const saved = JSON.parse(await readFile(join(dir, 'run.json'), 'utf8')) as { status: string; epochs?: unknown[] }
    expect(saved.status).toBe('cancelled')
  })

  it('refuses to overwrite a run without --force', async () => {
    const r = await lab(['train', '--model', 'seed-mlp', '--data', 'toy', '--out', run])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/already holds a run/)
  })

  it('evaluates the run on the test split', async () => {
    const r = await lab(['evaluate', '--run', run, '--limit', '1000', '--json'])
    expect(r.code).toBe(0)
    const m = jsonLines(r.stdout)[0] as { accuracy: number; count: number; confusion: number[][] }
    expect(m.count).toBe(1000)
    expect(m.confusion).toHaveLength(10)
    expect(m.confusion.flat().reduce((a, b) => a + b, 0)).toBe(1000)
  })

  it("shifts the tutorial's image 24150 by -5..5 px: 11 rows of 10 probabilities summing to 1", async () => {
    const r = await lab(['shift', '--run', run, '--index', '24150', '--json'])
    expect(r.code).toBe(0)
    const s = jsonLines(r.stdout)[0] as { shifts: number[]; probabilities: number[][]; classNames: string[]; label: number }
    expect(s.shifts).toEqual([-5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5])
    expect(s.classNames[2]).toBe('Pullover')
    expect(s.probabilities).toHaveLength(11)
    for (const row of s.probabilities) {
      expect(row).toHaveLength(10)
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5)
    }
    // As the README writes it: negative numbers as option values.
    const text = await lab(['shift', '--run', run, '--index', '24150', '--from', '-5', '--to', '5'])
    expect(text.stdout).toMatch(/^-5 pixels/m)
    expect(text.stdout).toMatch(/^5 pixels/m)
  })

  it('shift-study: accuracy and consistency per shift of the run and of an augmented one, table and JSON', async () => {
    const augmented = join(home, 'runs', 'mlp-aug')
    const t = await lab([
      'train', '--model', 'seed-mlp', '--data', 'fashion-mnist', '--epochs', '1', '--limit', '600', '--seed', '1',
      '--augment-shift', '2', '--augment-axes', 'x', '--out', augmented, '--json'
    ])
    expect(t.code).toBe(0)
    const saved = JSON.parse(await readFile(join(augmented, 'run.json'), 'utf8')) as { config: { augment?: unknown } }
    expect(saved.config.augment).toEqual({ maxShift: 2, axes: 'x', mode: 'roll' })
    const r = await lab(['shift-study', '--runs', `${run},${augmented}`, '--max', '2', '--limit', '200', '--json'])
    expect(r.code).toBe(0)
    type Point = { dx: number; dy: number; accuracy: number; consistency: number }
    const study = jsonLines(r.stdout)[0] as { runs: { count: number; x: Point[]; y: Point[]; summary: { accuracyAt0: number; meanConsistency: number } }[] }
    expect(study.runs).toHaveLength(2)
    for (const one of study.runs) {
      expect(one.count).toBe(200)
      expect(one.x.map((p) => p.dx)).toEqual([-2, -1, 0, 1, 2])
      expect(one.x[2].consistency).toBe(1)
      expect(one.summary.meanConsistency).toBeLessThanOrEqual(1)
    }
    const text = await lab(['shift-study', '--runs', run, '--max', '1', '--limit', '100'])
    expect(text.stdout).toMatch(/mean consistency/)
    expect(text.stdout).toMatch(/Consistency by shift along y/)
    const bad = await lab(['train', '--model', 'seed-mlp', '--data', 'toy', '--augment-mode', 'zero', '--out', join(home, 'x')])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/need --augment-shift/)
  })

  it('shift-study --recipe trains the four recipe runs, studies them, and reuses them the second time', async () => {
    const dir = join(home, 'runs', 'recipe')
    const args = ['shift-study', '--recipe', dir, '--seed', '1', '--epochs', '1', '--train-limit', '200', '--limit', '50', '--max', '1', '--json']
    const r = await lab(args)
    expect(r.stderr).not.toMatch(/^error/m)
    expect(r.code).toBe(0)
    const folders = ['seed-mlp', 'seed-cnn', 'seed-cnn-shifts', 'seed-cnn-blurpool'].map((f) => join(dir, f))
    const metas = await Promise.all(
      folders.map(async (f) => JSON.parse(await readFile(join(f, 'run.json'), 'utf8')) as { status: string; model: { name: string }; config: { epochs: number; limit?: number; augment?: unknown } })
    )
    for (const [i, f] of folders.entries()) {
      expect(metas[i].status, f).toBe('completed')
      expect(metas[i].config.epochs).toBe(1)
      expect(metas[i].config.limit).toBe(200)
      expect(existsSync(join(f, 'model/model.json')), f).toBe(true)
    }
    expect(metas.map((m) => m.model.name)).toEqual(['seed-mlp', 'seed-cnn', 'seed-cnn', 'seed-cnn-blurpool'])
    expect(metas[2].config.augment).toEqual({ maxShift: 3, axes: 'xy', mode: 'roll' })
    const lines = jsonLines(r.stdout) as { event?: string; runs?: { run: string; name: string; count: number }[] }[]
    expect(lines.filter((l) => l.event === 'epoch')).toHaveLength(4)
    const study = lines[lines.length - 1]
    expect(study.runs!.map((x) => x.name)).toEqual(['seed-mlp', 'seed-cnn', 'seed-cnn + shifts ±3', 'seed-cnn + BlurPool'])
    expect(study.runs!.map((x) => x.run)).toEqual(folders)
    expect(study.runs!.every((x) => x.count === 50)).toBe(true)

    const before = await Promise.all(folders.map(async (f) => (await stat(join(f, 'run.json'))).mtimeMs))
    const again = await lab(args)
    expect(again.code).toBe(0)
    expect(again.stderr.match(/^Reusing /gm)).toHaveLength(4)
    expect(jsonLines(again.stdout).filter((l) => (l as { event?: string }).event === 'epoch')).toHaveLength(0)
    const after = await Promise.all(folders.map(async (f) => (await stat(join(f, 'run.json'))).mtimeMs))
    expect(after).toEqual(before)
    const rows = (jsonLines(again.stdout).at(-1) as { runs: unknown[] }).runs
    expect(rows).toHaveLength(4)
  })

  it('predicts dropped-in image files and names a file that is not an image', async () => {
    const png = join(home, 'shirt.png')
    const pixels = Buffer.alloc(40 * 40, 255)
    for (let y = 8; y < 32; y++) for (let x = 12; x < 28; x++) pixels[y * 40 + x] = 40
    await sharp(pixels, { raw: { width: 40, height: 40, channels: 1 } }).png().toFile(png)
    const r = await lab(['predict', '--run', run, png, '--json'])
    expect(r.code).toBe(0)
    const [result] = jsonLines(r.stdout)[0] as { probabilities: number[]; preprocessing: string[] }[]
    expect(result.probabilities).toHaveLength(10)
    expect(result.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5)
    expect(result.preprocessing.join(' ')).toMatch(/invert/)

    const text = join(home, 'notes.png')
    await writeFile(text, 'these are my notes, not a picture')
    const bad = await lab(['predict', '--run', run, text])
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/^error: .*notes\.png/)
  })

  it('says which file is broken when the dataset is truncated or not gzip at all', async () => {
    const broken = join(home, 'broken-fmnist')
    await mkdir(broken, { recursive: true })
    for (const f of ['train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz']) {
      await copyFile(join(FASHION, f), join(broken, f))
    }
    const header = Buffer.from([0, 0, 8, 3, 0, 0, 0xea, 0x60, 0, 0, 0, 28, 0, 0, 0, 28])
    await writeFile(join(broken, 'train-images-idx3-ubyte.gz'), gzipSync(Buffer.concat([header, Buffer.alloc(1000)])))
    const truncated = await lab(['train', '--model', 'seed-mlp', '--data', 'fashion-mnist', '--data-dir', broken, '--limit', '10', '--out', join(home, 'runs', 't')])
    expect(truncated.code).toBe(1)
    expect(truncated.stdout + truncated.stderr).toMatch(/train-images-idx3-ubyte\.gz.*(truncated|short)/i)

    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13])
    await writeFile(join(broken, 'train-images-idx3-ubyte.gz'), png)
    const notGzip = await lab(['train', '--model', 'seed-mlp', '--data', 'fashion-mnist', '--data-dir', broken, '--limit', '10', '--out', join(home, 'runs', 'p')])
    expect(notGzip.code).toBe(1)
    expect(notGzip.stdout + notGzip.stderr).toMatch(/train-images-idx3-ubyte\.gz.*PNG/i)
  })
})
