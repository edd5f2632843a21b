/**
 * Picks the TensorFlow.js backend: tfjs-node-gpu (CUDA) > tfjs-node (native CPU) > wasm > cpu.
 * Each is optional: the native ones are optionalDependencies whose install often fails (they
 * download libtensorflow), so they are required at run time and every failure is kept, verbatim,
 * as the reason that backend was skipped: the UI and `lab backends` show it.
 */
import * as tf from '@tensorflow/tfjs'
import { createRequire } from 'node:module'
import { dirname, join, sep } from 'node:path'
import type { BackendName, BackendReport } from '../shared/contract'
import { unpackedPath } from './process/packaged-paths'
import { registerBackendKernels } from './kernels'

export const BACKEND_ORDER: readonly BackendName[] = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']

const NATIVE_PACKAGES: Partial<Record<BackendName, string>> = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node'
}

/** The name tfjs itself registers each backend under (both native packages register 'tensorflow'). */
export function tfjsBackendName(name: BackendName): string {
  return name === 'tensorflow-gpu' ? 'tensorflow' : name
}

// Under a CJS bundle or tsx `__filename` exists; under vitest/ESM only import.meta.url does.
const nodeRequire = createRequire(typeof __filename === 'string' ? __filename : import.meta.url)

const ALIASES: Record<string, BackendName> = {
  'tensorflow-gpu': 'tensorflow-gpu',
  'tfjs-node-gpu': 'tensorflow-gpu',
  'node-gpu': 'tensorflow-gpu',
  gpu: 'tensorflow-gpu',
  tensorflow: 'tensorflow',
  'tfjs-node': 'tensorflow',
  node: 'tensorflow',
  wasm: 'wasm',
  cpu: 'cpu'
}

/** Reads a backend name as a user may write it (CONVLAB_BACKEND=node, --backend wasm). */
export function parseBackendName(value: string): BackendName {
  const name = ALIASES[value.trim().toLowerCase()]
  if (!name) {
    throw new Error(`Unknown backend "${value}": use one of ${BACKEND_ORDER.join(', ')}`)
  }
  return name
}

function firstLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err)
  return message.split('\n')[0].trim()
}

/** Loads a native tfjs-node package into the same @tensorflow/tfjs instance this module uses. */
function loadNative(name: BackendName, pkg: string): void {
  try {
    nodeRequire.resolve(pkg)
  } catch {
    throw new Error(`${pkg} is not installed`)
  }
  try {
    nodeRequire(pkg)
  } catch (err) {
    throw new Error(`failed to load: ${firstLine(err)}`, { cause: err })
  }
  // A second copy of tfjs-core (e.g. a nested node_modules) would register the backend with
  // a different engine: ours would then never see it.
  if (!tf.findBackendFactory(tfjsBackendName(name))) {
    throw new Error(`${pkg} loaded but registered its backend with a different @tensorflow/tfjs instance`)
  }
}

let wasmPrepared = false

/**
 * The folder of tfjs-backend-wasm's .wasm files, from where its package.json resolved. Under
 * Electron (resourcesPath set) a package inside resources/app.asar has its files in
 * resources/app.asar.unpacked; elsewhere the package folder is used as it is.
 */
export function wasmDistDir(packageJson: string, resourcesPath: string | undefined): string {
  const dist = join(dirname(packageJson), 'dist')
  return resourcesPath !== undefined && dist.startsWith(resourcesPath + sep) ? unpackedPath(dist) : dist
}

function prepareWasm(): void {
  if (wasmPrepared) return
  let wasmModule: typeof import('@tensorflow/tfjs-backend-wasm')
  try {
    wasmModule = nodeRequire('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm')
  } catch (err) {
    throw new Error(`@tensorflow/tfjs-backend-wasm failed to load: ${firstLine(err)}`, { cause: err })
  }
  // The default locator looks next to the running script, which is wrong once bundled. In a
  // packaged app the .wasm files are real files beside app.asar (asarUnpack in package.json).
  const dist = wasmDistDir(nodeRequire.resolve('@tensorflow/tfjs-backend-wasm/package.json'), process.resourcesPath)
  wasmModule.setWasmPaths(dist + sep)
  wasmPrepared = true
}

async function activate(name: BackendName): Promise<void> {
  const pkg = NATIVE_PACKAGES[name]
  if (pkg) loadNative(name, pkg)
  if (name === 'wasm') prepareWasm()
  let ok: boolean
  try {
    ok = await tf.setBackend(tfjsBackendName(name))
  } catch (err) {
    throw new Error(`failed to initialise: ${firstLine(err)}`, { cause: err })
  }
  if (!ok) throw new Error('failed to initialise (tf.setBackend returned false)')
  await tf.ready()
  registerBackendKernels(name)
}

export interface BackendOptions {
  /** Use only this backend; otherwise CONVLAB_BACKEND, otherwise the first that works. */
  force?: BackendName | string
  env?: NodeJS.ProcessEnv
}

let current: BackendReport | null = null
const failures = new Map<BackendName, string>()

/**
 * Chooses and activates a backend. Forcing one that cannot start is an error (the user asked
 * for it by name); otherwise the report lists why each better backend was skipped.
 */
export async function initBackend(options: BackendOptions = {}): Promise<BackendReport> {
  // Silences tfjs's console banner recommending tfjs-node: the report below says it better.
  tf.env().set('PROD', true)
  const env = options.env ?? process.env
  const forcedRaw = options.force ?? (env.CONVLAB_BACKEND?.trim() || undefined)
  const forced = forcedRaw ? parseBackendName(forcedRaw) : undefined
  const candidates: BackendReport['candidates'] = []
  let chosen: BackendName | undefined
  for (const name of BACKEND_ORDER) {
    if (chosen) {
      candidates.push({ name, available: true, reason: `not needed: ${chosen} was chosen first` })
      continue
    }
    if (forced && name !== forced) {
      candidates.push({ name, available: false, reason: `not tried: backend forced to ${forced}` })
      continue
    }
    try {
      await activate(name)
      chosen = name
      candidates.push({ name, available: true })
    } catch (err) {
      const reason = firstLine(err)
      failures.set(name, reason)
      candidates.push({ name, available: false, reason })
      if (forced) throw new Error(`Backend ${forced} was requested but ${reason}`, { cause: err })
    }
  }
  if (!chosen) throw new Error('No TensorFlow.js backend could be initialised')
  current = { chosen, candidates }
  return current
}

export function backendReport(): BackendReport | null {
  return current
}

/** Switches to another backend for one job (a model the chosen backend cannot train). */
export async function useBackend(name: BackendName): Promise<void> {
  const known = failures.get(name)
  if (known) throw new Error(`Backend ${name} is unavailable: ${known}`)
  if (tf.getBackend() === tfjsBackendName(name) && (name !== 'wasm' || wasmPrepared)) return
  await activate(name)
}

/** The backend tfjs is using right now, in our names. */
export function activeBackend(): BackendName {
  const tfName = tf.getBackend()
  if (tfName === 'tensorflow') return current?.chosen === 'tensorflow-gpu' ? 'tensorflow-gpu' : 'tensorflow'
  if (tfName === 'wasm' || tfName === 'cpu') return tfName
  throw new Error(`Unexpected tfjs backend "${tfName}"`)
}
