/**
 * ConvLab in Chinese, as a reader of the tutorial meets it: a browser whose language is zh-CN
 * gets the interface in Chinese with the tutorial's own terms, the main flows (build, data, train,
 * runs, shift, predict, study) show no English interface word, the Learn view's sections are in
 * Chinese (its explainers are not yet), an error from main is worded in Chinese,
 * and the switch brings every word back in English. Screenshots of every view in both languages
 * at 1400×900 and 1024×700 go to test-results/screenshots/i18n-*.
 */
import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
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
  'TensorFlow',
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
  'MB',
  'KB'
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
  })

  it('logged no console errors', () => {
    expect(consoleErrors).toEqual([])
  })
})
