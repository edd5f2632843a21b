/**
 * `npm start` without Electron: serve web mode on 127.0.0.1, open it in a Chromium-family app
 * window, and stop the server when that window closes. Without such a browser, print the URL and
 * serve until Ctrl-C, as `npm run web` does.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { defaultDataDir } from '../../src-main/services/data-dir.mts'
import { appWindowArgs, browserCandidates, findBrowser } from './browser.mts'

const URL_LINE = /^ConvLab web mode: (\S+)/

/** Starts web mode (the same entry as `npm run web`) and resolves with the URL it prints. */
function startServer(appRoot: string, args: string[]): Promise<{ server: ChildProcess; url: string }> {
  const server = spawn(process.execPath, ['--import', 'tsx', join(appRoot, 'src-main/web/main.ts'), ...args], {
    cwd: appRoot,
    stdio: ['ignore', 'pipe', 'inherit']
  })
  return new Promise((resolve, reject) => {
    let found = false
    createInterface({ input: server.stdout! }).on('line', (line) => {
      const match = URL_LINE.exec(line)
      if (match && !found) {
        found = true
        resolve({ server, url: match[1] })
      }
      console.log(line)
    })
    server.once('exit', (code, signal) => {
      if (!found) reject(new Error(`web mode stopped before serving (exit ${code ?? signal})`))
    })
  })
}

function stopped(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => child.once('exit', () => resolve()))
}

/** The message of a Chromium log line `[pid:tid:time:ERROR:file.cc:123] message`. */
export function chromiumError(line: string): string | undefined {
  return /^\[[^\]]*:ERROR:[^\]]*\]\s*(.+)$/.exec(line.trim())?.[1]
}

/** Resolves with the exit code for `npm start`. */
export async function runInBrowserWindow(appRoot: string, serverArgs: string[]): Promise<number> {
  const { server, url } = await startServer(appRoot, serverArgs)
  const browser = findBrowser(browserCandidates(process.platform, process.env))
  const stopServer = async (): Promise<void> => {
    server.kill('SIGTERM')
    await stopped(server)
  }
  if (!browser) {
    console.error(`No Chromium, Chrome, Edge or Brave found: open ${url} in your browser. Ctrl-C stops ConvLab.`)
    await stopped(server)
    return server.exitCode ?? 0
  }
  console.error(`Opening ConvLab in ${browser} (app window); closing the window stops ConvLab.`)
  // The folder `npm run web` keeps its data in: the browser profile lives beside the runs.
  const profile = join(defaultDataDir(), 'browser-profile')
  const window = spawn(browser, appWindowArgs(url, profile, process.getuid?.() === 0), { stdio: ['ignore', 'ignore', 'pipe'] })
  // Chromium logs freely to stderr; when it fails to start, its first error says why.
  let firstError = ''
  createInterface({ input: window.stderr! }).on('line', (line) => {
    firstError ||= chromiumError(line) ?? ''
  })
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      window.kill('SIGTERM')
      server.kill('SIGTERM')
    })
  }
  const serverGone = stopped(server).then(() => 'server' as const)
  const windowGone = new Promise<number | null>((resolve) => {
    window.once('exit', (code) => resolve(code))
    window.once('error', (err) => {
      firstError = err.message
      resolve(-1)
    })
  }).then((code) => ({ code }))
  const first = await Promise.race([serverGone, windowGone])
  if (first === 'server') {
    window.kill('SIGTERM')
    return server.exitCode ?? 1
  }
  if (first.code !== 0) {
    // No window to close, so nothing would ever stop the server: leave it to the user.
    console.error(`${browser} could not open a window (${first.code === -1 ? 'not started' : `exit ${first.code}`}: ${firstError || 'no message'}).`)
    console.error(`ConvLab is still running at ${url}: open it in a browser. Ctrl-C stops it.`)
    await stopped(server)
    return server.exitCode ?? 0
  }
  await stopServer()
  return 0
}
