import { describe, expect, it } from 'vitest'
import type { RunDetail } from '../../../src-main/shared/contract'
import { confusionCsv, curvesCsv, runReport, summaryMarkdown } from '../../../src-renderer/src/components/runs/report'
import { setLocale } from '../../../src-renderer/src/i18n'
import { ModelSpec } from '../../../src-main/shared/layers'
import { getPreset } from '../../../src-main/shared/presets'
import { formatSummary } from '../../../src-main/shared/summary'

describe("a run's summary as Markdown", () => {
  it("has torchsummary's rows and totals, the same numbers as its text", () => {
    const toy = getPreset('seed-toy')!
    const md = summaryMarkdown(toy)
    expect(md).toBe(
      [
        `**${toy.name}** · input 1×4×4`,
        '',
        '| Layer (type) | Output Shape | Param # |',
        '| --- | --- | ---: |',
        '| Conv2d-1 | [-1, 1, 2, 2] | 10 |',
        '| MaxPool2d-2 | [-1, 1, 1, 1] | 0 |',
        '| ReLU-3 | [-1, 1, 1, 1] | 0 |',
        '| Flatten-4 | [-1, 1] | 0 |',
        '| Linear-5 | [-1, 1] | 2 |',
        '| Sigmoid-6 | [-1, 1] | 0 |',
        '',
        '| Total | |',
        '| --- | ---: |',
        '| Total params | 12 |',
        '| Trainable params | 12 |',
        '| Non-trainable params | 0 |',
        '| Input size (MB) | 0.00 |',
        '| Forward/backward pass size (MB) | 0.00 |',
        '| Params size (MB) | 0.00 |',
        '| Estimated Total Size (MB) | 0.00 |',
        ''
      ].join('\n')
    )
    const cnn = getPreset('seed-cnn')!
    const text = formatSummary(cnn)
    const cnnMd = summaryMarkdown(cnn)
    for (const number of ['896,522', '819,456', '[-1, 128, 11, 11]', '3.42', '4.11']) {
      expect(text).toContain(number)
      expect(cnnMd).toContain(number)
    }
  })

  it('keeps a name with a pipe or a line break inside its cell, and gives an impossible stack its error', () => {
    const odd = ModelSpec.parse({ name: 'a|b\nc', inputShape: [1, 2, 2], layers: [{ type: 'conv2d', filters: 1, kernel: 3 }] })
    const md = summaryMarkdown(odd)
    expect(md.split('\n')[0]).toBe('**a\\|b c** · input 1×2×2')
    expect(md).toMatch(/\nError: Layer 1 \(Conv2d\): kernel 3x3 is larger than its 2x2 input/)
    expect(md).not.toContain('Total params')
  })
})

describe("a run's confusion matrix as CSV", () => {
  it('has one row per true class and one column per predicted class, names quoted where needed', () => {
    expect(confusionCsv([[5, 1, 0], [2, 7, 1], [0, 0, 9]], ['T-shirt/top', 'Trouser, long', 'Say "hi"'])).toBe(
      ['true \\ predicted,T-shirt/top,"Trouser, long","Say ""hi"""', 'T-shirt/top,5,1,0', '"Trouser, long",2,7,1', '"Say ""hi""",0,0,9', ''].join('\n')
    )
  })

  it('refuses counts that do not match the classes', () => {
    expect(() => confusionCsv([[1, 2]], ['a', 'b'])).toThrow('A 2-class confusion matrix needs 2x2 counts.')
    expect(() => confusionCsv([[1], [2]], ['a', 'b'])).toThrow(RangeError)
  })
})

describe("a run's training curves as CSV", () => {
  const batches = [
    { epoch: 1, batch: 1, loss: 2.5, accuracy: 0.125 },
    { epoch: 1, batch: 2, loss: 1.75, accuracy: 0.5 },
    { epoch: 2, batch: 2, loss: 0.5, accuracy: 0.875 },
    { epoch: 2, batch: 1, loss: 1.0000001, accuracy: 0.75 }
  ]
  const epochs = [
    { epoch: 2, loss: 0.75, accuracy: 0.8, valLoss: 0.9, valAccuracy: 0.7, seconds: 3 },
    { epoch: 1, loss: 2.125, accuracy: 0.3125, seconds: 4 }
  ]

  it('has one row per batch in order, then its epoch row with the train and validation values, at full precision', () => {
    expect(curvesCsv(batches, epochs)).toBe(
      [
        'epoch,batch,step,batch loss,batch accuracy,epoch loss (train),epoch accuracy (train),validation loss,validation accuracy',
        '1,1,1,2.5,0.125,,,,',
        '1,2,2,1.75,0.5,,,,',
        '1,,2,,,2.125,0.3125,,',
        '2,1,3,1.0000001,0.75,,,,',
        '2,2,4,0.5,0.875,,,,',
        '2,,4,,,0.75,0.8,0.9,0.7',
        ''
      ].join('\n')
    )
  })

  it('keeps epochs without batch records (an old run) and has a header alone for no history', () => {
    expect(curvesCsv([], epochs).split('\n').slice(1)).toEqual(['1,,,,,2.125,0.3125,,', '2,,,,,0.75,0.8,0.9,0.7', ''])
    expect(curvesCsv([], []).split('\n')).toHaveLength(2)
  })

  it('heads its columns in the interface language', () => {
    setLocale('zh-CN')
    try {
      expect(curvesCsv(batches, epochs).split('\n')[0]).toBe('迭代周期,批量,步数,批量损失,批量准确率,迭代周期损失（训练）,迭代周期准确率（训练）,验证损失,验证准确率')
    } finally {
      setLocale('en')
    }
  })
})

describe("a run's report files", () => {
  const run: RunDetail = {
    id: 'r1',
    name: 'CNN, 2 epochs / 汉字',
    modelName: 'seed-toy',
    data: { kind: 'toy' },
    createdAt: '2025-01-01T00:00:00Z',
    status: 'completed',
    epochsDone: 2,
    model: getPreset('seed-toy')!,
    config: { optimizer: 'adam', learningRate: 0.01, batchSize: 1, epochs: 2, validationSplit: 0 },
    classNames: ['dark', 'light'],
    epochs: [],
    batches: [],
    test: { count: 4, loss: 0.1, accuracy: 0.75, confusion: [[2, 0], [1, 1]] }
  }

  it("are named after the run and hold the summary text, its Markdown and the test set's confusion matrix", () => {
    expect(runReport(run, 'summary-text')).toEqual({ fileName: 'CNN, 2 epochs - 汉字-summary.txt', content: formatSummary(run.model), type: 'text/plain' })
    expect(runReport(run, 'summary-markdown')).toEqual({ fileName: 'CNN, 2 epochs - 汉字-summary.md', content: summaryMarkdown(run.model), type: 'text/markdown' })
    expect(runReport(run, 'confusion-csv')).toEqual({ fileName: 'CNN, 2 epochs - 汉字-confusion.csv', content: 'true \\ predicted,dark,light\ndark,2,0\nlight,1,1\n', type: 'text/csv' })
  })

  it('have no confusion matrix for a run without test results', () => {
    expect(runReport({ ...run, test: undefined }, 'confusion-csv')).toBeNull()
  })

  it('have curves named after the run, and none for a run with no history', () => {
    const trained = { ...run, epochs: [{ epoch: 1, loss: 0.5, accuracy: 0.75, seconds: 1 }] }
    expect(runReport(trained, 'curves-csv')).toEqual({ fileName: 'CNN, 2 epochs - 汉字-curves.csv', content: curvesCsv([], trained.epochs), type: 'text/csv' })
    expect(runReport(run, 'curves-csv')).toBeNull()
  })
})
