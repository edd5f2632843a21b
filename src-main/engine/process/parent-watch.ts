/**
 * Ends the engine process as soon as the process that started it is gone. The engine quits on
 * its IPC channel's 'disconnect' too, but only when its event loop is free: inside one step of a
 * large model (a synchronous kernel of minutes) it cannot hear that, and a CLI killed with
 * SIGKILL left it computing at several GB. A thread of its own still runs then; it notices that
 * the parent pid changed (the orphan was re-parented) and kills the whole process.
 */
import { Worker } from 'node:worker_threads'

// Plain JS run with `eval`: the engine is bundled into one file, so there is no other file to start.
const WATCHDOG = `
const { workerData } = require('node:worker_threads')
setInterval(() => {
  if (process.ppid !== workerData.ppid) process.kill(process.pid, 'SIGKILL')
}, workerData.everyMs)
`

export function exitWithParent(everyMs = 500): void {
  const watchdog = new Worker(WATCHDOG, { eval: true, workerData: { ppid: process.ppid, everyMs }, execArgv: [] })
  // It only watches: it must not keep an engine alive that has otherwise finished.
  watchdog.unref()
}
