/**
 * `export --format pytorch` checked against Debian's PyTorch: the exported model.py, loading
 * weights.safetensors with its own reader (Debian's python3-torch has no safetensors package),
 * gives ConvLab's outputs on 200 test images within 1e-5, for the tutorial's three nets and a
 * stack with every layer type; and the tutorial's shift heatmap (image 24150, -5..+5 px) comes
 * out the same in PyTorch.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import sharp from 'sharp'
import { loadFashionMnist } from '../../src-main/data/fashion-mnist'
import { decodeImageToGrey } from '../../src-main/data/images'
import { exportWorkspace, FASHION_STACKS, maxAbsDiff } from './support/export-check'
import { runLab } from './support/cli'
import { FASHION_MNIST } from './support/web-app'

const PYTHON = '/usr/bin/python3'
const hasTorch = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import torch, numpy'], { stdio: 'ignore' }).status === 0
const hasPillow = hasTorch && spawnSync(PYTHON, ['-c', 'import PIL'], { stdio: 'ignore' }).status === 0
const hasData = existsSync(FASHION_MNIST)
if (!hasTorch) console.warn("Skipping the PyTorch export checks: Debian's python3-torch is missing (apt-get install python3-torch).")
if (hasTorch && !hasPillow) console.warn("Skipping the predict.py checks: Debian's python3-pil is missing (apt-get install python3-pil).")
if (!hasData) console.warn('Skipping the PyTorch export checks: apt-get install dataset-fashion-mnist.')

const workspace = exportWorkspace('convlab-export-')
const dir = workspace.dir

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

async function trainAndExport(name: string, args: string[], files = 'README.md, model.py, predict.py, train.py, weights.safetensors'): Promise<{ run: string; out: string }> {
  const run = join(dir, name)
  const trained = await runLab(dir, ['train', ...args, '--seed', '1', '--out', run])
  expect(trained.code, trained.stderr).toBe(0)
  const out = join(dir, `${name}-pytorch`)
  const exported = await runLab(dir, ['export', '--run', run, '--format', 'pytorch', '--out', out])
  expect(exported.code, exported.stderr).toBe(0)
  expect(exported.stdout).toContain(`for PyTorch to ${out}: ${files}`)
  return { run, out }
}

const fashion = { kind: 'fashion-mnist' } as const

describe.skipIf(!hasTorch || !hasData)('export --format pytorch, run in PyTorch', () => {
  it.each(FASHION_STACKS)('%s: the same outputs as ConvLab on 200 test images, within 1e-5', async (name, args) => {
    const { run, out } = await trainAndExport(name, args)
    const seen = await workspace.convlabOutputs(run, 'fashion-test-200')
    const convlab = seen.layers.at(-1)!.values
    // Outputs that vary from image to image, so agreeing on them means something.
    expect(Math.max(...convlab) - Math.min(...convlab)).toBeGreaterThan(0.01)
    expect(maxAbsDiff(torchOutputs(out, seen.inputs, name), convlab)).toBeLessThanOrEqual(1e-5)
  })

  it('seed-toy: the same outputs on the toy set', async () => {
    // train.py reads Fashion-MNIST only, so a toy run's export has none.
    const { run, out } = await trainAndExport('seed-toy', ['--model', 'seed-toy', '--data', 'toy', '--epochs', '200'], 'README.md, model.py, predict.py, weights.safetensors')
    const seen = await workspace.convlabOutputs(run, 'toy')
    expect(maxAbsDiff(torchOutputs(out, seen.inputs, 'seed-toy'), seen.layers.at(-1)!.values)).toBeLessThanOrEqual(1e-5)
  })

  it("the tutorial's shift heatmap (train image 24150 rolled -5..+5 px) is ConvLab's", async () => {
    const run = join(dir, 'seed-mlp')
    const out = join(dir, 'seed-mlp-pytorch')
    const heatmap = await workspace.engine().request('model/shift', {
      model: { dir: join(run, 'model') },
      image: { kind: 'dataset', data: fashion, split: 'train', index: 24150 },
      from: -5,
      to: 5
    })
    const image = await workspace.engine().request('model/activations', { model: { dir: join(run, 'model') }, images: { kind: 'dataset', data: fashion, split: 'train', indices: [24150] } })
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

interface Prediction {
  file: string
  predicted: number
  className: string
  probabilities: number[]
}

/** Images ConvLab and predict.py should read alike: test images as PNGs at 28x28 (no resize, so
 * the same pixels) and a colour one at 28x28 on a light background (grey and inversion alone);
 * the test images upscaled 3x (both must shrink them back), and photo-like colour pictures on
 * light backgrounds (both must grey, fit, centre and invert them). */
async function writeImages(): Promise<{ exact: string[]; resized: string[] }> {
  const test = await loadFashionMnist(FASHION_MNIST, 'test', { limit: 4 })
  const exact: string[] = []
  const resized: string[] = []
  for (let i = 0; i < 4; i++) {
    const grey = Buffer.from(test.images.subarray(i * 784, (i + 1) * 784).map((v) => Math.round(v * 255)))
    const raw = { raw: { width: 28, height: 28, channels: 1 } } as const
    exact.push(join(dir, `test-${i}.png`))
    await sharp(grey, raw).png().toFile(exact.at(-1)!)
    resized.push(join(dir, `test-${i}-x3.png`))
    await sharp(grey, raw).resize(84, 84, { kernel: 'nearest' }).png().toFile(resized.at(-1)!)
  }
  // A dark red boot-like shape on a light warm background, 300x200: colour, aspect, inversion.
  const boot = Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="300" height="200"><rect width="300" height="200" fill="#f2ece0"/>` +
      `<path d="M110 30 h60 v90 l80 30 v30 h-140 z" fill="#6b1f1a"/><rect x="110" y="170" width="140" height="10" fill="#302020"/></svg>`
  )
  // A colour picture at 28x28 on a light background: grey and inversion without a resize.
  const colour = Buffer.alloc(28 * 28 * 3)
  for (let y = 0; y < 28; y++) {
    for (let x = 0; x < 28; x++) {
      const inside = x > 6 && x < 21 && y > 3 && y < 25
      colour.set(inside ? [(x * 37) % 256, (y * 53) % 256, ((x + y) * 29) % 256] : [236, 230, 214], (y * 28 + x) * 3)
    }
  }
  exact.push(join(dir, 'colour-28.png'))
  await sharp(colour, { raw: { width: 28, height: 28, channels: 3 } }).png().toFile(exact.at(-1)!)
  resized.push(join(dir, 'boot-photo.png'))
  await sharp(boot).png().toFile(resized.at(-1)!)
  // A blue shirt-like shape on white, taller than wide, as a JPEG.
  const shirt = Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="160" height="240"><rect width="160" height="240" fill="#fafafa"/>` +
      `<path d="M40 30 l-35 40 l20 20 l15 -15 v150 h80 v-150 l15 15 l20 -20 l-35 -40 z" fill="#2a4f9a"/></svg>`
  )
  resized.push(join(dir, 'shirt-photo.jpg'))
  await sharp(shirt).jpeg({ quality: 92 }).toFile(resized.at(-1)!)
  return { exact, resized }
}

describe.skipIf(!hasTorch || !hasData || !hasPillow)('predict.py', () => {
  it("reads images as ConvLab does and gives its probabilities: within 1e-5 for grey images at the input size, the same top class after a resize", async () => {
    const run = join(dir, 'seed-mlp')
    const out = join(dir, 'seed-mlp-pytorch')
    const { exact, resized } = await writeImages()
    const files = [...exact, ...resized]
    const convlab = await runLab(dir, ['predict', '--run', run, '--json', ...files])
    expect(convlab.code, convlab.stderr).toBe(0)
    const expected = JSON.parse(convlab.stdout) as (Prediction & { preprocessing: string[] })[]
    // The photo-like images went through every step predict.py must redo.
    for (const name of ['boot-photo.png', 'shirt-photo.jpg']) {
      const steps = expected.find((p) => p.file.endsWith(name))!.preprocessing.join(', ')
      expect(steps).toMatch(/^grey, resize \d+x\d+ → \d+x\d+, centre on 28x28, padded with the background grey, invert \(light background\)$/)
    }
    // The inputs themselves: predict.py's preprocess() beside ConvLab's, pixel by pixel.
    const pixels = JSON.parse(
      execFileSync(PYTHON, ['-c', 'import json, sys, predict\nprint(json.dumps([predict.preprocess(f, 28, 28).flatten().tolist() for f in sys.argv[1:]]))', ...files], { cwd: out, encoding: 'utf8' })
    ) as number[][]
    for (const [i, file] of files.entries()) {
      const ours = await decodeImageToGrey(readFileSync(file), file, { width: 28, height: 28 })
      const worst = maxAbsDiff(pixels[i], ours.pixels)
      // Grey at the input size: the same bytes, so the same values. Colour: libvips rounds its
      // linear-light luminance through tables, one grey level off here and there (measured 1/255).
      // Resized: Pillow's Lanczos and libvips' differ at edges (measured up to 19/255 on a pixel).
      const bound = file.endsWith('colour-28.png') ? 1 / 255 + 1e-6 : exact.includes(file) ? 1e-6 : 0.1
      expect(worst, file).toBeLessThanOrEqual(bound)
    }
    const torch = JSON.parse(execFileSync(PYTHON, ['predict.py', '--json', ...files], { cwd: out, encoding: 'utf8' })) as Prediction[]
    expect(torch.map((p) => p.file)).toEqual(files)
    torch.forEach((p, i) => {
      expect(p.className, p.file).toBe(expected[i].className)
      // The same inputs: the network's float rounding only (measured 3e-8). Inputs that differ as
      // bounded above: measured up to 8e-4 with this net.
      const tolerance = exact.includes(p.file) && !p.file.endsWith('colour-28.png') ? 1e-5 : 5e-3
      expect(maxAbsDiff(p.probabilities, expected[i].probabilities), p.file).toBeLessThanOrEqual(tolerance)
    })
    // Its own text output: the top class, then every class's probability.
    const text = execFileSync(PYTHON, ['predict.py', exact[0]], { cwd: out, encoding: 'utf8' })
    expect(text.split('\n')[0]).toBe(`${exact[0]}: ${expected[0].className} (${(100 * expected[0].probabilities[expected[0].predicted]).toFixed(1)}%)`)
    expect(text.trim().split('\n')).toHaveLength(11)
  })
})
