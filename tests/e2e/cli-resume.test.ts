/**
 * `lab train --resume DIR` and `--continue DIR --epochs N` as a user runs them: real CLI processes
 * and engines on the tutorial's toy net, whose epochs take milliseconds, and on a few hundred
 * Fashion-MNIST images with the tutorial's CNN and MLP on two threads.
 */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runLab } from './support/cli'
import { FASHION_MNIST, ROOT } from './support/web-app'

let home: string
beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'convlab-resume-'))
  await mkdir(join(home, 'runs'))
})
afterAll(() => rm(home, { recursive: true, force: true }))

const lab = (args: string[], interruptOn?: RegExp) => runLab(home, args, 240_000, interruptOn)
const toy = (epochs: number, out: string): string[] => ['train', '--model', 'seed-toy', '--data', 'toy', '--epochs', String(epochs), '--seed', '1', '--out', out]

interface Saved {
  name: string
  status: string
  error?: string
  config: { epochs: number }
  threads?: { count: number; split?: string }
  resumes?: { epoch: number; kind: string; freshOptimizer?: boolean }[]
}
const runJson = async (dir: string): Promise<Saved> => JSON.parse(await readFile(join(dir, 'run.json'), 'utf8')) as Saved
const historyEpochs = async (dir: string): Promise<number[]> =>
  (JSON.parse(await readFile(join(dir, 'history.json'), 'utf8')) as { epochs: { epoch: number }[] }).epochs.map((e) => e.epoch)
const weights = async (dir: string): Promise<Float32Array> => {
  const b = await readFile(join(dir, 'model', 'weights.bin'))
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength))
}

describe('lab train --continue', () => {
  it('trains a completed run N epochs more in its folder: the weights of one longer run, the history one curve with the point marked', async () => {
    const short = join(home, 'runs', 'short')
    const long = join(home, 'runs', 'long')
    expect((await lab(toy(4, short))).code).toBe(0)
    expect((await lab(toy(6, long))).code).toBe(0)
    const more = await lab(['train', '--continue', short, '--epochs', '2'])
    expect(more.stderr).not.toMatch(/^error/m)
    expect(more.code).toBe(0)
    expect(more.stdout).toMatch(/^Continued after epoch 4 /m)
    expect(await historyEpochs(short)).toEqual([1, 2, 3, 4, 5, 6])
    // The default name says the run's new epoch count.
    expect(await runJson(short)).toMatchObject({ name: 'seed-toy · toy set · 6 ep', status: 'completed', config: { epochs: 6 }, resumes: [{ epoch: 4, kind: 'continue' }] })
    const [a, b] = [await weights(short), await weights(long)]
    expect(a.length).toBe(12)
    for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(b[i], 6)
  })

  it('refuses what cannot continue, each with what to do instead, and starts an old run afresh only with --fresh-optimizer', async () => {
    const dir = join(home, 'runs', 'short')
    const resume = await lab(['train', '--resume', dir])
    expect(resume.code).toBe(2)
    expect(resume.stderr).toBe(`error: Run short completed all its 6 epochs: nothing to resume. Continue it instead (train --continue ${dir} --epochs N).\n`)
    const noEpochs = await lab(['train', '--continue', dir])
    expect(noEpochs.stderr).toBe('error: --continue needs --epochs N: how many epochs more to train.\n')
    const changed = await lab(['train', '--continue', dir, '--epochs', '1', '--lr', '0.1'])
    expect(changed.stderr).toMatch(/^error: --continue trains the run as it was set up: --lr cannot be changed/)
    const nowhere = await lab(['train', '--continue', join(home, 'runs', 'nothing'), '--epochs', '1'])
    expect(nowhere.stderr).toMatch(/holds no run/)

    // Its checkpoint dropped to free the disk: only its trained weights are left, as in a run saved before optimizer state was kept.
    const shown = await lab(['checkpoint', '--run', dir])
    expect(shown.stdout).toMatch(/^Checkpoint: after epoch 6, \d+ kB, with optimizer state\.\nContinue \(train --continue .* --epochs N\) gives the same weights as one longer run\.\n$/)
    const dropped = await lab(['checkpoint', '--run', dir, '--drop'])
    expect(dropped.code).toBe(0)
    expect(dropped.stdout).toMatch(/^Dropped the checkpoint of .*: \d+ kB freed\. The trained model stays\.\nCheckpoint: none\.\nContinue needs a fresh optimizer, so it does not give the weights of one longer run: train --continue .* --epochs N --fresh-optimizer\.\n$/)
    expect(await readdir(dir)).not.toContain('checkpoint')
    const old = await lab(['train', '--continue', dir, '--epochs', '1'])
    expect(old.code).toBe(2)
    expect(old.stderr).toMatch(/saved without its optimizer state .*Pass --fresh-optimizer to continue it with a fresh optimizer anyway\.\n$/)
    expect(await historyEpochs(dir)).toEqual([1, 2, 3, 4, 5, 6])
    const fresh = await lab(['train', '--continue', dir, '--epochs', '1', '--fresh-optimizer'])
    expect(fresh.code).toBe(0)
    expect(fresh.stdout).toMatch(/^Continued after epoch 6, with a fresh optimizer/m)
    expect((await runJson(dir)).resumes).toEqual([expect.objectContaining({ epoch: 4, kind: 'continue' }), expect.objectContaining({ epoch: 6, kind: 'continue', freshOptimizer: true })])
    expect(await historyEpochs(dir)).toEqual([1, 2, 3, 4, 5, 6, 7])
  })
})

describe('lab train --resume', () => {
  it('resumes a run cancelled with Ctrl-C from its last completed epoch, its partial epoch dropped, to the epochs it was started with', async () => {
    const dir = join(home, 'runs', 'cancelled')
    const first = await lab(toy(3000, dir), /epoch 20:/)
    expect(first.stdout).toMatch(/Run cancelled/)
    const stopped = await historyEpochs(dir)
    expect(stopped.length).toBeGreaterThanOrEqual(20)
    expect(stopped.length).toBeLessThan(3000)
    const cont = await lab(['train', '--continue', dir, '--epochs', '5'])
    expect(cont.stderr).toBe(`error: Run cancelled is cancelled, not completed: resume it first (train --resume ${dir}).\n`)
    // Its checkpoint is what resumes it: kept.
    const drop = await lab(['checkpoint', '--run', dir, '--drop'])
    expect(drop.code).toBe(2)
    expect(drop.stderr).toBe('error: Run cancelled is cancelled, not completed: its checkpoint is what resumes it, so it is kept (delete the run if you no longer need it).\n')
    const resumed = await lab(['train', '--resume', dir])
    expect(resumed.code).toBe(0)
    const saved = await runJson(dir)
    expect(saved.status).toBe('completed')
    expect(saved.resumes).toHaveLength(1)
    const from = saved.resumes?.[0].epoch ?? 0
    expect(from).toBeGreaterThanOrEqual(20)
    expect(await historyEpochs(dir)).toEqual(Array.from({ length: 3000 }, (_, i) => i + 1))
  })

  it('resumes a run whose CLI was killed, marked interrupted, from its checkpoint', async () => {
    const dir = join(home, 'runs', 'killed')
    const cli = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src-main/cli/main.ts'), ...toy(3000, dir)], {
      cwd: ROOT,
      env: { ...process.env, CONVLAB_HOME: home },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    const exited = new Promise<void>((r) => cli.once('exit', () => r()))
    await new Promise<void>((resolve, reject) => {
      let err = ''
      cli.stderr.on('data', (d: Buffer) => {
        err += d.toString()
        if (/epoch 30:/.test(err)) resolve()
      })
      cli.once('exit', () => reject(new Error(`the CLI ended before epoch 30:\n${err}`)))
    })
    cli.kill('SIGKILL')
    await exited
    expect((await runJson(dir)).status).toBe('running')
    const resumed = await lab(['train', '--resume', dir])
    expect(resumed.stderr).toMatch(/marked failed \(Interrupted/)
    expect(resumed.code).toBe(0)
    const saved = await runJson(dir)
    expect(saved).toMatchObject({ status: 'completed', resumes: [{ kind: 'resume' }] })
    expect(saved.error).toBeUndefined()
    expect(await historyEpochs(dir)).toEqual(Array.from({ length: 3000 }, (_, i) => i + 1))
  })
})

/** Resuming after a cancel on two threads is tested in the engine (engine-resume-threads.test.ts), where the cancel can be placed. */
describe.skipIf(!existsSync(FASHION_MNIST))('on two threads', () => {
  // The tutorial's two models with dropout, so every thread's masks must come from (seed, epoch) as well.
  const dropoutAfter = (preset: string, index: number) => async (): Promise<string> => {
    const spec = JSON.parse(await readFile(join(ROOT, 'resources/presets', `${preset}.json`), 'utf8')) as { name: string; layers: unknown[] }
    spec.layers.splice(index, 0, { type: 'dropout', rate: 0.3 })
    const file = join(home, `${preset}-dropout.json`)
    await writeFile(file, JSON.stringify({ ...spec, name: `${preset}-dropout` }))
    return file
  }
  const models = {
    cnn: { split: 'batch', limit: 96, file: dropoutAfter('seed-cnn', 7) },
    mlp: { split: 'units', limit: 320, file: dropoutAfter('seed-mlp', 3) }
  } as const
  const train = async (model: keyof typeof models, epochs: number, out: string): Promise<string[]> => [
    'train', '--model', await models[model].file(), '--data', 'fashion-mnist', '--limit', String(models[model].limit), '--test-limit', '100',
    '--optimizer', 'adam', '--lr', '0.001', '--epochs', String(epochs), '--seed', '3', '--threads', '2', '--out', out
  ]
  /** Bit for bit the same with ConvLab's fused Adam; 1e-6 leaves room for tfjs's, whose restore computes beta^t by pow. */
  const expectSameWeights = async (a: string, b: string): Promise<void> => {
    const [x, y] = [await weights(a), await weights(b)]
    expect(x.length).toBe(y.length)
    let worst = 0
    for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i] - y[i]))
    expect(worst).toBeLessThan(1e-6)
  }

  it.each(['cnn', 'mlp'] as const)('continues a %s run on two threads to the weights of one longer run', async (model) => {
    const short = join(home, 'runs', `${model}-2t-short`)
    const long = join(home, 'runs', `${model}-2t-long`)
    expect((await lab(await train(model, 2, short))).code).toBe(0)
    expect((await lab(await train(model, 3, long))).code).toBe(0)
    const more = await lab(['train', '--continue', short, '--epochs', '1'])
    expect(more.code).toBe(0)
    expect(more.stdout).toMatch(/^Continued after epoch 2 /m)
    expect(more.stdout).toContain(`, 2 threads (${models[model].split === 'batch' ? 'batch rows' : 'hidden units'})`)
    expect(await runJson(short)).toMatchObject({ status: 'completed', threads: { count: 2, split: models[model].split }, resumes: [{ epoch: 2, kind: 'continue' }] })
    await expectSameWeights(short, long)
  })
})
