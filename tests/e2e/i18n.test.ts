/**
 * ConvLab in Chinese, as a reader of the tutorial meets it: a browser whose language is zh-CN
 * gets the interface in Chinese with the tutorial's own terms, the main flows (build, data, train,
 * runs, shift, predict, study, learn) show no English interface word, nor do an impossible stack
 * in Build, a damaged run in Runs and every section of Learn with its toy CNN checked by hand;
 * an error from main is worded in Chinese, and the switch brings every word back in English.
 * Screenshots of every view, of Build with an impossible stack and of each Learn section, in both
 * languages at 1400×900 and 1024×700, go to test-results/screenshots/i18n-*.
 */
import { existsSync } from 'node:fs'
import { mkdir, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import sharp from 'sharp'
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { FASHION_MNIST_CLASSES } from '../../src-main/shared/dataset'
import { trainRun } from './support/cli'
import { FASHION_MNIST, SCREENSHOTS, hasChromium, onePageInOrder, type WebMode } from './support/web-app'

/**
 * Words a Chinese screen may show in Latin letters: PyTorch's layer names and arguments as the
 * tutorial's code writes them, libraries, formats, model and file names, keys and units.
 */
const SAME_IN_EVERY_LANGUAGE = [
  'ConvLab',
  'Fashion-MNIST',
  'PyTorch',
  'TensorFlow.js',
  'TensorFlow',
  'TypeScript',
  'WebAssembly',
  'JavaScript',
  'CUDA',
  'GPU',
  'CPU',
  'wasm',
  'torchsummary',
  'BlurPool2d',
  'BlurPool',
  // The Study view cites Zhang (2019) and names the shift's axes dx and dy.
  'Zhang',
  'dx',
  'dy',
  'MaxPool2d',
  'AvgPool2d',
  'Conv2d',
  'BatchNorm1d',
  'BatchNorm2d',
  'BatchNorm',
  'LeakyReLU',
  'ReLU',
  'Sigmoid',
  'Tanh',
  'Softmax',
  'Flatten',
  'Linear',
  'Dropout',
  'softmax',
  'sigmoid',
  'logits',
  'logit',
  'linear',
  'relu',
  'valid',
  'same',
  'Epsilon',
  'Adam',
  'SGD',
  'MLP',
  'CNN',
  'PNG',
  'JPEG',
  'WebP',
  'BMP',
  'GIF',
  'CSV',
  'JSON',
  'IDX',
  'Markdown',
  'README',
  'np.roll',
  'npm run web',
  'Alt',
  'Ctrl',
  'Delete',
  'seed-mlp',
  'seed-cnn',
  'seed-toy',
  'leakyrelu',
  'tanh',
  'gz',
  'ubyte',
  'my-model',
  'max',
  // Learn's formulas, as the tutorial's code writes them.
  'floor',
  'exp',
  'MB',
  'KB',
  // An environment variable's name, the same whatever the language.
  'CONVLAB_TRAIN_THREADS'
]

const escape = (word: string): string => word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
const ALLOWED = new RegExp(`(?<![A-Za-z])(${SAME_IN_EVERY_LANGUAGE.map(escape).join('|')})(?![A-Za-z])`, 'g')

/** Latin words of two letters or more left once names, paths and file names are taken out. */
function englishWords(text: string): string[] {
  const stripped = text
    .replace(/\S*[/\\]\S*/g, ' ')
    .replace(/\S+\.(png|csv|py|json|gz|md|txt)\b/gi, ' ')
    .replace(ALLOWED, ' ')
  return [...new Set(stripped.match(/[A-Za-z]{2,}/g) ?? [])]
}

/**
 * The interface's text as a reader sees it (hidden menus and closed details left out), and its
 * titles and labels. Left out: torchsummary's own text (<pre>), the language switch (each
 * language names itself), the English class names shown on hover by design, and the names of
 * the runs the CLI trained, which are the user's data.
 */
async function shownText(page: Page): Promise<string> {
  const text = await page.evaluate(
    ({ classNames }) => {
      const clone = document.body.cloneNode(true) as HTMLElement
      const hiddenCopy = document.createElement('div')
      hiddenCopy.style.cssText = 'position:absolute;left:-99999px;top:0;width:1400px'
      hiddenCopy.append(clone)
      document.body.append(hiddenCopy)
      clone.querySelectorAll('pre, [data-testid="language"]').forEach((e) => e.remove())
      const shown = clone.innerText
      hiddenCopy.remove()
      const titles = Array.from(document.querySelectorAll('[title], [aria-label], [placeholder]'))
        .filter((e) => (e as HTMLElement).offsetParent !== null && !e.closest('pre, [data-testid="language"]'))
        .flatMap((e) => ['title', 'aria-label', 'placeholder'].map((a) => e.getAttribute(a) ?? ''))
        .filter((value) => !classNames.includes(value))
      return `${shown}\n${titles.join('\n')}`
    },
    { classNames: FASHION_MNIST_CLASSES as readonly string[] }
  )
  return text.replaceAll(/seed-(mlp|cnn) · Fashion-MNIST( · \d[\d,]* images)?( · \d+ ep)?/g, ' ')
}

/** A dark pullover on white paper, as a photo of a drawing would be. */
async function pulloverPng(): Promise<Buffer> {
  const side = 64
  const raw = Buffer.alloc(side * side, 245)
  for (let y = 8; y < 58; y++) for (let x = 20; x < 44; x++) raw[y * side + x] = 55
  return sharp(raw, { raw: { width: side, height: side, channels: 1 } }).png().toBuffer()
}

const VIEWS = ['build', 'data', 'train', 'runs', 'shift', 'study', 'predict', 'learn'] as const
const SIZES = [
  [1400, 900],
  [1024, 700]
] as const

const LEARN_SECTIONS = ['convolution', 'pooling', 'activation', 'parameters', 'receptive', 'toy', 'inside'] as const

/**
 * Build with an impossible stack (seed-cnn, the second Conv2d's kernel 20×20 on a 13×13 map), and
 * each Learn section on its own at the two widths.
 */
async function screenshotErrorAndLearn(page: Page, url: string, language: string, kernelLabel: string): Promise<void> {
  await mkdir(SCREENSHOTS, { recursive: true })
  await page.goto(`${url}/#/build`)
  await page.getByTestId('preset-picker').selectOption('seed-cnn')
  await page.getByTestId('layer-4').locator('button.main').click()
  await page.getByTestId('layer-4').getByLabel(kernelLabel, { exact: true }).fill('20')
  await page.getByTestId('summary-error').waitFor()
  for (const [width, height] of SIZES) {
    await page.setViewportSize({ width, height })
    await page.screenshot({ path: join(SCREENSHOTS, `i18n-build-error-${language}-${width}.png`) })
  }
  await page.getByTestId('layer-4').getByLabel(kernelLabel, { exact: true }).fill('3')
  await page.getByTestId('summary-error').waitFor({ state: 'detached' })
  await page.goto(`${url}/#/learn`)
  await page.getByTestId('learn-convolution').waitFor()
  await page.waitForLoadState('networkidle')
  // The view scrolls inside the shell, so each section is shot whole at the two widths, in a window
  // tall enough that the shell's bars cover none of it.
  for (const [width] of SIZES) {
    await page.setViewportSize({ width, height: 2400 })
    for (const id of LEARN_SECTIONS) {
      await page.locator(`#learn-${id}`).screenshot({ path: join(SCREENSHOTS, `i18n-learn-${id}-${language}-${width}.png`) })
    }
  }
  await page.setViewportSize({ width: 1400, height: 900 })
}

async function screenshotViews(page: Page, url: string, language: string): Promise<void> {
  await mkdir(SCREENSHOTS, { recursive: true })
  for (const view of VIEWS) {
    for (const [width, height] of SIZES) {
      await page.setViewportSize({ width, height })
      await page.goto(`${url}/#/${view}`)
      await page.getByTestId(`nav-${view}`).waitFor()
      // Engine answers (runs, samples, heatmaps) fill the view over a moment; the picture waits for them.
      await page.waitForLoadState('networkidle')
      await page.screenshot({ path: join(SCREENSHOTS, `i18n-${view}-${language}-${width}.png`) })
    }
  }
  await page.setViewportSize({ width: 1400, height: 900 })
}

describe.skipIf(!hasChromium || !existsSync(FASHION_MNIST))('ConvLab in Chinese (zh-CN) in Chromium', () => {
  let web: WebMode
  let page: Page
  let consoleErrors: string[]

  onePageInOrder(
    (session) => {
      ;({ web, page, errors: consoleErrors } = session)
    },
    {
      locale: 'zh-CN',
      width: 1400,
      height: 900,
      prepare: async (dataDir) => {
        const common = ['--data', 'fashion-mnist', '--seed', '1', '--epochs', '1']
        await trainRun(['--model', 'seed-mlp', ...common, '--limit', '2000', '--out', join(dataDir, 'runs', 'mlp-zh')])
        await trainRun(['--model', 'seed-cnn', ...common, '--limit', '600', '--out', join(dataDir, 'runs', 'cnn-zh')])
        // A run whose run.json was cut short, dated before the others so the runs trained above come first.
        const damaged = join(dataDir, 'runs', '20190101-1')
        await mkdir(damaged, { recursive: true })
        await writeFile(join(damaged, 'run.json'), '{"id": "20190101-1", "name": "cut')
        await utimes(join(damaged, 'run.json'), new Date('2019-01-01'), new Date('2019-01-01'))
      }
    }
  )

  it("starts in the browser's language and says so in <html lang>", async () => {
    await page.goto(`${web.url}/#/build`)
    await expect.poll(() => page.evaluate(() => document.documentElement.lang)).toBe('zh-CN')
    expect(await page.getByTestId('nav-build').textContent()).toContain('搭建')
    expect(await page.getByTestId('language').inputValue()).toBe('zh-CN')
  })

  it('builds with the tutorial\'s terms and PyTorch\'s layer names', async () => {
    await page.getByTestId('preset-picker').selectOption('seed-cnn')
    await page.getByTestId('layer-1').locator('button.main').click()
    const text = await shownText(page)
    for (const term of ['卷积核', '步幅', '填充', '激活函数', '感受野', '输出形状', '参数量', '全连接层', 'Conv2d', 'MaxPool2d', 'Linear']) expect(text).toContain(term)
    expect(englishWords(text)).toEqual([])
  })

  it('says why a stack is impossible in Chinese, on the layer and above the summary', async () => {
    await page.getByTestId('layer-4').locator('button.main').click()
    await page.getByTestId('layer-4').getByLabel('卷积核', { exact: true }).fill('20')
    const problem = page.getByTestId('layer-4').getByTestId('layer-problem')
    await expect.poll(() => problem.textContent()).toBe('卷积核 20x20 比它的 13x13 输入还大（填充为 0）。')
    expect(await page.getByTestId('summary-error').textContent()).toContain('第 4 层（Conv2d）：')
    expect(englishWords(await shownText(page))).toEqual([])
    // The same stack refused by Train, worded there too.
    await page.getByTestId('nav-train').click()
    await page.getByTestId('model-choice').selectOption('build')
    await expect.poll(() => page.getByTestId('start-blocker').textContent()).toContain('卷积核 20x20 比它的 13x13 输入还大')
    const trainText = await shownText(page)
    expect(englishWords(trainText)).toEqual([])
    await page.getByTestId('nav-build').click()
    await page.getByTestId('layer-4').locator('button.main').click()
    await page.getByTestId('layer-4').getByLabel('卷积核', { exact: true }).fill('3')
    await page.getByTestId('summary-error').waitFor({ state: 'detached' })
  })

  it('shows Fashion-MNIST with Chinese class names, the English on hover', async () => {
    await page.getByTestId('nav-data').click()
    await page.getByTestId('sample').first().waitFor()
    const balance = page.getByTestId('class-balance')
    await expect.poll(() => balance.textContent()).toContain('T恤/上衣')
    expect(await balance.getByText('短靴').getAttribute('title')).toBe('Ankle boot')
    const labels = await page.getByTestId('sample-label').allTextContents()
    expect(labels.every((l) => ['T恤/上衣', '裤子', '套头衫', '连衣裙', '外套', '凉鞋', '衬衫', '运动鞋', '包', '短靴'].includes(l))).toBe(true)
    expect(englishWords(await shownText(page))).toEqual([])
  })

  it('trains with d2l-zh\'s words: 迭代周期, 批量大小, 学习率, 混淆矩阵', async () => {
    await page.getByTestId('nav-train').click()
    await page.getByTestId('model-choice').selectOption('seed-mlp')
    await page.getByTestId('limit').fill('300')
    await page.getByTestId('limit').press('Tab')
    await page.getByTestId('epochs').fill('1')
    await page.getByTestId('epochs').press('Tab')
    await page.getByTestId('start').click()
    await expect.poll(() => page.getByTestId('train-phase').textContent(), { timeout: 120_000 }).toBe('已完成')
    await page.getByTestId('test-results').waitFor()
    const text = await shownText(page)
    for (const term of ['迭代周期', '批量大小', '学习率', '混淆矩阵', '测试集', '损失', '准确率']) expect(text).toContain(term)
    expect(englishWords(text)).toEqual([])
  })

  it('lists and opens runs in Chinese', async () => {
    await page.getByTestId('nav-runs').click()
    await page.getByTestId('runs-table').waitFor()
    await page.getByTestId('run-open').first().click()
    await page.getByTestId('run-detail').waitFor()
    const text = await shownText(page)
    for (const term of ['运行记录', '迭代周期', '混淆矩阵', '模型摘要']) expect(text).toContain(term)
    expect(englishWords(text)).toEqual([])
    const damaged = (await page.getByTestId('runs-damaged').textContent()) ?? ''
    expect(damaged).toContain('20190101-1：run.json 不是有效的 JSON（被截断或已损坏）。没有 run.json，这次运行无法打开，其中也没有其他可用的内容，请删除它。')
    expect(englishWords(damaged)).toEqual([])
  })

  it("runs the tutorial's shift experiment with Chinese labels, and the tutorial's English on request", async () => {
    await page.getByTestId('nav-shift').click()
    await page.getByTestId('compare-mlp-cnn').click()
    const heatmaps = page.getByTestId('heatmap')
    await expect.poll(() => heatmaps.count(), { timeout: 60_000 }).toBe(2)
    const text = await shownText(page)
    for (const term of ['不同平移量下各类别的概率', '像素', '平移', '套头衫']) expect(text).toContain(term)
    expect(englishWords(text)).toEqual([])
    await page.getByTestId('tutorial-labels').check()
    await expect.poll(() => heatmaps.first().textContent()).toContain('Probability of each class for various translations')
    expect(await heatmaps.first().textContent()).toContain('-5 pixels')
    await page.getByTestId('tutorial-labels').uncheck()
  })

  it('predicts a dropped picture in Chinese', async () => {
    await page.getByTestId('nav-predict').click()
    await page.getByTestId('file-input').setInputFiles({ name: 'pullover.png', mimeType: 'image/png', buffer: await pulloverPng() })
    await expect.poll(() => page.getByTestId('predict-card').getAttribute('data-status'), { timeout: 60_000 }).toBe('done')
    const text = await shownText(page)
    for (const term of ['预处理', '模型看到的', '原图']) expect(text).toContain(term)
    expect(englishWords(text)).toEqual([])
  })

  it('measures shift robustness in the Study view in Chinese', async () => {
    await page.getByTestId('nav-study').click()
    await page.getByTestId('study-run-mlp-zh').check()
    await page.getByTestId('study-run-cnn-zh').check()
    await page.getByTestId('study-max').fill('1')
    await page.getByTestId('study-limit').fill('20')
    await page.getByTestId('study-run').click()
    await expect.poll(() => page.getByTestId('study-table').locator('tbody tr').count(), { timeout: 120_000 }).toBe(2)
    const text = await shownText(page)
    for (const term of ['平移', '准确率', '一致性', '最差准确率', '一键配方', '迭代周期']) expect(text).toContain(term)
    expect(englishWords(text)).toEqual([])
  })

  it("frames the Learn view's sections with the tutorial's terms", async () => {
    await page.getByTestId('nav-learn').click()
    const sections = await page.locator('nav.toc').innerText()
    for (const term of ['卷积', '池化与展平', '激活函数', '感受野']) expect(sections).toContain(term)
    expect(englishWords(sections)).toEqual([])
  })

  it("explains every Learn section in Chinese, the toy CNN's check by hand included", async () => {
    await page.getByTestId('inside-maps').waitFor({ timeout: 60_000 })
    await page.getByTestId('toy-train').click()
    await expect.poll(() => page.getByTestId('toy-verdict').count(), { timeout: 180_000, interval: 1000 }).toBe(1)
    const text = await shownText(page)
    for (const term of ['卷积核', '步幅', '填充', '最大池化', '平均池化', '展平', '全连接层', '感受野', '特征图', '偏置', '手算', '迭代周期']) {
      expect(text, term).toContain(term)
    }
    expect(await page.getByTestId('toy-answer').textContent()).toMatch(/类别 0.*（标签 0，正确）/s)
    expect(englishWords(text)).toEqual([])
  })

  it('words an error from main in Chinese', async () => {
    await page.getByTestId('nav-data').click()
    await page.getByTestId('source-folder').check()
    await page.getByTestId('folder-dir').fill('/no/such/folder')
    await page.getByTestId('folder-dir').press('Enter')
    const error = page.getByTestId('data-error')
    await error.waitFor()
    const text = (await error.textContent()) ?? ''
    expect(text).toMatch(/[\u4e00-\u9fff]/)
    expect(englishWords(text)).toEqual([])
    await page.getByTestId('source-fashion-mnist').check()
  })

  it('takes screenshots of every view in Chinese at 1400×900 and 1024×700', async () => {
    await screenshotViews(page, web.url, 'zh-CN')
    await screenshotErrorAndLearn(page, web.url, 'zh-CN', '卷积核')
  })

  it('switches every word back to English, and remembers the choice', async () => {
    await page.goto(`${web.url}/#/train`)
    await page.getByTestId('language').selectOption('en')
    await expect.poll(() => page.evaluate(() => document.documentElement.lang)).toBe('en')
    expect(await page.getByTestId('nav-train').textContent()).toContain('Train')
    expect(await page.getByTestId('start').textContent()).toContain('Start training')
    await page.reload()
    await page.goto(`${web.url}/#/build`)
    await expect.poll(() => page.getByTestId('nav-build').textContent()).toContain('Build')
    const text = await shownText(page)
    expect(text).not.toMatch(/[\u4e00-\u9fff]/)
    await screenshotViews(page, web.url, 'en')
    await screenshotErrorAndLearn(page, web.url, 'en', 'Kernel')
  })

  it('logged no console errors', () => {
    expect(consoleErrors).toEqual([])
  })
})
