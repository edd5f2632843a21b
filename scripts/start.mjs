// `npm start`: build if the output is missing or older than the sources, then launch Electron.
// Electron's npm package downloads its binary on first use; where that cannot happen we say so
// in one line and point at web mode instead of printing a download stack trace.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(join(root, 'package.json'))

const NO_BINARY =
  "Electron's binary is not installed here (it downloads on first use and this machine cannot reach it); " +
  'run `npm run web` to use ConvLab in your browser.'

/** The binary's path, or undefined. Checked before require('electron'), which would otherwise
 * start a download (and print its progress) when the binary is missing. */
function electronBinary() {
  let pkgDir
  try {
    pkgDir = dirname(require.resolve('electron/package.json'))
  } catch {
    return undefined
  }
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH
  const pathFile = join(pkgDir, 'path.txt')
  if (!override && !existsSync(pathFile)) return undefined
  if (!override && !existsSync(join(pkgDir, 'dist', readFileSync(pathFile, 'utf8')))) return undefined
  try {
    const binary = require('electron')
    return typeof binary === 'string' && existsSync(binary) ? binary : undefined
  } catch {
    return undefined
  }
}

function newestMtime(path) {
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

function buildIsStale() {
  const outputs = ['out/main/index.js', 'out/main/engine.js', 'out/preload/index.js', 'out/renderer/index.html'].map((p) =>
    join(root, p)
  )
  if (!outputs.every((p) => existsSync(p))) return true
  const builtAt = Math.min(...outputs.map((p) => statSync(p).mtimeMs))
  const inputs = ['src-main', 'src-renderer', 'resources', 'electron.vite.config.ts', 'package.json']
  return inputs.some((p) => newestMtime(join(root, p)) > builtAt)
}

const binary = electronBinary()
if (!binary) {
  console.error(NO_BINARY)
  process.exit(1)
}

if (buildIsStale()) {
  const build = spawnSync('npx', ['electron-vite', 'build'], { cwd: root, stdio: 'inherit' })
  if (build.status !== 0) process.exit(build.status ?? 1)
}

const child = spawn(binary, [root, ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' })
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal))
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
