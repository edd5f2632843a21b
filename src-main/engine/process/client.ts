/**
 * The parent's handle on the engine process: typed requests, pushed events, restart on death.
 * Requests sent before the worker is ready are queued; when the worker dies every request in
 * flight is rejected (the work is lost with the process), a new worker is started and an
 * 'engine/restarted' notice says why. A worker that keeps dying is restarted after a growing
 * pause instead of at once; `restart()` starts a fresh one at any time (the user's
 * "Restart engine").
 */
import type { EngineExit, EngineHost, EngineHostFactory } from './host'
import {
  EngineError,
  isEngineEvent,
  isEngineResponse,
  type EngineEvents,
  type EngineMethod,
  type EngineParams,
  type EngineResult
} from './protocol'

export interface EngineRestartNotice {
  reason: string
  code: number | null
  signal: string | null
  restarts: number
  /** Why it restarted: asked for, after a crash, or after a crash and the pause that paces restarts. */
  cause: 'request' | 'crash' | 'paused'
}

/** The worker died too often within a minute: the next start waits `retryInMs`. */
export interface EngineBackoffNotice {
  reason: string
  code: number | null
  signal: string | null
  deathsInMinute: number
  retryInMs: number
}

export type ClientEvents = EngineEvents & { 'engine/restarted': EngineRestartNotice; 'engine/backoff': EngineBackoffNotice }
export type ClientEventName = keyof ClientEvents

export interface EngineClientOptions {
  host: EngineHostFactory
  /** Sent first to every new worker: backend choice, data folder. */
  init?: EngineParams<'engine/init'>
  /** Default per-request timeout; train/run never times out unless asked. */
  timeoutMs?: number
  /** After this many deaths within a minute (a worker that cannot start), restarts are paced. */
  maxRestartsPerMinute?: number
  /** The first paced pause; it doubles with each further death, up to a minute. */
  backoffMs?: number
}

export interface RequestOptions {
  /** 0 or Infinity: no timeout. */
  timeoutMs?: number
}

export class EngineTimeoutError extends Error {
  constructor(method: string, ms: number) {
    super(`The engine did not answer ${method} within ${Math.round(ms / 1000)} s`)
    this.name = 'EngineTimeoutError'
  }
}

export class EngineExitedError extends Error {
  constructor(
    method: string,
    reason: string,
    /** How the process ended; null for a restart the user asked for. */
    readonly exit: EngineExit | null = null
  ) {
    super(`The engine process ${reason} while handling ${method}; it is being restarted, try again`)
    this.name = 'EngineExitedError'
  }
}

/** The worker is down between paced restarts: calls fail at once instead of queueing for a minute. */
export class EngineDownError extends Error {
  constructor(
    method: string,
    reason: string,
    readonly retryInMs: number
  ) {
    super(`The engine is stopped (${reason}) and starts again in ${Math.ceil(retryInMs / 1000)} s, or at once with Restart engine; ${method} was not run`)
    this.name = 'EngineDownError'
  }
}

interface Pending {
  method: EngineMethod
  resolve(value: unknown): void
  reject(err: Error): void
  timer?: NodeJS.Timeout
}

function describeExit(exit: EngineExit): string {
  if (exit.signal) return `was killed by ${exit.signal}`
  return `exited with code ${exit.code ?? 'unknown'}`
}

const NO_TIMEOUT_METHODS: ReadonlySet<EngineMethod> = new Set(['train/run', 'model/robustness'])
const MAX_BACKOFF_MS = 60_000

export class EngineClient {
  private host: EngineHost | null = null
  private ready = false
  private disposed = false
  private seq = 0
  private restarts = 0
  private readonly deaths: number[] = []
  /** While restarts are paced: when the next start happens and why the last worker died. */
  private backoff: { timer: NodeJS.Timeout; at: number; reason: string } | null = null
  private readonly queue: { id: number; method: EngineMethod; params: unknown }[] = []
  private readonly pending = new Map<number, Pending>()
  private readonly listeners = new Map<ClientEventName, Set<(payload: never) => void>>()

  constructor(private readonly options: EngineClientOptions) {
    this.start()
  }

  get pid(): number | undefined {
    return this.host?.pid
  }

  request<M extends EngineMethod>(method: M, params: EngineParams<M>, opts: RequestOptions = {}): Promise<EngineResult<M>> {
    if (this.disposed) return Promise.reject(new Error('The engine client has been disposed'))
    if (this.backoff) return Promise.reject(new EngineDownError(method, this.backoff.reason, this.backoff.at - Date.now()))
    const id = ++this.seq
    const timeoutMs = opts.timeoutMs ?? (NO_TIMEOUT_METHODS.has(method) ? 0 : (this.options.timeoutMs ?? 120_000))
    return new Promise<EngineResult<M>>((resolve, reject) => {
      const entry: Pending = { method, resolve: resolve as (v: unknown) => void, reject }
      if (timeoutMs > 0 && Number.isFinite(timeoutMs)) {
        entry.timer = setTimeout(() => {
          this.pending.delete(id)
          reject(new EngineTimeoutError(method, timeoutMs))
        }, timeoutMs)
      }
      this.pending.set(id, entry)
      if (this.ready) this.host?.send({ id, method, params })
      else this.queue.push({ id, method, params })
    })
  }

  on<E extends ClientEventName>(event: E, listener: (payload: ClientEvents[E]) => void): () => void {
    let set = this.listeners.get(event)
    if (!set) this.listeners.set(event, (set = new Set()))
    set.add(listener as (payload: never) => void)
    return () => set.delete(listener as (payload: never) => void)
  }

  /** Stops the worker and rejects whatever is still pending. */
  dispose(): void {
    if (this.disposed) return
    this.disposed = true
    this.clearBackoff()
    this.failPending(() => new Error('The engine client was disposed'))
    this.host?.kill()
    this.host = null
  }

  /**
   * Kills the worker, whatever it is doing, and starts a fresh one now, even while restarts are
   * paced: the user's way back after repeated deaths or a step that will not end.
   */
  restart(): void {
    if (this.disposed) return
    this.clearBackoff()
    this.deaths.length = 0
    const old = this.host
    // Detached first, so its exit is not taken for a crash to restart from.
    this.host = null
    this.ready = false
    this.failPending((method) => new EngineExitedError(method, 'was restarted at your request'))
    old?.kill()
    this.restarts++
    this.emit('engine/restarted', { reason: 'The engine was restarted at your request', code: null, signal: null, restarts: this.restarts, cause: 'request' })
    this.start()
  }

  /** Kills the worker as a crash would; the client restarts it. For "stop now" and for tests. */
  killWorker(): void {
    this.host?.kill()
  }

  private clearBackoff(): void {
    if (this.backoff) clearTimeout(this.backoff.timer)
    this.backoff = null
  }

  private emit<E extends ClientEventName>(event: E, payload: ClientEvents[E]): void {
    for (const l of this.listeners.get(event) ?? []) (l as (p: ClientEvents[E]) => void)(payload)
  }

  private start(): void {
    const host = this.options.host()
    this.host = host
    this.ready = false
    host.onMessage((message) => {
      if (this.host !== host) return
      if (isEngineResponse(message)) {
        const entry = this.pending.get(message.id)
        if (!entry) return
        this.pending.delete(message.id)
        if (entry.timer) clearTimeout(entry.timer)
        if (message.ok) entry.resolve(message.result)
        else entry.reject(new EngineError(message.error))
      } else if (isEngineEvent(message)) {
        if (message.event === 'engine/ready') this.onReady(host)
        this.emit(message.event, message.payload as never)
      }
    })
    host.onExit((exit) => this.onExit(host, exit))
  }

  private onReady(host: EngineHost): void {
    this.ready = true
    if (this.options.init) {
      const id = ++this.seq
      host.send({ id, method: 'engine/init', params: this.options.init })
    }
    for (const q of this.queue.splice(0)) host.send(q)
  }

  private failPending(makeError: (method: EngineMethod) => Error): void {
    this.queue.length = 0
    for (const [id, entry] of this.pending) {
      this.pending.delete(id)
      if (entry.timer) clearTimeout(entry.timer)
      entry.reject(makeError(entry.method))
    }
  }

  private onExit(host: EngineHost, exit: EngineExit): void {
    if (this.host !== host) return
    this.host = null
    this.ready = false
    const reason = describeExit(exit)
    this.failPending((method) => new EngineExitedError(method, reason, exit))
    if (this.disposed) return
    const now = Date.now()
    this.deaths.push(now)
    while (this.deaths.length && now - this.deaths[0] > 60_000) this.deaths.shift()
    const excess = this.deaths.length - (this.options.maxRestartsPerMinute ?? 5)
    if (excess > 0) {
      const retryInMs = Math.min(MAX_BACKOFF_MS, (this.options.backoffMs ?? 2_000) * 2 ** (excess - 1))
      const timer = setTimeout(() => {
        this.backoff = null
        this.restarts++
        this.emit('engine/restarted', { reason: `The engine process ${reason}; restarted after a pause`, code: exit.code, signal: exit.signal, restarts: this.restarts, cause: 'paused' })
        this.start()
      }, retryInMs)
      // A paused engine must not keep a CLI alive that has nothing else to do.
      timer.unref()
      this.backoff = { timer, at: Date.now() + retryInMs, reason: `it ${reason}, ${this.deaths.length} times within a minute` }
      this.emit('engine/backoff', { reason: `The engine process ${reason}, ${this.deaths.length} times within a minute`, code: exit.code, signal: exit.signal, deathsInMinute: this.deaths.length, retryInMs })
      return
    }
    this.restarts++
    this.emit('engine/restarted', { reason: `The engine process ${reason}; restarted`, code: exit.code, signal: exit.signal, restarts: this.restarts, cause: 'crash' })
    this.start()
  }
}
