import { describe, expect, it } from 'vitest'
import { classify, MAX_MESSAGE_CHARS, type CaseOutcome } from '../fixtures/bad-inputs/classify'

const cli = (o: Partial<CaseOutcome>): CaseOutcome => ({
  transport: 'cli',
  exitCode: 1,
  signal: null,
  text: 'error: model.json is not valid JSON\n',
  timedOut: false,
  changedFiles: [],
  vanishedRuns: [],
  leftRunning: [],
  sideEffects: [],
  ...o
})
const api = (o: Partial<CaseOutcome>): CaseOutcome => cli({ transport: 'api', exitCode: undefined, httpStatus: 200, ok: false, errorCode: 'invalid-payload', ...o })
const refusedNamingJson = { expect: 'refused' as const, names: [/model\.json/, /JSON/] }

describe('classify (bad-input report)', () => {
  it('counts a refusal that names the file and the problem as clear, and nothing else', () => {
    expect(classify(cli({}), refusedNamingJson)).toEqual({ clear: true, crash: false, hang: false, lost: false, leftRunning: false, notes: [] })
  })

  it('counts a stack trace, an exit code beyond 2 and a signal as crashes, and none of them clear', () => {
    const stack = classify(cli({ text: 'SyntaxError: Unexpected end of JSON input in model.json\n    at JSON.parse (<anonymous>)\n' }), refusedNamingJson)
    expect([stack.crash, stack.clear, stack.notes[0]]).toEqual([true, false, 'a stack trace is shown'])
    expect(classify(cli({ exitCode: 134 }), refusedNamingJson).notes).toEqual(['exit code 134'])
    expect(classify(cli({ exitCode: null, signal: 'SIGSEGV' }), refusedNamingJson).notes[0]).toBe('died of SIGSEGV')
    // 130 after Ctrl-C is an answer where the case allows it.
    expect(classify(cli({ exitCode: 130 }), { ...refusedNamingJson, allowExit: [130] }).crash).toBe(false)
  })

  it('counts HTTP 5xx and a dead server as crashes, an "internal" error code as unclear only', () => {
    expect(classify(api({ httpStatus: 500 }), refusedNamingJson).notes).toEqual(['HTTP 500'])
    expect(classify(api({ serverDied: true }), refusedNamingJson).notes).toEqual(['the server process died'])
    const internal = classify(api({ errorCode: 'internal' }), refusedNamingJson)
    expect([internal.crash, internal.clear, internal.notes]).toEqual([false, false, ['error code "internal"']])
  })

  it('counts a timeout as a hang, not a crash, and not clear', () => {
    expect(classify(cli({ timedOut: true, exitCode: null, text: '' }), refusedNamingJson)).toEqual({
      clear: false,
      crash: false,
      hang: true,
      lost: false,
      leftRunning: false,
      notes: ['no answer before the timeout']
    })
  })

  it('counts changed saved files and runs gone from the list as data lost, even when the message is clear', () => {
    const v = classify(cli({ changedFiles: ['runs/saved/metrics.json'], vanishedRuns: ['bad-metrics'] }), refusedNamingJson)
    expect([v.clear, v.lost]).toEqual([true, true])
    expect(v.notes).toEqual(['saved file changed or removed: runs/saved/metrics.json', 'run no longer listed: bad-metrics'])
  })

  it('is not clear when bad input is accepted, unnamed, overlong, or refused with harm done', () => {
    expect(classify(cli({ exitCode: 0 }), refusedNamingJson).notes).toEqual(['accepted instead of refused'])
    expect(classify(api({ ok: true }), refusedNamingJson).clear).toBe(false)
    expect(classify(cli({ text: 'error: Unexpected end of input' }), refusedNamingJson).notes).toEqual(['message does not name the problem (/model\\.json/, /JSON/)'])
    expect(classify(cli({ text: '' }), refusedNamingJson).notes).toEqual(['no message'])
    expect(classify(cli({ text: `error: model.json is not valid JSON ${'x'.repeat(MAX_MESSAGE_CHARS)}` }), refusedNamingJson).clear).toBe(false)
    expect(classify(cli({ sideEffects: ['--out folders were created'] }), refusedNamingJson).notes).toEqual(['--out folders were created'])
  })

  it('holds a case that should succeed to exit 0 and its warning, and reports processes left running', () => {
    const warned = { expect: 'done' as const, names: [/notes\.txt/] }
    expect(classify(cli({ exitCode: 0, text: 'warning: notes.txt skipped' }), warned).clear).toBe(true)
    expect(classify(cli({ exitCode: 1, text: 'error: notes.txt' }), warned).notes).toEqual(['refused instead of done'])
    const left = classify(cli({ leftRunning: [4242] }), refusedNamingJson)
    expect([left.leftRunning, left.notes]).toEqual([true, ['left running: pid 4242']])
  })
})
