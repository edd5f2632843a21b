/**
 * Electron's binary for `npm start`. Since Electron 42 the npm package fetches it on the first
 * `require('electron')`, not at install, so a fresh `npm ci` never has it: it is fetched here,
 * through the package's own install.js, before the app is launched.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

/** The installed `electron` package's folder, resolved from the app's package.json. */
export function electronPackageDir(appRoot: string): string | undefined {
  try {
    return dirname(createRequire(join(appRoot, 'package.json')).resolve('electron/package.json'))
  } catch {
    return undefined
  }
}

/** The binary the package would run, if it is on disk (what install.js checks before fetching). */
export function installedBinary(pkgDir: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const pathFile = join(pkgDir, 'path.txt')
  if (!existsSync(pathFile)) return undefined
  const relative = readFileSync(pathFile, 'utf8').trim()
  const binary = env.ELECTRON_OVERRIDE_DIST_PATH ? join(env.ELECTRON_OVERRIDE_DIST_PATH, relative) : join(pkgDir, 'dist', relative)
  return existsSync(binary) ? binary : undefined
}

/** Where the fetch will come from, for the line printed before it starts. */
export function electronSource(env: NodeJS.ProcessEnv): string {
  return env.ELECTRON_MIRROR || env.npm_config_electron_mirror || "Electron's GitHub releases"
}

export interface FetchResult {
  binary?: string
  /** Why there is no binary, in one line. */
  reason?: string
}

/** Fetches the binary with the package's install.js: its progress bar goes to the terminal, its
 * error comes back as one line. */
export function fetchElectron(pkgDir: string, env: NodeJS.ProcessEnv = process.env): FetchResult {
  const version = (JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { version: string }).version
  console.error(`Fetching Electron ${version} from ${electronSource(env)} (once; it is kept in node_modules/electron)...`)
  const result = spawnSync(process.execPath, [join(import.meta.dirname, 'fetch-electron.cjs'), join(pkgDir, 'install.js')], {
    env,
    stdio: ['ignore', 'inherit', 'inherit', 'pipe']
  })
  const binary = installedBinary(pkgDir, env)
  if (binary) return { binary }
  const said = result.output?.[3]?.toString().trim()
  return { reason: `fetching it failed: ${said || result.error?.message || `install.js exited with ${result.status ?? result.signal}`}` }
}
