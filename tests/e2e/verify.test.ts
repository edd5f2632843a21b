/**
 * `lab verify` end to end: the tutorial's toy net trained and checked by hand, and a seed-cnn
 * run on the real Fashion-MNIST checked on 100 test images.
 */
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runLab, type CliResult } from './support/cli'
import { describe, expect, it } from 'vitest'
import { tempFolder } from '../fixtures/temp-folder'

const FASHION = '/usr/share/datasets/fashion-mnist'


interface VerifyJson {
  passed: boolean
  maxDiff: number
  tolerance: number
  classified: { correct: number; of: number }
  trained?: { epochs: number; loss: number }
  samples: {
    index: number
    label: number
    predicted: number
    output: { engine: number[]; hand: number[] }
    layers: { name: string; shape: number[]; maxDiff: number; engine?: number[]; hand?: number[] }[]
  }[]
  layers: { name: string; maxDiff: number }[]
}

const home = tempFolder('convlab-verify-e2e-')

function lab(args: string[], timeoutMs = 280_000): Promise<CliResult> {
  return runLab(home, args, timeoutMs)
}

describe('lab verify', () => {
  it('--model seed-toy trains the toy net and matches the engine to 1e-5 on both samples, classified correctly', async () => {
    const r = await lab(['verify', '--model', 'seed-toy', '--json'])
    expect(r.code, r.stderr).toBe(0)
    const report = JSON.parse(r.stdout) as VerifyJson
    expect(report.trained?.epochs).toBe(2000)
    expect(report.samples).toHaveLength(2)
    expect(report.maxDiff).toBeLessThan(1e-5)
    const [first, second] = report.samples
    expect(first.output.engine[0]).toBeLessThan(0.5)
    expect(second.output.engine[0]).toBeGreaterThan(0.5)
    expect(report.classified).toEqual({ correct: 2, of: 2 })
    // Every intermediate value of the tutorial's check is listed, engine and hand side by side.
    expect(first.layers.map((l) => l.name)).toEqual(['Conv2d-1', 'MaxPool2d-2', 'ReLU-3', 'Flatten-4', 'Linear-5', 'Sigmoid-6'])
    expect(first.layers[0].engine).toHaveLength(4)
    expect(first.layers[0].hand).toHaveLength(4)
  })

  it('prints the per-layer comparison as a table', async () => {
    const out = await mkdtemp(join(tmpdir(), 'convlab-verify-run-'))
    const r = await lab(['verify', '--model', 'seed-toy', '--epochs', '20', '--out', join(out, 'toy'), '--index', '1'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/Image 1 \(label 1\)/)
    expect(r.stdout).toMatch(/Conv2d-1\s+1x2x2\s+\[/)
    expect(r.stdout).toMatch(/Max \|difference\| .* over 1 image\(s\): agrees/)
    const again = await lab(['verify', '--run', join(out, 'toy'), '--json'])
    expect((JSON.parse(again.stdout) as VerifyJson).samples.map((s) => s.index)).toEqual([0, 1])
    await rm(out, { recursive: true, force: true })
  })

  it('refuses unclear arguments', async () => {
    const r = await lab(['verify'])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/exactly one of --run DIR/)
  })

  it.skipIf(!existsSync(FASHION))('agrees with a seed-cnn run on 100 Fashion-MNIST test images to 1e-4', async () => {
    const run = join(home, 'cnn')
    const t = await lab(['train', '--model', 'seed-cnn', '--data', 'fashion-mnist', '--limit', '500', '--epochs', '1', '--out', run, '--seed', '3', '--json'])
    expect(t.code, t.stderr).toBe(0)
    const r = await lab(['verify', '--run', run, '--count', '100', '--json'])
    expect(r.code, r.stderr).toBe(0)
    const report = JSON.parse(r.stdout) as VerifyJson
    expect(report.samples).toHaveLength(100)
    expect(report.samples[99].index).toBe(99)
    expect(report.maxDiff).toBeLessThan(1e-4)
    expect(report.layers).toHaveLength(10)
    // Feature maps are too large to list; their agreement is still measured.
    expect(report.samples[0].layers[0].engine).toBeUndefined()
    expect(report.samples[0].output.engine).toHaveLength(10)
  })
})
