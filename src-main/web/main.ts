/**
 * `npm run web [-- --port N] [--data-dir D]`: ConvLab in the browser, for machines without an
 * Electron binary and for the end-to-end tests. Prints one line with the URL, then serves until
 * SIGINT or SIGTERM.
 */
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { createLabService } from '../services/lab-service'
import { defaultDataDir } from '../services/data-dir.mts'
import { startWebServer } from './server'

const ROOT = resolve(__dirname, '../..')
const STATIC_DIR = join(ROOT, 'out/renderer')
const BUILD_COMMAND = 'npx electron-vite build'
const USAGE = 'usage: npm run web [-- --port N] [--data-dir DIR] [--no-token]'
const NO_TOKEN_WARNING =
  'Warning: --no-token: any program or user on this machine can now use ConvLab: read the image folders you choose, import files, delete runs.'

interface WebArgs {
  port: number
  dataDir?: string
  /** Off only with --no-token: then any local process may call the API. */
  token: boolean
}

function parseArgs(argv: string[]): WebArgs {
  const args: WebArgs = { port: 5174, token: true }
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2)
    const value = (): string => {
      const v = inline ?? argv[++i]
      if (v === undefined || v === '') throw new Error(`${flag} needs a value\n${USAGE}`)
      return v
    }
    if (flag === '--port') {
      const port = Number(value())
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0..65535\n${USAGE}`)
      args.port = port
    } else if (flag === '--data-dir') {
      args.dataDir = resolve(value())
    } else if (flag === '--no-token' && inline === undefined) {
      args.token = false
    } else if (flag === '--help' || flag === '-h') {
      console.log(USAGE)
      process.exit(0)
    } else {
      throw new Error(`unknown option ${flag}\n${USAGE}`)
    }
  }
  return args
}

/** The renderer is served from the build output; building it is a one-off the user should not
 * have to remember. */
function ensureRendererBuilt(): void {
  if (existsSync(join(STATIC_DIR, 'index.html'))) return
  console.error(`out/renderer is missing: running ${BUILD_COMMAND} (once)...`)
  const result = spawnSync('npx', ['electron-vite', 'build'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] })
  if (result.status !== 0 || !existsSync(join(STATIC_DIR, 'index.html'))) {
    throw new Error(`Building the renderer failed. Run \`${BUILD_COMMAND}\` in ${ROOT}, fix what it reports, then \`npm run web\` again.`)
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2))
  ensureRendererBuilt()
  const service = await createLabService({ dataDir: args.dataDir ?? defaultDataDir() })
  // A fresh token per start, as Jupyter's: only who sees this terminal can open the app.
  const token = args.token ? randomBytes(24).toString('hex') : undefined
  const server = await startWebServer({ service, port: args.port, host: '127.0.0.1', staticDir: STATIC_DIR, token })
  if (!token) console.error(NO_TOKEN_WARNING)
  console.log(`ConvLab web mode: ${server.url}${token ? `/?token=${token}` : ''}`)

  let stopping = false
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      // A second Ctrl-C means "now": the engine may be stuck in a long kernel.
      process.exit(130)
    }
    stopping = true
    console.error(`${signal}: shutting down`)
    server
      .close()
      .then(() => service.dispose())
      .then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err instanceof Error ? err.message : String(err))
        process.exit(1)
      }
    )
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
}

main().catch((err: unknown) => {
  console.error(`convlab web: ${err instanceof Error ? err.message : String(err)}`)
  process.exit(1)
})
