/** Runs `npm run lab -- ...` as a user does: a real process, the CLI from source through tsx. */
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { ROOT } from './web-app'

const CLI = join(ROOT, 'src-main/cli/main.ts')
const TSX = join(ROOT, 'node_modules/.bin/tsx')

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
export function runLab(home: string, args: string[], timeoutMs = 240_000, interruptOn?: RegExp): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(TSX, [CLI, ...args], { cwd: ROOT, env: { ...process.env, CONVLAB_HOME: home }, detached: interruptOn !== undefined })
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
