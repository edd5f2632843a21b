// Rebuilds out/ with electron-vite when it is missing or older than the sources, so `npm start`
// and `npm run web` never serve yesterday's app after a pull. Run directly or import ensureBuilt.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const OUTPUTS = ['out/main/index.js', 'out/main/engine.js', 'out/preload/index.js', 'out/renderer/index.html']
const INPUTS = ['src-main', 'src-renderer', 'resources', 'electron.vite.config.ts', 'package.json']

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0
  const info = statSync(path)
  if (!info.isDirectory()) return info.mtimeMs
  let newest = info.mtimeMs
  for (const entry of readdirSync(path)) {
    if (entry === 'node_modules') continue
    newest = Math.max(newest, newestMtime(join(path, entry)))
  }
  return newest
}

export function buildIsStale(): boolean {
  const outputs = OUTPUTS.map((p) => join(root, p))
  if (!outputs.every((p) => existsSync(p))) return true
  const builtAt = Math.min(...outputs.map((p) => statSync(p).mtimeMs))
  return INPUTS.some((p) => newestMtime(join(root, p)) > builtAt)
}

/** Returns the build's exit status (0 when nothing had to be done). */
export function ensureBuilt(): number {
  if (!buildIsStale()) return 0
  console.error('Building ConvLab (electron-vite build)...')
  return spawnSync('npx', ['electron-vite', 'build'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] }).status ?? 1
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exit(ensureBuilt())
}
