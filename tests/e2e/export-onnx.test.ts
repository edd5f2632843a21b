/**
 * `export --format onnx` checked in onnxruntime (onnxruntime-web's wasm build under Node): the
 * exported file gives ConvLab's outputs on 200 test images within 1e-5, for the tutorial's three
 * nets and a stack with every layer type, and Debian's python3-onnx checker accepts each file.
 * Also what the command refuses: a stack without weights, a run that did not finish, an existing
 * file or a folder as --out.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import * as ort from 'onnxruntime-web'
import { describe, expect, it } from 'vitest'
import { exportWorkspace, FASHION_STACKS, maxAbsDiff } from './support/export-check'
import { runLab } from './support/cli'
import { FASHION_MNIST } from './support/web-app'

const PYTHON = '/usr/bin/python3'
const hasData = existsSync(FASHION_MNIST)
const hasOnnx = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import onnx'], { stdio: 'ignore' }).status === 0
if (!hasData) console.warn('Skipping the ONNX export checks: apt-get install dataset-fashion-mnist.')
if (!hasOnnx) console.warn("Skipping ONNX's own checker on the exports: Debian's python3-onnx is missing (apt-get install python3-onnx).")

const workspace = exportWorkspace('convlab-onnx-')
const dir = workspace.dir

/** Runs the .onnx file in onnxruntime on raw float32 inputs of `shape` per image. */
async function onnxOutputs(file: string, inputs: Float32Array, shape: number[]): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(readFileSync(file))
  try {
    const count = inputs.length / shape.reduce((a, b) => a * b, 1)
    const result = await session.run({ input: new ort.Tensor('float32', inputs, [count, ...shape]) })
    return result[session.outputNames[0]].data as Float32Array
  } finally {
    await session.release()
  }
}

function check(file: string): void {
  if (!hasOnnx) return
  const checked = spawnSync(PYTHON, ['-c', 'import sys, onnx; onnx.checker.check_model(sys.argv[1], full_check=True)', file], { encoding: 'utf8' })
  expect(checked.status, checked.stderr).toBe(0)
}

async function trainAndExport(name: string, args: string[], output: 'logits' | 'probabilities'): Promise<{ run: string; out: string }> {
  const run = join(dir, name)
  const trained = await runLab(dir, ['train', ...args, '--seed', '1', '--out', run])
  expect(trained.code, trained.stderr).toBe(0)
  const out = join(dir, `${name}.onnx`)
  const exported = await runLab(dir, ['export', '--run', run, '--format', 'onnx', '--out', out])
  expect(exported.code, exported.stderr).toBe(0)
  expect(exported.stdout).toMatch(new RegExp(`as ONNX \\(opset 17\\) to ${out}: \\d+ bytes, input "input" \\[batch, .*\\], output "${output}"`))
  check(out)
  return { run, out }
}

describe.skipIf(!hasData)('export --format onnx, run in onnxruntime', () => {
  // The stack with every layer type ends in softmax, so its output is probabilities.
  it.each(FASHION_STACKS.map(([name, args]) => [name, name === 'every-layer' ? 'probabilities' : 'logits', args] as const))('%s: the same %s as ConvLab on 200 test images, within 1e-5', async (name, output, args) => {
    const { run, out } = await trainAndExport(name, [...args], output)
    const seen = await workspace.convlabOutputs(run, 'fashion-test-200')
    const convlab = seen.layers.at(-1)!.values
    // Outputs that vary from image to image, so agreeing on them means something.
    expect(Math.max(...convlab) - Math.min(...convlab)).toBeGreaterThan(0.01)
    const diff = maxAbsDiff(await onnxOutputs(out, seen.inputs, seen.inputShape), convlab)
    console.info(`${name}: max |onnxruntime - ConvLab| over 200 test images = ${diff.toExponential(2)}`)
    expect(diff).toBeLessThanOrEqual(1e-5)
  })

  it('seed-toy: the same outputs on the toy set', async () => {
    const { run, out } = await trainAndExport('seed-toy', ['--model', 'seed-toy', '--data', 'toy', '--epochs', '200'], 'logits')
    const seen = await workspace.convlabOutputs(run, 'toy')
    const diff = maxAbsDiff(await onnxOutputs(out, seen.inputs, seen.inputShape), seen.layers.at(-1)!.values)
    console.info(`seed-toy: max |onnxruntime - ConvLab| over the 2 toy images = ${diff.toExponential(2)}`)
    expect(diff).toBeLessThanOrEqual(1e-5)
  })

  it('refuses a stack without weights, a run that did not finish, an existing file and a folder', async () => {
    const untrained = await runLab(dir, ['export', '--model', 'seed-cnn', '--format', 'onnx', '--out', join(dir, 'untrained.onnx')])
    expect(untrained.code).not.toBe(0)
    expect(untrained.stderr).toContain('ONNX export needs a trained run (--run DIR): an ONNX file is a network with its weights, for inference')
    expect(existsSync(join(dir, 'untrained.onnx'))).toBe(false)

    const again = await runLab(dir, ['export', '--run', join(dir, 'seed-toy'), '--format', 'onnx', '--out', join(dir, 'seed-toy.onnx')])
    expect(again.code).not.toBe(0)
    expect(again.stderr).toContain('seed-toy.onnx already exists: choose another name, or add --force to replace it.')
    const forced = await runLab(dir, ['export', '--run', join(dir, 'seed-toy'), '--format', 'onnx', '--out', join(dir, 'seed-toy.onnx'), '--force', '--json'])
    expect(forced.code, forced.stderr).toBe(0)
    expect(JSON.parse(forced.stdout)).toMatchObject({ format: 'onnx', opset: 17, input: 'input', output: 'logits' })

    mkdirSync(join(dir, 'a-folder'))
    const folder = await runLab(dir, ['export', '--run', join(dir, 'seed-toy'), '--format', 'onnx', '--out', join(dir, 'a-folder')])
    expect(folder.stderr).toContain('a-folder is a folder: the ONNX export is one file')

    // A run whose training failed has no model to export.
    const failed = join(dir, 'failed')
    const trained = await runLab(dir, ['train', '--model', 'seed-toy', '--data', 'toy', '--epochs', '1', '--out', failed])
    expect(trained.code, trained.stderr).toBe(0)
    const runFile = join(failed, 'run.json')
    writeFileSync(runFile, JSON.stringify({ ...(JSON.parse(readFileSync(runFile, 'utf8')) as object), status: 'failed', error: 'out of memory' }))
    const refused = await runLab(dir, ['export', '--run', failed, '--format', 'onnx', '--out', join(dir, 'failed.onnx')])
    expect(refused.code).not.toBe(0)
    expect(refused.stderr).toContain('has no trained model (the run is failed: out of memory)')
    expect(existsSync(join(dir, 'failed.onnx'))).toBe(false)
  })
})
