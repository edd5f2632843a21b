/**
 * How the parent reaches an engine process. node-host.ts implements it with child_process.fork;
 * the Electron app implements it with utilityProcess. The client only ever sees this.
 */
export interface EngineExit {
  code: number | null
  signal: string | null
}

export interface EngineHost {
  send(message: unknown): void
  onMessage(listener: (message: unknown) => void): void
  /** Called once when the process is gone, whatever the cause. */
  onExit(listener: (exit: EngineExit) => void): void
  kill(): void
  readonly pid?: number
}

/** Starts a fresh engine process; called again by the client after a crash. */
export type EngineHostFactory = () => EngineHost
