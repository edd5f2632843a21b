import { sep } from 'node:path'
import { describe, expect, it } from 'vitest'
import { wasmDistDir } from '../../src-main/engine/backends'
import { unpackedPath } from '../../src-main/engine/process/packaged-paths'

const resources = `${sep}opt${sep}ConvLab${sep}resources`
const p = (...parts: string[]): string => parts.join(sep)

describe('unpackedPath', () => {
  it('moves a path inside app.asar to app.asar.unpacked, and leaves others alone', () => {
    const resources = `${sep}opt${sep}ConvLab${sep}resources`
    expect(unpackedPath(`${resources}${sep}app.asar${sep}out${sep}main${sep}engine.js`)).toBe(
      `${resources}${sep}app.asar.unpacked${sep}out${sep}main${sep}engine.js`
    )
    expect(unpackedPath(`${sep}src${sep}convlab${sep}out${sep}main${sep}engine.js`)).toBe(`${sep}src${sep}convlab${sep}out${sep}main${sep}engine.js`)
    expect(unpackedPath(`${resources}${sep}app.asar.unpacked${sep}x.js`)).toBe(`${resources}${sep}app.asar.unpacked${sep}x.js`)
  })
})

describe('wasmDistDir', () => {
  const inAsar = p(resources, 'app.asar', 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'package.json')
  const unpacked = p(resources, 'app.asar.unpacked', 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist')

  it('points a packaged app at the unpacked .wasm files', () => {
    expect(wasmDistDir(inAsar, resources)).toBe(unpacked)
    expect(wasmDistDir(p(resources, 'app.asar.unpacked', 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'package.json'), resources)).toBe(unpacked)
  })

  it('uses the package folder as it is under Node, or when the package is not in the app', () => {
    const src = p('', 'src', 'convlab', 'node_modules', '@tensorflow', 'tfjs-backend-wasm')
    expect(wasmDistDir(p(src, 'package.json'), undefined)).toBe(p(src, 'dist'))
    // `electron .` from a source checkout: Electron's own resources folder is not the app's.
    expect(wasmDistDir(p(src, 'package.json'), p('', 'src', 'convlab', 'node_modules', 'electron', 'dist', 'resources'))).toBe(p(src, 'dist'))
  })
})
