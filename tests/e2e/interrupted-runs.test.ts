/**
 * A run the CLI is training while the app starts must be left running; the same run after the CLI
 * is killed must be marked interrupted. Real processes: the CLI trains the toy net with its engine,
 * and the app's service starts over the same runs folder.
 */
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { INTERRUPTED_ERROR } from '../../src-main/runs/recover'
import { readRunMeta } from '../../src-main/runs/run-store'
import { createLabService } from '../../src-main/services/lab-service'
import { runLab } from './support/cli'
import { ROOT } from './support/web-app'
import { tempFolder } from '../fixtures/temp-folder'
import { silentEngine } from '../fixtures/engine/scripted-host'

const home = tempFolder('convlab-interrupted-', { subfolders: ['runs'] })

describe('runs left running', () => {
  it('are left alone while their CLI trains them, and marked interrupted once it is killed', async () => {
    const dir = join(home, 'runs', 'toy-long')
    const cli = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src-main/cli/main.ts'), 'train', '--model', 'seed-toy', '--data', 'toy', '--epochs', '100000', '--out', dir], {
      cwd: ROOT,
      env: { ...process.env, CONVLAB_HOME: home },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    const exited = new Promise<NodeJS.Signals | null>((r) => cli.once('exit', (_code, signal) => r(signal)))
    try {
      // The CLI prints one line per epoch: once the first is out, the run is on disk and training.
      await new Promise<void>((resolve, reject) => {
        let err = ''
        cli.stderr.on('data', (d: Buffer) => {
          err += d.toString()
          if (/epoch 1:/.test(err)) resolve()
        })
        cli.once('exit', () => reject(new Error(`the CLI ended before training:\n${err}`)))
      })
      const app = await createLabService({ dataDir: home, engineHost: silentEngine })
      await app.dispose()
      expect((await readRunMeta(dir)).status).toBe('running')
      // Nor may a second CLI replace it.
      const force = await runLab(home, ['train', '--force', '--model', 'seed-toy', '--data', 'toy', '--epochs', '1', '--out', dir])
      expect(force.code).toBe(2)
      expect(force.stderr).toBe(`error: ${dir} is being trained by another process right now; choose another --out.\n`)
      expect((await readRunMeta(dir)).status).toBe('running')
    } finally {
      cli.kill('SIGKILL')
    }
    expect(await exited).toBe('SIGKILL')

    const app = await createLabService({ dataDir: home, engineHost: silentEngine })
    await app.dispose()
    expect(await readRunMeta(dir)).toMatchObject({ status: 'failed', error: INTERRUPTED_ERROR })
  })
})
