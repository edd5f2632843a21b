/**
 * The engine process entry. Runs under child_process.fork (process.send / process.on('message'))
 * and under Electron's utilityProcess (process.parentPort, messages wrapped in `{data}`).
 * Every message gets an answer: a malformed one gets an error response, never a crash.
 */
import { isMainThread, workerData } from 'node:worker_threads'
import { Engine } from '../engine'
import { exitWithParent } from './parent-watch'
import { PEER_ROLE, runTrainPeer } from '../parallel/parallel'
import { INFER_ROLE, runInferPeer } from '../parallel/infer-pool'
import { errorInfo, type EngineResponse, type WorkerMessage } from './protocol'

interface ParentPort {
  on(event: 'message', listener: (e: { data: unknown }) => void): void
  postMessage(message: unknown): void
}

interface Transport {
  kind: 'fork' | 'utility'
  send(message: WorkerMessage): void
  onMessage(listener: (message: unknown) => void): void
}

function detectTransport(): Transport {
  const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort
  if (parentPort) {
    return {
      kind: 'utility',
      send: (m) => parentPort.postMessage(m),
      onMessage: (listener) => parentPort.on('message', (e) => listener(e.data))
    }
  }
  const send = process.send?.bind(process)
  if (send) {
    return {
      kind: 'fork',
      send: (m) => {
        // The parent may already be gone (it is restarting us or exiting): nothing to tell.
        if (process.connected) send(m)
      },
      onMessage: (listener) => process.on('message', listener)
    }
  }
  throw new Error('The engine worker must be started with an IPC channel (child_process.fork or utilityProcess)')
}

function start(): void {
  const transport = detectTransport()
  const engine = new Engine({
    emit: (event) => transport.send(event),
    // This file is also the training helper thread's entry (a bundle has no other file to start).
    peerEntry: typeof __filename === 'string' ? __filename : new URL(import.meta.url).pathname,
    backend: process.env.CONVLAB_BACKEND || undefined,
    appDataDir: process.env.CONVLAB_APP_DATA_DIR || undefined
  })

  transport.onMessage((message) => {
    const m = message as { id?: unknown; method?: unknown; params?: unknown } | null
    const id = typeof m?.id === 'number' && Number.isFinite(m.id) ? m.id : -1
    const reply = (response: EngineResponse): void => transport.send(response)
    if (id < 0 || typeof m?.method !== 'string') {
      reply({ id, ok: false, error: { name: 'InvalidRequest', message: 'A request needs a numeric "id" and a string "method"' } })
      return
    }
    engine.handle(m.method, m.params).then(
      (result) => reply({ id, ok: true, result }),
      (err: unknown) => reply({ id, ok: false, error: errorInfo(err) })
    )
  })

  // A bug in a handler that escapes its promise must not kill a run in progress silently.
  process.on('uncaughtException', (err) => {
    transport.send({ event: 'engine/log', payload: { level: 'error', message: `Uncaught: ${err.stack ?? err.message}`, code: 'engineCrashed', params: {} } })
  })
  process.on('unhandledRejection', (reason) => {
    transport.send({ event: 'engine/log', payload: { level: 'error', message: `Unhandled rejection: ${String(reason)}`, code: 'engineCrashed', params: {} } })
  })
  if (transport.kind === 'fork') {
    process.on('disconnect', () => process.exit(0))
    // A busy engine hears no 'disconnect': this also ends it when the CLI was killed outright.
    exitWithParent()
  }

  transport.send({ event: 'engine/ready', payload: { pid: process.pid } })
}

const role = isMainThread ? undefined : (workerData as { role?: unknown } | null)?.role
if (role === PEER_ROLE) {
  void runTrainPeer(workerData as Parameters<typeof runTrainPeer>[0])
} else if (role === INFER_ROLE) {
  void runInferPeer()
} else {
  start()
}
