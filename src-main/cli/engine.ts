import { EngineClient } from '../engine/process/client'
import { nodeEngineHostFactory } from '../engine/process/node-host'
import { defaultDataDir } from '../services/data-dir.mts'

/**
 * An engine process for one CLI command; the caller disposes it so the CLI can exit. The engine's
 * warnings (files skipped in an image folder, training on one thread, a restart) go to stderr as
 * the app shows them as notices: a CLI user must not miss what the app would say.
 */
export function cliEngine(backend?: string): EngineClient {
  const warn = (line: string): void => {
    process.stderr.write(line + '\n')
  }
  const engine = new EngineClient({
    host: nodeEngineHostFactory(),
    init: { appDataDir: defaultDataDir(), ...(backend ? { backend } : {}) }
  })
  engine.on('engine/log', (l) => {
    if (l.level !== 'info') warn(`${l.level}: ${l.message}`)
  })
  engine.on('engine/restarted', (n) => warn(`warning: ${n.reason}`))
  return engine
}

export async function withEngine<T>(backend: string | undefined, use: (engine: EngineClient) => Promise<T>): Promise<T> {
  const engine = cliEngine(backend)
  try {
    return await use(engine)
  } finally {
    engine.dispose()
  }
}
