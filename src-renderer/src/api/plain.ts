import { isProxy, toRaw } from 'vue'

/**
 * A deep copy without Vue's reactive proxies, which Electron's structured clone refuses
 * ("An object could not be cloned"). Typed arrays are kept as they are: they clone natively.
 */
export function toPlain<T>(value: T): T {
  const raw = isProxy(value) ? toRaw(value) : value
  if (raw === null || typeof raw !== 'object' || ArrayBuffer.isView(raw)) return raw
  if (Array.isArray(raw)) return raw.map((v: unknown) => toPlain(v)) as T
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(raw)) out[k] = toPlain(v)
  return out as T
}
