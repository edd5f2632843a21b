// `npm run dist -- [electron-builder options]`: the installers, configured in package.json's
// "build". With `--electron-dist DIR` it packs around an Electron build already on disk instead
// of fetching Electron's zip (electron-builder's electronDist), for machines that cannot download
// it; the fuses are then left as they are, since flipping them needs Electron's real binary.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

const root = join(import.meta.dirname, '..')
const args = process.argv.slice(2)
const at = args.indexOf('--electron-dist')
let configDir: string | undefined
if (at >= 0) {
  const dist = args[at + 1]
  if (!dist || dist.startsWith('-')) {
    console.error('--electron-dist needs the folder of an unpacked Electron build')
    process.exit(2)
  }
  args.splice(at, 2)
  const config = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { build: Record<string, unknown> }).build
  delete config.electronFuses
  configDir = mkdtempSync(join(tmpdir(), 'convlab-dist-'))
  writeFileSync(join(configDir, 'electron-builder.json'), JSON.stringify({ ...config, electronDist: resolve(dist) }))
  args.push('--config', join(configDir, 'electron-builder.json'))
  console.error(`Packing around the Electron build in ${resolve(dist)}; fuses are not flipped (that needs the real binary).`)
}
const builder = join(root, 'node_modules', 'electron-builder', 'cli.js')
const result = spawnSync(process.execPath, [builder, ...args], { cwd: root, stdio: 'inherit' })
if (configDir) rmSync(configDir, { recursive: true, force: true })
process.exit(result.status ?? 1)
