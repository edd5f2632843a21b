/**
 * The renderer's one handle on the Lab API. Stores import `lab` (or `request`) from here and
 * never learn whether the Electron preload or the web server carries the call.
 */
import type { LabApi, LabErrorInfo, LabInput, LabMethod, LabOutput } from '@shared/contract'
import { createHttpTransport } from './http-transport'
import { toPlain } from './plain'
import { wordError } from './word-error'

export const transport: 'electron' | 'web' = window.lab ? 'electron' : 'web'

function electronTransport(bridge: LabApi): LabApi {
  return {
    call: (name, input) => bridge.call(name, toPlain(input)),
    on: (event, listener) => bridge.on(event, listener)
  }
}

export const lab: LabApi = window.lab ? electronTransport(window.lab) : createHttpTransport()

/** A failed call as an exception, for code that reads better with try/catch. */
export class LabCallError extends Error {
  constructor(
    readonly method: LabMethod,
    readonly info: LabErrorInfo
  ) {
    super(info.message)
    this.name = 'LabCallError'
  }
}

export async function request<M extends LabMethod>(name: M, input: LabInput<M>): Promise<LabOutput<M>> {
  const response = await lab.call(name, input)
  if (!response.ok) throw new LabCallError(name, response.error)
  return response.result
}

/** A readable sentence for any failure, for notices, in the interface's language. */
export function describeError(err: unknown): string {
  if (err instanceof LabCallError) return wordError(err.info)
  return err instanceof Error ? err.message : String(err)
}
