import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { appWindowArgs, browserCandidates, findBrowser } from '../../scripts/launch/browser.mts'
import { electronSource, installedBinary } from '../../scripts/launch/electron-binary.mts'
import { chromiumError } from '../../scripts/launch/web-window.mts'

describe('the fallback browser', () => {
  it('looks for chromium, then google-chrome, microsoft-edge and brave, in every PATH folder', () => {
    const found = browserCandidates('linux', { PATH: '/usr/local/bin:/usr/bin' })
    expect(found.slice(0, 4)).toEqual(['/usr/local/bin/chromium', '/usr/bin/chromium', '/usr/local/bin/chromium-browser', '/usr/bin/chromium-browser'])
    const order = ['chromium', 'google-chrome', 'microsoft-edge', 'brave'].map((name) => found.findIndex((p) => p.endsWith(`/${name}`) || p.endsWith(`/${name}-browser`) || p.endsWith(`/${name}-stable`)))
    expect([...order].sort((a, b) => a - b)).toEqual(order)
    expect(browserCandidates('linux', {})).toEqual([])
  })

  it('knows where the four live on macOS and Windows', () => {
    expect(browserCandidates('darwin', {})).toEqual([
      '/Applications/Chromium.app/Contents/MacOS/Chromium',
      '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
      '/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge',
      '/Applications/Brave Browser.app/Contents/MacOS/Brave Browser'
    ])
    const win = browserCandidates('win32', { LOCALAPPDATA: 'C:\\Users\\u\\AppData\\Local', PROGRAMFILES: 'C:\\Program Files' })
    expect(win[0]).toBe('C:\\Users\\u\\AppData\\Local\\Chromium\\Application\\chrome.exe')
    expect(win).toContain('C:\\Program Files\\Microsoft\\Edge\\Application\\msedge.exe')
  })

  it('takes the first that exists', () => {
    expect(findBrowser(['/a/chromium', '/b/google-chrome', '/c/brave'], (p) => p !== '/a/chromium')).toBe('/b/google-chrome')
    expect(findBrowser(['/a/chromium'], () => false)).toBeUndefined()
  })

  it('opens an app window with a profile of its own, and turns the sandbox off only for root', () => {
    const args = appWindowArgs('http://127.0.0.1:5174/?token=t', '/home/u/.convlab/browser-profile', false)
    expect(args).toContain('--app=http://127.0.0.1:5174/?token=t')
    expect(args).toContain('--user-data-dir=/home/u/.convlab/browser-profile')
    expect(args).not.toContain('--no-sandbox')
    expect(appWindowArgs('u', 'p', true)).toContain('--no-sandbox')
  })

  it("reads the reason from Chromium's log lines", () => {
    expect(chromiumError('[1:1:1201/2243.5:ERROR:ui/ozone/platform/x11/ozone_platform_x11.cc:257] Missing X server or $DISPLAY')).toBe('Missing X server or $DISPLAY')
    expect(chromiumError('[1:1:1201/2243.5:WARNING:x.cc:1] not an error')).toBeUndefined()
    expect(chromiumError('/usr/bin/chromium: 9: [: unexpected operator')).toBeUndefined()
  })
})

describe("Electron's binary", () => {
  const dir = mkdtempSync(join(tmpdir(), 'convlab-electron-pkg-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('is installed only when path.txt names a file that exists', () => {
    expect(installedBinary(dir, {})).toBeUndefined()
    writeFileSync(join(dir, 'path.txt'), 'electron')
    expect(installedBinary(dir, {})).toBeUndefined()
    mkdirSync(join(dir, 'dist'))
    writeFileSync(join(dir, 'dist', 'electron'), '')
    expect(installedBinary(dir, {})).toBe(join(dir, 'dist', 'electron'))
    expect(installedBinary(dir, { ELECTRON_OVERRIDE_DIST_PATH: join(dir, 'elsewhere') })).toBeUndefined()
  })

  it('says where it will be fetched from', () => {
    expect(electronSource({ ELECTRON_MIRROR: 'https://mirror.example/electron/' })).toBe('https://mirror.example/electron/')
    expect(electronSource({ npm_config_electron_mirror: 'https://npmrc.example/' })).toBe('https://npmrc.example/')
    expect(electronSource({})).toBe("Electron's GitHub releases")
  })
})
