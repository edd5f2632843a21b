import { describe, expect, it } from 'vitest'
import { EngineDownError, EngineExitedError, EngineTimeoutError } from '../../src-main/engine/process/client'
import { EngineError } from '../../src-main/engine/process/protocol'
import { toErrorInfo } from '../../src-main/services/dispatch'
import { LAB_METHODS, LabError } from '../../src-main/shared/contract'

const errno = (code: string, path?: string): NodeJS.ErrnoException =>
  Object.assign(new Error(`${code}: raw message, open '${path}'`), { code, ...(path ? { path } : {}) })

describe('file-system errors across the boundary', () => {
  it('maps EACCES, ENOTDIR and ENOENT to codes with a message naming the path, not "internal"', () => {
    expect(toErrorInfo(errno('EACCES', '/data/runs/a/run.json'))).toEqual({
      code: 'permission',
      message: '/data/runs/a/run.json cannot be accessed: permission denied (EACCES).',
      reason: 'fsDenied',
      params: { path: '/data/runs/a/run.json' }
    })
    expect(toErrorInfo(errno('ENOTDIR', '/data/file/x'))).toEqual({
      code: 'not-found',
      message: '/data/file/x is not a folder (a part of the path is a file) (ENOTDIR).',
      reason: 'fsNotFolder',
      params: { path: '/data/file/x' }
    })
    expect(toErrorInfo(errno('ENOENT', '/gone'))).toEqual({
      code: 'not-found',
      message: '/gone does not exist (ENOENT).',
      reason: 'fsMissing',
      params: { path: '/gone' }
    })
    expect(toErrorInfo(errno('EROFS', '/ro')).code).toBe('permission')
    expect(toErrorInfo(errno('ENOSPC', '/full')).code).toBe('io')
  })

  it("gives every engine failure (failed, died mid-call, down between restarts, silent) the code 'engine', not 'internal'", () => {
    expect(toErrorInfo(new EngineError({ message: 'x', name: 'Error' })).code).toBe('engine')
    expect(toErrorInfo(new EngineExitedError('predict/images', 'was killed by SIGKILL'))).toMatchObject({ code: 'engine', message: expect.stringContaining('was killed by SIGKILL') })
    expect(toErrorInfo(new EngineDownError('predict/images', 'it died 6 times in a minute', 30_000)).code).toBe('engine')
    expect(toErrorInfo(new EngineTimeoutError('train/cancel', 5_000)).code).toBe('engine')
  })

  it("names the reason and the path, so the interface can say it in the reader's language", () => {
    const denied = toErrorInfo(Object.assign(new Error("EACCES: permission denied, open '/data/runs/x/run.json'"), { code: 'EACCES', path: '/data/runs/x/run.json' }))
    expect(denied).toMatchObject({ code: 'permission', reason: 'fsDenied', params: { path: '/data/runs/x/run.json' } })
    const busy = toErrorInfo(new LabError('busy', 'Run r1 is still training.').because('runTraining', { run: 'r1' }))
    expect(busy).toEqual({ code: 'busy', message: 'Run r1 is still training.', reason: 'runTraining', params: { run: 'r1' } })
    const invalid = toErrorInfo(new LabError('invalid-payload', 'Invalid payload for runs/get: runId: Too small'))
    expect(invalid).not.toHaveProperty('reason')
  })

  it('keeps other errors as they were', () => {
    expect(toErrorInfo(errno('EEXIST', '/x')).code).toBe('internal')
    expect(toErrorInfo(new Error('boom'))).toEqual({ code: 'internal', message: 'boom' })
  })
})

describe('pixels sent in', () => {
  const predict = LAB_METHODS['predict/images'].input
  const image = (pixels: number[]) => ({ runId: 'r', images: [{ width: pixels.length, height: 1, pixels }] })

  it('must be grey values 0..1, with one issue naming the first bad pixel', () => {
    expect(predict.safeParse(image([0, 0.5, 1])).success).toBe(true)
    const bad = predict.safeParse(image([0.2, 1e308, 2, -1]))
    expect(bad.success).toBe(false)
    expect(bad.error!.issues).toHaveLength(1)
    expect(bad.error!.issues[0]).toMatchObject({ path: ['images', 0, 'pixels', 1], message: 'pixel 1 is 1e+308; pixels are grey values from 0 to 1 (divide 0-255 values by 255)' })
    expect(predict.safeParse(image([Infinity])).success).toBe(false)
    expect(predict.safeParse(image([NaN])).success).toBe(false)
  })

  it('leave dataset images going out alone: the toy set is -1..1', () => {
    const samples = LAB_METHODS['data/samples'].output
    const page = { name: 't', total: 1, shape: [1, 1, 2], classNames: ['a'], classCounts: [1], labels: [0], images: [{ width: 2, height: 1, pixels: [-0.625, 1] }] }
    expect(samples.safeParse(page).success).toBe(true)
  })
})
