import { EngineDownError, EngineExitedError, EngineTimeoutError } from '../engine/process/client'
import { EngineError } from '../engine/process/protocol'
import {
  LAB_METHODS,
  LabError,
  MAX_ERROR_ISSUES,
  clipText,
  isLabMethod,
  parseInput,
  type LabEvent,
  type LabErrorInfo,
  type LabErrorReason,
  type LabEventPayload,
  type LabMethod,
  type LabOutput,
  type LabParsedInput,
  type LabResponse
} from '../shared/contract'
import { payloadShapeProblem } from './payload-limits'

/** One function per contract method, receiving an already-validated input. */
export type LabHandlers = {
  [M in LabMethod]: (input: LabParsedInput<M>) => Promise<LabOutput<M>>
}

export type LabEventListener = <E extends LabEvent>(event: E, payload: LabEventPayload<E>) => void

/** Results above this size are refused rather than pushed through IPC or HTTP. */
const MAX_RESULT_CHARS = 64 * 1024 * 1024

/**
 * The single entry point every transport uses: checks the method name, validates the payload,
 * runs the handler and turns any failure into a structured error. It never throws, so a
 * malformed call can never take the main process down.
 */
export async function dispatch(handlers: LabHandlers, name: unknown, payload: unknown): Promise<LabResponse<unknown>> {
  try {
    if (!isLabMethod(name)) {
      throw new LabError('unknown-method', `Unknown method ${JSON.stringify(String(name)).slice(0, 120)}.`)
    }
    const tooLarge = payloadShapeProblem(payload)
    if (tooLarge) throw new LabError('invalid-payload', tooLarge)
    const input = parseInput(name, payload)
    const handler = handlers[name] as (input: unknown) => Promise<unknown>
    const result = await handler(input)
    const checked = (LAB_METHODS[name].output as { safeParse(v: unknown): { success: boolean } }).safeParse(result)
    if (!checked.success) throw new LabError('internal', `The ${name} handler returned data outside the contract.`)
    if (JSON.stringify(result).length > MAX_RESULT_CHARS) {
      throw new LabError('internal', `The result of ${name} is too large to send.`)
    }
    return { ok: true, result }
  } catch (err) {
    return { ok: false, error: toErrorInfo(err) }
  }
}

/** A whole error message: room for a sentence naming a file path and its fault. */
const MAX_ERROR_MESSAGE = 2_000

/** Every error leaves with a bounded size, whatever produced it (a data file's name, an engine stack). */
/**
 * The engine failed, died, is down between restarts or did not answer (engine/process/client.ts): all
 * 'engine', which the interface answers with its Restart engine action, never 'internal'.
 */
const isEngineFailure = (err: Error): boolean =>
  err instanceof EngineError || err instanceof EngineExitedError || err instanceof EngineDownError || err instanceof EngineTimeoutError

export function toErrorInfo(err: unknown): Extract<LabResponse<never>, { ok: false }>['error'] {
  if (err instanceof LabError) {
    const issues = err.issues?.slice(0, MAX_ERROR_ISSUES + 1).map((i) => ({ path: clipText(i.path, 200), message: clipText(i.message) }))
    const why = err.reason ? { reason: err.reason, params: clippedParams(err.params ?? {}) } : {}
    return { code: err.code, message: clipText(err.message, MAX_ERROR_MESSAGE), ...(issues ? { issues } : {}), ...why }
  }
  if (err instanceof Error) {
    const fs = fileSystemError(err)
    if (fs) return fs
    const code = err.name === 'DataError' ? 'data' : isEngineFailure(err) ? 'engine' : 'internal'
    return { code, message: clipText(err.message, MAX_ERROR_MESSAGE) }
  }
  return { code: 'internal', message: clipText(String(err), MAX_ERROR_MESSAGE) }
}

const FS_CODES: Record<string, { code: LabErrorInfo['code']; reason: LabErrorReason; says: string }> = {
  ENOENT: { code: 'not-found', reason: 'fsMissing', says: 'does not exist' },
  ENOTDIR: { code: 'not-found', reason: 'fsNotFolder', says: 'is not a folder (a part of the path is a file)' },
  EISDIR: { code: 'invalid-payload', reason: 'fsIsFolder', says: 'is a folder, not a file' },
  EACCES: { code: 'permission', reason: 'fsDenied', says: 'cannot be accessed: permission denied' },
  EPERM: { code: 'permission', reason: 'fsNotPermitted', says: 'cannot be changed: operation not permitted' },
  EROFS: { code: 'permission', reason: 'fsReadOnly', says: 'is on a read-only file system' },
  ENOSPC: { code: 'io', reason: 'fsFull', says: 'cannot be written: the disk is full' },
  EIO: { code: 'io', reason: 'fsIo', says: 'cannot be read or written: the disk reported an I/O error' }
}

function clippedParams(params: Record<string, string | number>): Record<string, string | number> {
  return Object.fromEntries(Object.entries(params).map(([k, v]) => [k, typeof v === 'string' ? clipText(v, 500) : v]))
}

/**
 * Node's own file errors ("EACCES: permission denied, open '/x/run.json'") are the user's
 * environment, not a bug: a code saying which kind, and a message naming the path.
 */
function fileSystemError(err: Error): LabErrorInfo | undefined {
  const { code, path } = err as NodeJS.ErrnoException
  const known = code ? FS_CODES[code] : undefined
  if (!known) return undefined
  if (!path) return { code: known.code, message: err.message }
  return { code: known.code, message: `${path} ${known.says} (${code}).`, reason: known.reason, params: { path: clipText(path, 500) } }
}
