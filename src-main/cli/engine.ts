import { EngineClient } from '../engine/client'
import { nodeEngineHostFactory } from '../engine/node-host'
import { defaultDataDir } from '../services/lab-service'

/** An engine process for one CLI command; the caller disposes it so the CLI can exit. */
export function cliEngine(backend?: string): EngineClient {
  return new EngineClient({
    host: nodeEngineHostFactory(),
    init: { appDataDir: defaultDataDir(), ...(backend ? { backend } : {}) }
  })
}

export async function withEngine<T>(backend: string | undefined, use: (engine: EngineClient) => Promise<T>): Promise<T> {
  const engine = cliEngine(backend)
  try {
    return await use(engine)
  } finally {
    engine.dispose()
  }
}
