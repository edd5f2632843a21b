// Runs the `electron` package's own install.js (the mechanism `require('electron')` uses to fetch
// its binary on first use, through @electron/get: ELECTRON_MIRROR, electron_config_cache,
// electron_use_remote_checksums and its progress bar all apply). install.js prints a whole stack
// when the download fails; the caller wants one line, which goes to fd 3.
'use strict'
const { writeSync } = require('node:fs')

const installJs = process.argv[2]

// fetch() says only "fetch failed" and hides the network's reason (not found, refused) in its
// cause; the user needs both that reason and the address that was tried.
const realFetch = globalThis.fetch
globalThis.fetch = async (url, ...rest) => {
  try {
    return await realFetch(url, ...rest)
  } catch (err) {
    const reason = err instanceof Error && err.cause instanceof Error ? err.cause.message : String(err)
    throw new Error(`could not reach ${String(url)} (${reason})`, { cause: err })
  }
}

console.error = (...args) => {
  const line = args.map(String).join(' ').split('\n')[0].trim().replace(/^Error: /, '')
  try {
    writeSync(3, line)
  } catch {
    process.stderr.write(`${line}\n`)
  }
}
require(installJs)
