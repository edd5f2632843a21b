/** Runs `npm run lab -- ...` as a user does: a real process, the CLI from source through tsx's loader. */
import { spawn } from 'node:child_process'
import { mkdir } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { ROOT } from './web-app'

const CLI = join(ROOT, 'src-main/cli/main.ts')

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

/**
 * `home` becomes CONVLAB_HOME, so each test file keeps its runs and data to itself. With
 * `interruptOn`, the first output matching it is answered with Ctrl-C as a terminal sends it:
 * SIGINT to the whole process group.
 */
export function runLab(home: string | undefined, args: string[], timeoutMs = 240_000, interruptOn?: RegExp): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    // As package.json's `lab` script: one process. The tsx wrapper would relay a terminal's Ctrl-C a
    // second time, and kill the CLI when it did not acknowledge within 30 ms.
    const env = home === undefined ? process.env : { ...process.env, CONVLAB_HOME: home }
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: ROOT, env, detached: interruptOn !== undefined })
    let stdout = ''
    let stderr = ''
    let interrupted = false
    const watch = (): void => {
      if (!interruptOn || interrupted || !interruptOn.test(stdout + stderr) || child.pid === undefined) return
      interrupted = true
      process.kill(-child.pid, 'SIGINT')
    }
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString()
      watch()
    })
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString()
      watch()
    })
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`lab ${args.join(' ')} timed out\n${stderr}`))
    }, timeoutMs)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolvePromise({ code, stdout, stderr })
    })
  })
}

/** `lab train ...`, rejecting with its output unless it succeeds; --out's parent is made first, as train asks. */
export async function trainRun(args: string[]): Promise<void> {
  const out = args[args.indexOf('--out') + 1]
  if (args.includes('--out') && out) await mkdir(dirname(out), { recursive: true })
  const r = await runLab(undefined, ['train', ...args])
  if (r.code !== 0) throw new Error(`lab train ${args.join(' ')} exited ${r.code}:\n${r.stdout}${r.stderr}`)
}

/**
 * A data folder's `prepare` for pagePerTest: each of `runs` trained in turn as `lab train <args>`,
 * into the folder's runs/<its name>.
 */
export function trainedRuns(runs: Record<string, string[]>): (dataDir: string) => Promise<void> {
  return async (dataDir) => {
    for (const [name, args] of Object.entries(runs)) await trainRun([...args, '--out', join(dataDir, 'runs', name)])
  }
}
