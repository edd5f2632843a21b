import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'

interface BuildConfig {
  electronFuses: Record<string, boolean>
  asarUnpack: string[]
  linux: { target: string[]; executableArgs: string[]; mimeTypes: string[]; icon: string }
  win: { target: string[] }
  mac: { target: string[] }
  directories: { buildResources: string }
}
const ROOT = join(__dirname, '../..')
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { build: BuildConfig; engines: { node: string }; desktopName: string }
const build = pkg.build

describe('electron-builder configuration (package.json "build")', () => {
  it('makes an AppImage and a deb, an NSIS installer and a dmg', () => {
    expect(build.linux.target).toEqual(['AppImage', 'deb'])
    expect(build.win.target).toEqual(['nsis'])
    expect(build.mac.target).toEqual(['dmg'])
  })

  it('sets the security fuses of the checklist', () => {
    expect(build.electronFuses).toEqual({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false
    })
  })

  it('gives the desktop entry image types, and file paths (%F) rather than URLs to open', () => {
    expect(build.linux.executableArgs).toEqual(['%F'])
    expect(build.linux.mimeTypes).toEqual(expect.arrayContaining(['image/png', 'image/jpeg', 'image/webp']))
    expect(pkg.desktopName).toBe('convlab.desktop')
  })

  it('has every icon size from the one source, at its size', async () => {
    for (const size of [16, 24, 32, 48, 64, 128, 256, 512, 1024]) {
      const meta = await sharp(join(ROOT, build.directories.buildResources, build.linux.icon, `${size}x${size}.png`)).metadata()
      expect([meta.width, meta.height]).toEqual([size, size])
    }
    const main = await sharp(join(ROOT, build.directories.buildResources, 'icon.png')).metadata()
    expect([main.width, main.height]).toEqual([1024, 1024])
  })
})
