/**
 * The bad-input corpus (tests/fixtures/bad-inputs) run through the CLI, as real processes with the
 * real engine, and through the API's dispatch: every case must end in a message that says what is
 * wrong, and the runs saved before must be byte for byte the same after. Needs no Fashion-MNIST:
 * the cases bring their own data.
 */
import { existsSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { cp, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dispatch } from '../../src-main/services/dispatch'
import { createLabService, type LabService } from '../../src-main/services/lab-service'
import type { LabErrorInfo, LabMethod, LabOutput } from '../../src-main/shared/contract'
import { CORPUS_DIR, writeBadInputs, type BadInputs } from '../fixtures/bad-inputs/generate'
import { runLab, type CliResult } from './support/cli'
import { getPreset } from '../../src-main/shared/presets'
import { silentEngine } from '../fixtures/engine/scripted-host'

let home: string
let corpus: BadInputs
let saved: string
let before: string

const lab = (args: string[]): Promise<CliResult> => runLab(home, args)
const cases = (name: string): string => join(home, 'cases', name)
const exists = (path: string): Promise<boolean> => stat(path).then(() => true, () => false)

/** Every file under `dir` with its content's hash: equal before and after means nothing changed. */
async function fingerprint(dir: string): Promise<string> {
  const lines: string[] = []
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name)
    const hash = entry.isFile() ? createHash('sha256').update(await readFile(path)).digest('hex') : 'dir'
    lines.push(`${path.slice(dir.length)} ${hash}`)
  }
  return lines.sort().join('\n')
}

/** A copy of the saved run to damage, so the saved one stays untouched. */
async function copyOfSaved(name: string): Promise<string> {
  const dir = cases(name)
  await cp(saved, dir, { recursive: true })
  return dir
}

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'convlab-bad-'))
  corpus = await writeBadInputs(join(home, 'corpus'))
  saved = join(home, 'runs', 'saved')
  await mkdir(join(home, 'cases'), { recursive: true })
  await mkdir(join(home, 'runs'))
  const r = await lab(['train', '--model', 'seed-toy', '--data', 'toy', '--epochs', '20', '--seed', '1', '--out', saved])
  if (r.code !== 0) throw new Error(`training the saved run failed:\n${r.stdout}${r.stderr}`)
  // A file where a run folder would be: the API must say it is not a run, not fail with ENOTDIR.
  await writeFile(join(home, 'runs', 'plain-file'), 'not a run')
  before = await fingerprint(join(home, 'runs'))
})

afterAll(async () => {
  // The saved runs are checked here, after every case of both transports has run.
  expect(await fingerprint(join(home, 'runs'))).toBe(before)
  await rm(home, { recursive: true, force: true })
})

describe('bad input through the CLI', () => {
  it("accepts negative option values, as the README's shift --from -5 --to 5", async () => {
    const r = await lab(['shift', '--run', saved, '--index', '0', '--from', '-1', '--to', '1', '--json'])
    expect(r.stderr).toBe('')
    expect(JSON.parse(r.stdout)).toMatchObject({ shifts: [-1, 0, 1] })
  })

  it('refuses --out on a missing drive instead of creating it, and a missing --data-dir', async () => {
    const out = join(home, 'unmounted', 'runs', 'mlp')
    const r = await lab(['train', '--model', 'seed-toy', '--data', 'toy', '--epochs', '1', '--out', out])
    expect(r.code).toBe(2)
    expect(r.stderr).toBe(`error: --out ${out}: ${join(home, 'unmounted', 'runs')} does not exist. Create it first: only the run's own folder, and folders under the current one, are created, so that a drive that is not mounted is not taken for an empty folder.\n`)
    expect(await exists(join(home, 'unmounted'))).toBe(false)

    const dataDir = join(home, 'no-such-data')
    const d = await lab(['train', '--model', 'seed-mlp', '--data', 'fashion-mnist', '--data-dir', dataDir, '--out', cases('never')])
    expect(d.code).toBe(2)
    expect(d.stderr).toBe(`error: --data-dir ${dataDir} does not exist.\n`)
    expect(await exists(cases('never'))).toBe(false)
  })

  it('refuses a model file that is not JSON', async () => {
    const r = await lab(['train', '--model', join(CORPUS_DIR, 'model-not-json.json'), '--data', 'toy', '--out', cases('never')])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/^error: .*model-not-json\.json is not valid JSON/)
  })

  it('refuses a 10-class model on a 2-class folder before training, and prints no accuracy', async () => {
    const r = await lab(['train', '--model', 'seed-mlp', '--data', corpus.twoClassFolder, '--epochs', '1', '--out', cases('classes')])
    expect(r.code).toBe(1)
    expect(r.stdout + r.stderr).toContain('The model outputs 10 classes but folder-two-classes has 2 (ankle, bag): make the last layer output 2 (or 1 with Sigmoid).')
    expect(r.stdout).not.toMatch(/Test accuracy/)
    expect(existsSync(cases('classes'))).toBe(false)
  })

  it('refuses a folder with one image per class: nothing is left to test on', async () => {
    const r = await lab(['train', '--model', join(CORPUS_DIR, 'model-two-classes.json'), '--data', corpus.onePerClassFolder, '--out', cases('one')])
    expect(r.code).toBe(1)
    expect(r.stdout).toContain('folder-one-per-class (test) has no images, so the run could not be tested: each class needs at least 2 images')
    expect(r.stdout).not.toMatch(/Test accuracy/)
  })

  it("says which files of an image folder were skipped, on the engine's warning line", async () => {
    const r = await lab(['train', '--model', join(CORPUS_DIR, 'model-two-classes.json'), '--data', corpus.junkFolder, '--out', cases('junk')])
    expect(r.code).toBe(0)
    expect(r.stderr).toMatch(/warning: 2 files of the image folder were skipped \(neither trained nor tested on\): notes\.txt is not a supported image .*; empty\.png is empty\./)
  })

  it('warns when a class has too few images to be tested', async () => {
    const r = await lab(['train', '--model', join(CORPUS_DIR, 'model-two-classes.json'), '--data', corpus.unevenFolder, '--out', cases('uneven')])
    expect(r.code).toBe(0)
    expect(r.stderr).toContain('warning: folder-uneven (test) has no image of bag (too few images to hold one out): the test accuracy does not cover that class.')
  })

  it('fails a run whose test file is truncated, saying so, instead of completing without test metrics', async () => {
    const r = await lab(['train', '--model', 'seed-mlp', '--data', 'fashion-mnist', '--data-dir', corpus.truncatedTestSet, '--epochs', '1', '--out', cases('truncated')])
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/Error: The test split of Fashion-MNIST \(train\) cannot be loaded, so the run could not be tested: .*t10k-images-idx3-ubyte has 7340 data bytes, shorter than the 7840/)
    expect(await exists(join(cases('truncated'), 'metrics.json'))).toBe(false)
  })

  it('refuses a Fashion-MNIST folder whose test images and labels differ in number', async () => {
    const r = await lab(['train', '--model', 'seed-mlp', '--data', 'fashion-mnist', '--data-dir', corpus.mismatchedSet, '--epochs', '1', '--out', cases('mismatched')])
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/t10k-images-idx3-ubyte holds 100 images but t10k-labels-idx1-ubyte holds 99 labels/)
  })

  it('leaves nothing of the old run in a folder replaced by a run that fails', async () => {
    const dir = await copyOfSaved('forced')
    expect(await exists(join(dir, 'metrics.json'))).toBe(true)
    const r = await lab(['train', '--force', '--model', join(CORPUS_DIR, 'model-two-classes.json'), '--data', corpus.onePerClassFolder, '--epochs', '1', '--out', dir])
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/^Run failed/)
    expect(r.stdout).not.toMatch(/Test accuracy/)
    expect((await readdir(dir)).sort()).toEqual(['history.json', 'run.json'])
    const e = await lab(['evaluate', '--run', dir])
    expect(e.code).toBe(2)
    expect(e.stderr).toMatch(/has no trained model \(the run is failed: folder-one-per-class \(test\) has no images/)
  })

  it('keeps the old run whole when --force would replace it with a model that does not fit the data', async () => {
    const dir = await copyOfSaved('forced-mismatch')
    const before = await fingerprint(dir)
    const r = await lab(['train', '--force', '--model', 'seed-mlp', '--data', corpus.twoClassFolder, '--epochs', '1', '--out', dir])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('The model outputs 10 classes but folder-two-classes has 2 (ankle, bag)')
    expect(await fingerprint(dir)).toEqual(before)
  })

  it('marks a run left "running" by a killed CLI interrupted, and removes its temporary files', async () => {
    const dir = await copyOfSaved('killed')
    const meta = JSON.parse(await readFile(join(dir, 'run.json'), 'utf8')) as Record<string, unknown>
    await writeFile(join(dir, 'run.json'), JSON.stringify({ ...meta, status: 'running' }))
    // The pid of a process that is gone: above Linux's pid limit.
    await writeFile(join(dir, '.lock'), JSON.stringify({ pid: 2 ** 22 + 1, host: hostname(), startedAt: meta.createdAt }))
    await writeFile(join(dir, '.metrics.json.0a1b2c3d4e5f.tmp'), '{"count": 1')
    const r = await lab(['evaluate', '--run', dir])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/note: .*killed was left "running" by a process that is gone; marked failed/)
    expect(r.stderr).toMatch(/has no trained model \(the run is failed: Interrupted: the process training this run stopped/)
    expect((await readdir(dir)).filter((f) => f.startsWith('.'))).toEqual([])
  })

  it('warns that a run diverged wherever it is used', async () => {
    const dir = await copyOfSaved('diverged')
    await writeFile(
      join(dir, 'history.json'),
      JSON.stringify({ epochs: [{ epoch: 1, loss: 4.2e13, accuracy: 0.5, seconds: 1 }], batches: [{ epoch: 1, batch: 1, loss: 0.69, accuracy: 0.5 }] })
    )
    const r = await lab(['evaluate', '--run', dir, '--json'])
    expect(r.code).toBe(0)
    expect(r.stderr).toContain('diverged: the loss rose from 0.69 to 4.2e+13 (epoch 1); the weights are kept but did not learn.')
  })

  it('still evaluates a run whose metrics.json is corrupt, saying what is damaged', async () => {
    const dir = await copyOfSaved('bad-metrics')
    await writeFile(join(dir, 'metrics.json'), '{"count": 2, "acc')
    const r = await lab(['evaluate', '--run', dir, '--json'])
    expect(r.code).toBe(0)
    expect(r.stderr).toMatch(/is damaged: metrics\.json is not valid JSON \(cut short or corrupted\)\. Still usable: the trained model \(evaluate the run again for its test metrics\)/)
    expect(JSON.parse(r.stdout)).toMatchObject({ count: 2 })
  })
})

describe('bad input through the API', () => {
  // Validation and the runs on disk need no engine: a process that never answers.
  let service: LabService
  let apiHome: string

  async function fails(method: LabMethod, payload: unknown): Promise<LabErrorInfo> {
    const r = await dispatch(service.handlers, method, payload)
    if (r.ok) throw new Error(`${method} succeeded`)
    return r.error
  }
  async function call<M extends LabMethod>(method: M, payload: unknown): Promise<LabOutput<M>> {
    const r = await dispatch(service.handlers, method, payload)
    if (!r.ok) throw new Error(r.error.message)
    return r.result as LabOutput<M>
  }

  beforeAll(async () => {
    service = await createLabService({ dataDir: home, engineHost: silentEngine })
  })
  afterAll(() => service.dispose())

  it('answers every case in api-cases.json with its code and message', async () => {
    const list = JSON.parse(await readFile(join(CORPUS_DIR, 'api-cases.json'), 'utf8')) as { case: string; method: LabMethod; payload: unknown; code: string; message: string }[]
    for (const c of list) {
      const error = await fails(c.method, c.payload)
      expect({ case: c.case, code: error.code, has: error.message.includes(c.message) }, error.message).toEqual({ case: c.case, code: c.code, has: true })
      expect(error.message.length).toBeLessThan(1000)
    }
  })

  it('refuses at train/start a model that does not fit its data, before any run folder exists', async () => {
    const before = await readdir(join(home, 'runs')).catch(() => [])
    const mlp = getPreset('seed-mlp')!
    const onToy = await fails('train/start', { model: mlp, data: { kind: 'toy' }, config: {} })
    expect(onToy).toMatchObject({ code: 'invalid-payload', message: expect.stringContaining("The model's input is 1×28×28 but the toy set's images are 1×4×4: set the input to 1×4×4.") })
    const threeClasses = { ...mlp, layers: [...mlp.layers.slice(0, -1), { ...mlp.layers.at(-1)!, units: 3 }] }
    const fewer = await fails('train/start', { model: threeClasses, data: { kind: 'fashion-mnist' }, config: {} })
    expect(fewer.message).toContain('The model outputs 3 classes but Fashion-MNIST has 10')
    expect(await readdir(join(home, 'runs')).catch(() => [])).toEqual(before)
  })

  it('refuses a gzip bomb and a mismatched pair on import, and writes nothing', async () => {
    const b64 = async (path: string): Promise<string> => (await readFile(path)).toString('base64')
    const [bomb] = await call('data/import-idx', { files: [{ name: 't10k-images-idx3-ubyte.gz', base64: await b64(corpus.bomb) }] })
    expect(bomb).toMatchObject({ ok: false, error: expect.stringMatching(/too large: it decompresses to more than 256 MiB/) })
    const pair = await call('data/import-idx', {
      files: [
        { name: 't10k-images-idx3-ubyte', base64: await b64(join(corpus.mismatchedSet, 't10k-images-idx3-ubyte')) },
        { name: 't10k-labels-idx1-ubyte', base64: await b64(join(corpus.mismatchedSet, 't10k-labels-idx1-ubyte')) }
      ]
    })
    expect(pair.map((p) => p.ok)).toEqual([false, false])
    expect(await exists(join(home, 'fashion-mnist'))).toBe(false)
  })

  it('lists damaged runs as damaged, with what is wrong and what is still usable', async () => {
    apiHome = join(home, 'api')
    for (const [name, file, text] of [
      ['bad-run-json', 'run.json', '{"id": "bad-run-json", "na'],
      ['bad-metrics', 'metrics.json', '[]'],
      ['bad-history', 'history.json', 'null']
    ] as const) {
      await cp(saved, join(apiHome, 'runs', name), { recursive: true })
      await writeFile(join(apiHome, 'runs', name, file), text)
    }
    const api = await createLabService({ dataDir: apiHome, engineHost: silentEngine })
    try {
      const r = await dispatch(api.handlers, 'runs/list', {})
      if (!r.ok) throw new Error(r.error.message)
      const byId = new Map((r.result as LabOutput<'runs/list'>).map((run) => [run.id, run]))
      expect(byId.get('bad-run-json')).toMatchObject({
        status: 'damaged',
        modelName: 'seed-toy',
        damage: { problems: ['run.json is not valid JSON (cut short or corrupted)'], usable: expect.stringMatching(/model files in model\/.*test metrics/) }
      })
      expect(byId.get('bad-metrics')).toMatchObject({ status: 'completed', damage: { problems: [expect.stringMatching(/^metrics\.json is malformed/)] } })
      expect(byId.get('bad-history')).toMatchObject({ status: 'completed', testAccuracy: expect.any(Number), damage: { problems: [expect.stringMatching(/^history\.json is malformed/)] } })
      const detail = await dispatch(api.handlers, 'runs/get', { runId: 'bad-metrics' })
      expect(detail).toMatchObject({ ok: true, result: { classNames: ['0', '1'], damage: { usable: expect.stringMatching(/the trained model/) } } })
      // A damaged run can be deleted: it is what its report suggests for the worst ones.
      expect(await dispatch(api.handlers, 'runs/delete', { runId: 'bad-run-json' })).toEqual({ ok: true, result: { deleted: true } })
    } finally {
      await api.dispose()
    }
  })
})
