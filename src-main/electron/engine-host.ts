/**
 * The engine inside the Electron app: a utilityProcess running out/main/engine.js. Unlike a
 * worker thread it has its own heap, so an out-of-memory or a native crash in tfjs kills only it
 * and the EngineClient restarts it (and the user is told). The worker talks through
 * process.parentPort there; worker.ts detects which transport it has.
 */
import { utilityProcess, type UtilityProcess } from 'electron'
import type { EngineExit, EngineHost, EngineHostFactory } from '../engine/process/host'

export interface UtilityHostOptions {
  /** The built worker, out/main/engine.js. */
  entry: string
  env?: NodeJS.ProcessEnv
  /** Extra Node flags, e.g. a heap limit for full Fashion-MNIST. */
  execArgv?: string[]
}

export function utilityEngineHost(options: UtilityHostOptions): EngineHost {
  const child: UtilityProcess = utilityProcess.fork(options.entry, [], {
    serviceName: 'ConvLab engine',
    env: options.env ?? process.env,
    execArgv: options.execArgv ?? [],
    stdio: 'inherit'
  })
  let exited = false
  const exitListeners: ((exit: EngineExit) => void)[] = []
  const onGone = (exit: EngineExit): void => {
    if (exited) return
    exited = true
    for (const listener of exitListeners) listener(exit)
  }
  child.on('exit', (code) => onGone({ code, signal: null }))
  // 'error' reports a fatal V8 error (e.g. out of memory) before the process goes; the exit that
  // follows may be delayed, and the client must know at once that its requests are lost.
  child.on('error', (type) => onGone({ code: null, signal: type }))
  return {
    get pid() {
      return child.pid
    },
    send(message) {
      if (!exited) child.postMessage(message)
    },
    onMessage(listener) {
      child.on('message', listener)
    },
    onExit(listener) {
      exitListeners.push(listener)
    },
    kill() {
      if (!exited) child.kill()
    }
  }
}

export function utilityEngineHostFactory(options: UtilityHostOptions): EngineHostFactory {
  return () => utilityEngineHost(options)
}
