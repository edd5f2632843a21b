/**
 * The engine under plain Node (web mode, CLI, tests): a child_process.fork. 'advanced'
 * serialization lets typed arrays cross as they are instead of as JSON objects.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { EngineExit, EngineHost, EngineHostFactory } from './host'

const nodeRequire = createRequire(typeof __filename === 'string' ? __filename : import.meta.url)
const here = typeof __dirname === 'string' ? __dirname : dirname(new URL(import.meta.url).pathname)

export interface NodeHostOptions {
  /** The worker entry; defaults to worker.ts (or the built worker.js) next to this file. */
  entry?: string
  env?: NodeJS.ProcessEnv
  /** Extra Node flags, e.g. a heap limit for full Fashion-MNIST. */
  execArgv?: string[]
}

/** worker.ts beside this file when run from source; the built worker.js otherwise. */
export function defaultWorkerEntry(): string {
  const ts = join(here, 'worker.ts')
  return existsSync(ts) ? ts : join(here, 'worker.js')
}

/** Engines this process started and that still run: killed when it exits, however it exits. */
const liveChildren = new Set<ChildProcess>()

function trackChild(child: ChildProcess): void {
  // 'exit' handlers run on process.exit() and on a normal end; a busy engine would not hear the
  // IPC channel close until its step ended, minutes later.
  if (!process.listeners('exit').includes(killLiveChildren)) process.on('exit', killLiveChildren)
  liveChildren.add(child)
}

function killLiveChildren(): void {
  for (const child of liveChildren) child.kill('SIGKILL')
}

export function nodeEngineHost(options: NodeHostOptions = {}): EngineHost {
  const entry = options.entry ?? defaultWorkerEntry()
  // A .ts entry (development, tests) is run through tsx's loader, resolved from here so the
  // child does not depend on its working directory.
  const loader = entry.endsWith('.ts') ? ['--import', pathToFileURL(nodeRequire.resolve('tsx')).href] : []
  const child: ChildProcess = fork(entry, [], {
    // Its own process group: Ctrl-C in a terminal goes to the CLI, which cancels the job and
    // closes the engine, instead of killing the engine mid-job. The engine still exits when its
    // parent goes: it quits on 'disconnect', the parent kills it on exit (liveChildren), and a
    // watchdog thread in it notices a parent that was killed outright (parent-watch.ts).
    detached: true,
    serialization: 'advanced',
    execArgv: [...loader, ...(options.execArgv ?? [])],
    env: options.env ?? process.env,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc']
  })
  let exited = false
  trackChild(child)
  const exitListeners: ((e: EngineExit) => void)[] = []
  const onGone = (exit: EngineExit): void => {
    if (exited) return
    exited = true
    liveChildren.delete(child)
    for (const l of exitListeners) l(exit)
  }
  child.on('exit', (code, signal) => onGone({ code, signal }))
  child.on('error', () => {
    if (child.exitCode !== null || child.killed) onGone({ code: child.exitCode, signal: child.signalCode })
  })
  return {
    pid: child.pid,
    send(message) {
      if (!exited && child.connected) child.send(message as object)
    },
    onMessage(listener) {
      child.on('message', listener)
    },
    onExit(listener) {
      exitListeners.push(listener)
    },
    kill() {
      if (!exited) child.kill('SIGKILL')
    }
  }
}

export function nodeEngineHostFactory(options: NodeHostOptions = {}): EngineHostFactory {
  return () => nodeEngineHost(options)
}
