/**
 * Errors from main in the reader's language: a reason with its parameters, else the code, and
 * the server's own sentence only for a code the interface does not know.
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { LabErrorInfo } from '../../../src-main/shared/contract'
import { LAB_ERROR_REASONS } from '../../../src-main/shared/contract'
import { wordError } from '../../../src-renderer/src/api/word-error'
import { i18n } from '../../../src-renderer/src/i18n'
import { en } from '../../../src-renderer/src/i18n/locales/en'

const CJK = /[\u4e00-\u9fff]/

describe('wordError', () => {
  afterEach(() => {
    i18n.global.locale.value = 'en'
  })

  it("keeps the server's sentence in English", () => {
    const info: LabErrorInfo = { code: 'not-found', message: 'Run r1 failed and has no trained model.', reason: 'runFailedNoModel', params: { run: 'r1' } }
    expect(wordError(info)).toBe('Run r1 failed and has no trained model.')
  })

  it('words a reason in Chinese with its parameters, in zh-CN', () => {
    i18n.global.locale.value = 'zh-CN'
    expect(wordError({ code: 'busy', message: 'Run 2026-a is still training.', reason: 'runTraining', params: { run: '2026-a' } })).toBe('运行 2026-a 仍在训练中。')
    const denied: LabErrorInfo = { code: 'permission', message: '/data/runs/x/run.json cannot be accessed: permission denied (EACCES).', reason: 'fsDenied', params: { path: '/data/runs/x/run.json' } }
    expect(wordError(denied)).toBe('无法访问 /data/runs/x/run.json：权限被拒绝。')
  })

  it('words any error of a known code in Chinese when it has no reason', () => {
    i18n.global.locale.value = 'zh-CN'
    const codes: LabErrorInfo['code'][] = ['invalid-payload', 'unknown-method', 'not-found', 'busy', 'data', 'engine', 'unauthorized', 'forbidden', 'permission', 'io', 'internal']
    for (const code of codes) {
      const text = wordError({ code, message: 'Some English sentence from main.' })
      expect(text, code).toMatch(CJK)
      expect(text, code).not.toContain('English')
    }
  })

  it("falls back to the server's sentence only for a code it does not know", () => {
    i18n.global.locale.value = 'zh-CN'
    const unknown = { code: 'future-code', message: 'A newer main said this.' } as unknown as LabErrorInfo
    expect(wordError(unknown)).toBe('A newer main said this.')
  })

  it('has a message for every reason main can send', () => {
    expect(Object.keys(en.errors.reasons).sort()).toEqual([...LAB_ERROR_REASONS].sort())
  })
})
