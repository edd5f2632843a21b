/**
 * `export --format pytorch` checked against Debian's PyTorch: the exported model.py, loading
 * weights.safetensors with its own reader (Debian's python3-torch has no safetensors package),
 * gives ConvLab's outputs on 200 test images within 1e-5, for the tutorial's three nets and a
 * stack with every layer type; and the tutorial's shift heatmap (image 24150, -5..+5 px) comes
 * out the same in PyTorch.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EngineClient } from '../../src-main/engine/client'
import { nodeEngineHostFactory } from '../../src-main/engine/node-host'
import { runLab } from './support/cli'
import { FASHION_MNIST, ROOT } from './support/web-app'

const PYTHON = '/usr/bin/python3'
const hasTorch = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import torch, numpy'], { stdio: 'ignore' }).status === 0
const hasData = existsSync(FASHION_MNIST)
if (!hasTorch) console.warn("Skipping the PyTorch export checks: Debian's python3-torch is missing (apt-get install python3-torch).")
if (!hasData) console.warn('Skipping the PyTorch export checks: apt-get install dataset-fashion-mnist.')

const dir = mkdtempSync(join(tmpdir(), 'convlab-export-'))
let engine: EngineClient

/** Runs the exported model in PyTorch on raw float32 inputs; returns its raw float32 outputs. */
function torchOutputs(exportDir: string, inputs: Float32Array, name: string): Float32Array {
  const input = join(dir, `${name}.in.f32`)
  const output = join(dir, `${name}.out.f32`)
  writeFileSync(input, Buffer.from(inputs.buffer, inputs.byteOffset, inputs.byteLength))
  execFileSync(PYTHON, [
    '-c',
    [
      'import sys, numpy, torch',
      'sys.path.insert(0, sys.argv[1])',
      'import model',
      'assert "safetensors" not in sys.modules',
      'x = torch.from_numpy(numpy.fromfile(sys.argv[2], dtype=numpy.float32).reshape(-1, *model.INPUT_SHAPE))',
      'with torch.no_grad(): y = model.load()(x)',
      'y.numpy().astype(numpy.float32).tofile(sys.argv[3])'
    ].join('\n'),
    exportDir,
    input,
    output
  ])
  const bytes = readFileSync(output)
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4)
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length)
  let max = 0
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]))
  return max
}

async function trainAndExport(name: string, args: string[], files = 'README.md, model.py, train.py, weights.safetensors'): Promise<{ run: string; out: string }> {
  const run = join(dir, name)
  const trained = await runLab(dir, ['train', ...args, '--seed', '1', '--out', run])
  expect(trained.code, trained.stderr).toBe(0)
  const out = join(dir, `${name}-pytorch`)
  const exported = await runLab(dir, ['export', '--run', run, '--format', 'pytorch', '--out', out])
  expect(exported.code, exported.stderr).toBe(0)
  expect(exported.stdout).toContain(`for PyTorch to ${out}: ${files}`)
  return { run, out }
}

beforeAll(() => {
  engine = new EngineClient({ host: nodeEngineHostFactory({ env: { ...process.env, CONVLAB_BACKEND: 'wasm' } }), timeoutMs: 240_000 })
})
afterAll(() => {
  engine?.dispose()
  rmSync(dir, { recursive: true, force: true })
})

const fashion = { kind: 'fashion-mnist' } as const
const first200 = Array.from({ length: 200 }, (_, i) => i)

describe.skipIf(!hasTorch || !hasData)('export --format pytorch, run in PyTorch', () => {
  it.each([
    ['seed-mlp', ['--model', 'seed-mlp', '--data', 'fashion-mnist', '--limit', '512', '--epochs', '1']],
    ['seed-cnn', ['--model', 'seed-cnn', '--data', 'fashion-mnist', '--limit', '256', '--epochs', '1']],
    ['every-layer', ['--model', join(ROOT, 'tests/fixtures/models/every-layer.json'), '--data', 'fashion-mnist', '--limit', '512', '--epochs', '1']]
  ])('%s: the same outputs as ConvLab on 200 test images, within 1e-5', async (name, args) => {
    const { run, out } = await trainAndExport(name, args)
    const seen = await engine.request('model/activations', { model: { dir: join(run, 'model') }, images: { kind: 'dataset', data: fashion, split: 'test', indices: first200 } })
    const convlab = seen.layers.at(-1)!.values
    // Outputs that vary from image to image, so agreeing on them means something.
    expect(Math.max(...convlab) - Math.min(...convlab)).toBeGreaterThan(0.01)
    expect(maxAbsDiff(torchOutputs(out, seen.inputs, name), convlab)).toBeLessThanOrEqual(1e-5)
  })

  it('seed-toy: the same outputs on the toy set', async () => {
    // train.py reads Fashion-MNIST only, so a toy run's export has none.
    const { run, out } = await trainAndExport('seed-toy', ['--model', 'seed-toy', '--data', 'toy', '--epochs', '200'], 'README.md, model.py, weights.safetensors')
    const seen = await engine.request('model/activations', { model: { dir: join(run, 'model') }, images: { kind: 'dataset', data: { kind: 'toy' }, split: 'train', indices: [0, 1] } })
    expect(maxAbsDiff(torchOutputs(out, seen.inputs, 'seed-toy'), seen.layers.at(-1)!.values)).toBeLessThanOrEqual(1e-5)
  })

  it("the tutorial's shift heatmap (train image 24150 rolled -5..+5 px) is ConvLab's", async () => {
    const run = join(dir, 'seed-mlp')
    const out = join(dir, 'seed-mlp-pytorch')
    const heatmap = await engine.request('model/shift', {
      model: { dir: join(run, 'model') },
      image: { kind: 'dataset', data: fashion, split: 'train', index: 24150 },
      from: -5,
      to: 5
    })
    const image = await engine.request('model/activations', { model: { dir: join(run, 'model') }, images: { kind: 'dataset', data: fashion, split: 'train', indices: [24150] } })
    // np.roll / torch.roll along the width, as the tutorial shifts it.
    const rolled = new Float32Array(11 * 28 * 28)
    heatmap.shifts.forEach((s, k) => {
      for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) rolled[k * 784 + y * 28 + ((x + s + 28) % 28)] = image.inputs[y * 28 + x]
    })
    const logits = torchOutputs(out, rolled, 'shift')
    const probabilities = Array.from({ length: 11 }, (_, k) => {
      const row = Array.from(logits.subarray(k * 10, k * 10 + 10))
      const max = Math.max(...row)
      const exps = row.map((v) => Math.exp(v - max))
      const sum = exps.reduce((a, b) => a + b, 0)
      return exps.map((e) => e / sum)
    })
    expect(heatmap.shifts).toEqual([-5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5])
    expect(maxAbsDiff(probabilities.flat(), heatmap.probabilities.flat())).toBeLessThanOrEqual(1e-5)
  })

  it('train.py trains the run\'s recipe as one process and under torchrun with two, and model.py loads what it saved', () => {
    const out = join(dir, 'seed-mlp-pytorch')
    const single = execFileSync(PYTHON, ['train.py', '--epochs', '1', '--limit', '300', '--out', join(dir, 'single.safetensors')], { cwd: out, encoding: 'utf8' })
    expect(single).toMatch(/^epoch 1\/1: loss \d+\.\d+, test accuracy \d+\.\d+% \(1 process\)$/m)
    // Debian's torchrun 1.13 on Python 3.11 needs --redirects and --tee other than 0 (see the export's README).
    const torchrun = spawnSync(
      '/usr/bin/torchrun',
      ['--standalone', '--nproc_per_node', '2', '--redirects', '1', '--tee', '1', 'train.py', '--epochs', '2', '--limit', '300', '--out', join(dir, 'ddp.safetensors')],
      { cwd: out, encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } }
    )
    expect(torchrun.status, torchrun.stderr).toBe(0)
    const epochs = (torchrun.stdout + torchrun.stderr).match(/epoch \d\/2: .*\(2 processes\)/g) ?? []
    // Printed by rank 0 alone: once per epoch, not once per process.
    expect(epochs).toHaveLength(2)
    for (const weights of ['single.safetensors', 'ddp.safetensors']) {
      const shape = execFileSync(PYTHON, ['-c', `import model; print(tuple(model.load(${JSON.stringify(join(dir, weights))})[1].weight.shape))`], { cwd: out, encoding: 'utf8' })
      expect(shape.trim()).toBe('(1000, 784)')
    }
  })
})
