// `npm start`: build if the output is missing or older than the sources, then launch Electron.
// Electron's npm package downloads its binary on first use; where that cannot happen we say so
// in one line and point at web mode instead of printing a download stack trace.
import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ensureBuilt } from './ensure-build.mjs'

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

const binary = electronBinary()
if (!binary) {
  console.error(NO_BINARY)
  process.exit(1)
}

const built = ensureBuilt()
if (built !== 0) process.exit(built)

const child = spawn(binary, [root, ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' })
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal))
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
