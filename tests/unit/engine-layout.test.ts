/**
 * The engine's folders keep their jobs: backend-specific kernels are reached only through
 * kernels/index.ts, so a new engine file cannot start depending on the wasm backend's internals.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const ENGINE = resolve(__dirname, '../../src-main/engine')

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []))
}

const outsideKernels = sources(ENGINE).filter((f) => !relative(ENGINE, f).startsWith('kernels/'))
const importsOf = (file: string): string[] => [...readFileSync(file, 'utf8').matchAll(/from '([^']+)'/g)].map((m) => m[1])

describe('the engine layout', () => {
  it('has its parts in folders, with engine files outside kernels/ to check', () => {
    expect(readdirSync(ENGINE, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort()).toEqual(['kernels', 'model', 'parallel', 'process', 'train'])
    expect(outsideKernels.length).toBeGreaterThan(20)
  })

  it('reaches kernels only through kernels/index.ts', () => {
    const deep = outsideKernels.flatMap((f) => importsOf(f).filter((p) => /(^|\/)kernels\/./.test(p)).map((p) => `${relative(ENGINE, f)}: ${p}`))
    expect(deep).toEqual([])
  })

  it('names the wasm backend package only where backends are chosen', () => {
    const users = outsideKernels.filter((f) => /tfjs-backend-wasm/.test(readFileSync(f, 'utf8'))).map((f) => relative(ENGINE, f))
    expect(users).toEqual(['backends.ts'])
  })
})
