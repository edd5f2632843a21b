/**
 * What main reports as codes and values, worded in the renderer: a stack's shape and head
 * problems, a damaged run, engine notices, a run's failure and a refused Fashion-MNIST folder.
 * In English the words match main's own sentences (the CLI's); in zh-CN no English sentence is left.
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { RunDamage } from '../../../src-main/shared/contract'
import { NOTICE_CODES, RUN_FAILURES } from '../../../src-main/shared/contract'
import { describeHead, flatStackProblem, inferShapes, STACK_PROBLEMS, stackProblemText as englishProblem, type StackProblem } from '../../../src-main/shared/shapes'
import { ModelSpec } from '../../../src-main/shared/layers'
import { wordError } from '../../../src-renderer/src/api/word-error'
import { i18n } from '../../../src-renderer/src/i18n'
import { damageText, imageFaultText, importFaultText, noticeText, runFailureText, stackProblemText } from '../../../src-renderer/src/i18n/words'

const CJK = /[\u4e00-\u9fff]/
/** Latin words of three letters or more, less the names a Chinese screen keeps (layers, files). */
const english = (text: string): string[] =>
  (text.replace(/[\w/.-]+\.(png|txt|json|bin)\b/g, ' ').replace(/\b(tanh|Conv2d|MaxPool2d|AvgPool2d|BlurPool2d|Linear|Flatten|Softmax|Sigmoid|ReLU|PyTorch|Fashion-MNIST|tfjs|JSON|ENOENT|EACCES|SIGKILL|Linear-\d|ReLU-\d|Softmax-\d|seed-cnn)\b/g, ' ').match(/[A-Za-z]{3,}/g) ?? [])

const spec = (inputShape: number[], layers: unknown[]): ModelSpec => ModelSpec.parse({ name: 'm', inputShape, layers })

/** One stack per problem code, so every code is met. */
const STACKS: Record<(typeof STACK_PROBLEMS)[number], ModelSpec> = {
  flatInput: spec([4], [{ type: 'conv2d', filters: 1, kernel: 3 }]),
  windowTooLarge: spec([1, 4, 4], [{ type: 'maxpool2d', pool: 5 }]),
  poolPadding: spec([1, 8, 8], [{ type: 'maxpool2d', pool: 2, padding: 2 }]),
  blurPoolTooLarge: spec([1, 2, 2], [{ type: 'blurpool', pool: 3, blur: 3, stride: 2 }]),
  blurTooWide: spec([1, 3, 3], [{ type: 'blurpool', pool: 2, blur: 5, stride: 2 }]),
  denseNeedsFlat: spec([1, 28, 28], [{ type: 'dense', units: 10 }]),
  noLayers: spec([4], []),
  outputImage: spec([1, 8, 8], [{ type: 'conv2d', filters: 2, kernel: 3 }]),
  softmaxOneUnit: spec([4], [{ type: 'dense', units: 1 }, { type: 'softmax' }]),
  sigmoidUnits: spec([4], [{ type: 'dense', units: 3, activation: 'sigmoid' }]),
  badLastLayer: spec([4], [{ type: 'dense', units: 3, activation: 'tanh' }])
}

function problemOf(s: ModelSpec): StackProblem {
  const report = inferShapes(s)
  if (report.error) return report.error
  const head = describeHead(s)
  if (head.ok) throw new Error('expected a problem')
  return head.problem
}

describe('main codes worded in the renderer', () => {
  afterEach(() => {
    i18n.global.locale.value = 'en'
  })

  it('words every stack problem as main does in English, and in Chinese in zh-CN', () => {
    for (const code of STACK_PROBLEMS) {
      const problem = problemOf(STACKS[code])
      expect(problem.code, code).toBe(code)
      expect(stackProblemText(problem), code).toBe(englishProblem(problem))
    }
    i18n.global.locale.value = 'zh-CN'
    for (const code of STACK_PROBLEMS) {
      const text = stackProblemText(problemOf(STACKS[code]))
      expect(text, code).toMatch(CJK)
      expect(english(text), `${code}: ${text}`).toEqual([])
    }
    expect(stackProblemText(problemOf(STACKS.denseNeedsFlat))).toBe(
      '第 1 层（Linear）：全连接层需要展平的输入：请在第 1 层之前加入 Flatten（它的输入为 1x28x28）。'
    )
  })

  it('words a stack refused by train/start from its flat params', () => {
    i18n.global.locale.value = 'zh-CN'
    const problem = problemOf(STACKS.windowTooLarge)
    const text = wordError({ code: 'invalid-payload', message: englishProblem(problem), reason: 'stack', params: flatStackProblem(problem) })
    expect(text).toBe('第 1 层（MaxPool2d）：池化核 5x5 比它的 4x4 输入还大（填充为 0）。')
  })

  it('words a damaged run from its causes and what it keeps', () => {
    const damage: RunDamage = {
      problems: ['run.json is not valid JSON (cut short or corrupted)'],
      causes: [{ kind: 'notJson', file: 'run.json' }],
      usable: 'The run cannot be opened without run.json. Still on disk: the model files in model/ (they load in any tfjs), the test metrics (81.25% on 600 images).',
      keeps: { opens: false, model: true, test: { accuracy: 0.8125, count: 600 }, curves: false },
      modelUsable: false
    }
    expect(damageText(damage)).toBe(`${damage.problems[0]}. ${damage.usable}`)
    i18n.global.locale.value = 'zh-CN'
    expect(damageText(damage)).toBe(
      'run.json 不是有效的 JSON（被截断或已损坏）。没有 run.json，这次运行无法打开。磁盘上仍保留：model/ 中的模型文件（可在任何 tfjs 中加载）、测试指标（600 张图像上的准确率为 81.25%）。'
    )
    const opened: RunDamage = { ...damage, causes: [{ kind: 'malformed', file: 'history.json', detail: 'epochs' }], keeps: { opens: true, model: true, curves: false } }
    expect(damageText(opened)).toBe('history.json 格式有误（epochs）。仍可使用：训练好的模型（重新评估这次运行可得到测试指标）。')
  })

  it('words every notice code in Chinese, and keeps main\'s sentence in English', () => {
    const params = { signal: 'SIGKILL', deaths: 3, seconds: 4, model: 'seed-cnn', needed: 2e9, free: 1e9, data: 'Fashion-MNIST (test)', classes: '猫', count: 2, files: 'a.txt, b.txt', more: 0, max: 64, left: 2, path: '/tmp/x.png' }
    expect(noticeText({ message: 'English from main.', code: 'lowMemory', params })).toBe('English from main.')
    i18n.global.locale.value = 'zh-CN'
    for (const code of NOTICE_CODES) {
      const text = noticeText({ message: 'English from main.', code, params })
      expect(text, code).toMatch(CJK)
      expect(english(text), `${code}: ${text}`).toEqual([])
    }
    expect(noticeText({ message: 'x', code: 'engineRestarted', params: { exitCode: 137 } })).toBe('引擎进程退出（退出码 137），已重新启动。')
    expect(noticeText({ message: 'x', code: 'filesSkipped', params: { count: 5, files: 'a.txt, b.txt, c.txt', more: 2 } })).toContain('另有 2 个')
  })

  it("words every run failure in Chinese, and keeps main's sentence in English", () => {
    expect(runFailureText('The engine process was killed by SIGKILL while handling train/run; it is being restarted, try again', { code: 'engineExited', params: { signal: 'SIGKILL' } })).toMatch(/^The engine process/)
    i18n.global.locale.value = 'zh-CN'
    for (const code of RUN_FAILURES) {
      const text = runFailureText('English from main.', { code, params: { signal: 'SIGKILL', seconds: 5 } })
      expect(text, code).toMatch(CJK)
      expect(english(text), `${code}: ${text}`).toEqual([])
    }
    expect(runFailureText('English from main.', undefined)).toBe('English from main.')
  })

  it('words refused pictures and IDX files in Chinese, and keeps main\'s sentence in English', () => {
    const picture = { name: 'a.png', ok: false as const, error: 'a.png is too large: 60.0 MB is over the 50 MB limit for images.', fault: { code: 'tooManyBytes' as const, params: { name: 'a.png', mb: 60, limit: 50 } } }
    const idx = { name: 'x.gz', ok: false, error: 'x.gz holds 100 images but y holds 99 labels; …', fault: { code: 'countMismatch' as const, params: { name: 'x.gz', count: 60000, other: 'y', otherCount: 59999 } } }
    expect(imageFaultText(picture)).toBe(picture.error)
    expect(importFaultText(idx)).toBe(idx.error)
    i18n.global.locale.value = 'zh-CN'
    expect(imageFaultText(picture)).toBe('a.png 太大：60 MB 超过了图像 50 MB 的上限。')
    expect(importFaultText(idx)).toBe('x.gz 有 60,000 项，而 y 有 59,999 项；图像和标签必须一一对应，所以 x.gz 未导入。')
  })
})
