// `npm start`: build if the output is missing or older than the sources, fetch Electron's binary
// if this install has none yet, then launch the desktop app. When the binary cannot be had, say
// why in one line and open web mode in a Chromium-family app window instead.
import { spawn } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ensureBuilt } from './ensure-build.mts'
import { electronPackageDir, fetchElectron, installedBinary } from './launch/electron-binary.mts'
import { runInBrowserWindow } from './launch/web-window.mts'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')

function electronBinary(): { binary?: string; reason?: string } {
  const pkgDir = electronPackageDir(root)
  if (!pkgDir) return { reason: 'the electron package is not installed (run `npm ci`)' }
  const binary = installedBinary(pkgDir)
  return binary ? { binary } : fetchElectron(pkgDir)
}

const built = ensureBuilt()
if (built !== 0) process.exit(built)

const { binary, reason } = electronBinary()
if (!binary) {
  console.error(`ConvLab cannot start Electron: ${reason}. Opening the same app in a browser window instead.`)
  runInBrowserWindow(root, []).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(`ConvLab: ${err instanceof Error ? err.message : String(err)}`)
      process.exit(1)
    }
  )
} else {
  const child = spawn(binary, [root, ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' })
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal))
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
}
