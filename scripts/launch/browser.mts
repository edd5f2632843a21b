/**
 * The fallback window when Electron cannot be had: ConvLab's web mode in an installed
 * Chromium-family browser as an app window (`--app=URL`: no tabs, no address bar), with a
 * profile of ConvLab's own so it neither touches nor waits on the user's browser session.
 */
import { existsSync } from 'node:fs'
import { delimiter, join } from 'node:path'

/** Executables to look for, best first: chromium, google-chrome, microsoft-edge, brave. */
export function browserCandidates(platform: NodeJS.Platform, env: NodeJS.ProcessEnv): string[] {
  if (platform === 'darwin') {
    return ['Chromium', 'Google Chrome', 'Microsoft Edge', 'Brave Browser'].map((app) => `/Applications/${app}.app/Contents/MacOS/${app}`)
  }
  if (platform === 'win32') {
    const roots = [env.LOCALAPPDATA, env.PROGRAMFILES, env['PROGRAMFILES(X86)']].filter((r): r is string => !!r)
    const apps = ['Chromium\\Application\\chrome.exe', 'Google\\Chrome\\Application\\chrome.exe', 'Microsoft\\Edge\\Application\\msedge.exe', 'BraveSoftware\\Brave-Browser\\Application\\brave.exe']
    return apps.flatMap((app) => roots.map((root) => `${root}\\${app}`))
  }
  const names = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable', 'microsoft-edge', 'microsoft-edge-stable', 'brave-browser', 'brave']
  const dirs = (env.PATH ?? '').split(delimiter).filter(Boolean)
  return names.flatMap((name) => dirs.map((dir) => join(dir, name)))
}

export function findBrowser(candidates: string[], exists: (path: string) => boolean = existsSync): string | undefined {
  return candidates.find((path) => exists(path))
}

/** The browser's arguments for an app window on url. Chromium refuses to start as root unless its
 * sandbox is off; that is the only case where it is turned off. */
export function appWindowArgs(url: string, profileDir: string, isRoot: boolean): string[] {
  return [
    `--app=${url}`,
    `--user-data-dir=${profileDir}`,
    // The desktop app's window size (src-main/electron/security.ts).
    '--window-size=1200,820',
    '--no-first-run',
    '--no-default-browser-check',
    ...(isRoot ? ['--no-sandbox'] : [])
  ]
}
