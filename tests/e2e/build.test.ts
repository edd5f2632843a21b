/**
 * The layer-stack editor in Chromium against web mode: build seed-cnn from the palette, reorder
 * with the keyboard, break it, load a preset, keep a saved stack across a reload, and export a
 * stack's code for PyTorch into the data folder.
 */
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { BuildPage } from './support/build-page'
import { hasChromium, pagePerTest, screenshot, type WebMode } from './support/web-app'

describe.skipIf(!hasChromium)('Build view in Chromium', () => {
  let web: WebMode
  let build: BuildPage

  // Each test starts from the stack it needs: one failing cannot leave the next with a half-edited stack.
  pagePerTest(
    async (opened) => {
      web = opened.web
      build = new BuildPage(opened.page)
      await build.open(web.url)
    },
    { afterTest: async () => expect(await build.notices().count()).toBe(0) }
  )

  /** The tutorial's CNN, as the first test builds it from the palette. */
  async function seedCnn(): Promise<void> {
    await build.presetPicker().selectOption('seed-cnn')
    await expect.poll(() => build.totalParams().textContent()).toBe('896,522')
  }

  it('builds seed-cnn from the palette and counts 896,522 parameters', async () => {
    await build.newStack()
    await build.setInputShape(1, 28, 28)
    await build.add('conv2d', { Filters: 64, Kernel: 3 })
    await build.add('maxpool2d', { 'Pool size': 2 })
    await build.add('relu')
    await build.add('conv2d', { Filters: 128, Kernel: 3 })
    await build.add('maxpool2d')
    await build.add('relu')
    await build.add('flatten')
    await build.add('dense', { Units: 256 })
    await build.add('relu')
    await build.add('dense', { Units: 10 })

    await expect.poll(() => build.totalParams().textContent()).toBe('896,522')
    expect(await build.summaryRows().count()).toBe(10)
    expect(await build.layer(1).locator('.shape').textContent()).toBe('→ 64×26×26')
    expect(await build.layer(7).locator('.shape').textContent()).toBe('→ 3200')
    expect(await build.summaryText().textContent()).toContain('Total params: 896,522')
    expect(await build.page.getByTestId('head-note').textContent()).toMatch(/Ready to train: 10 classes/)
    await build.layerButton(4).click()
    await screenshot(build.page, 'build', { dark: true })
  })

  it('reorders a layer with the keyboard, keeping focus on it', async () => {
    await seedCnn()
    await build.layerButton(3).focus()
    await build.page.keyboard.press('Alt+ArrowUp')
    expect((await build.stackTypes()).slice(0, 3)).toEqual(['Conv2d', 'ReLU', 'MaxPool2d'])
    const focused = () => build.page.locator('li[data-layer-id]:has(:focus)').getAttribute('data-testid')
    await expect.poll(focused).toBe('layer-2')
    // ReLU before or after pooling: the same parameters.
    expect(await build.totalParams().textContent()).toBe('896,522')

    await build.page.keyboard.press('Alt+ArrowDown')
    expect((await build.stackTypes()).slice(0, 3)).toEqual(['Conv2d', 'MaxPool2d', 'ReLU'])
    await expect.poll(focused).toBe('layer-3')
    await build.page.keyboard.press('ArrowDown')
    await expect.poll(focused).toBe('layer-4')
  })

  it('reorders by dragging a layer, and adds by dragging from the palette', async () => {
    await seedCnn()
    await build.layer(3).locator('.head').dragTo(build.layer(2).locator('.head'), { targetPosition: { x: 40, y: 2 } })
    expect((await build.stackTypes()).slice(0, 3)).toEqual(['Conv2d', 'ReLU', 'MaxPool2d'])
    await build.layer(2).locator('.head').dragTo(build.layer(3).locator('.head'), { targetPosition: { x: 40, y: 30 } })
    expect((await build.stackTypes()).slice(0, 3)).toEqual(['Conv2d', 'MaxPool2d', 'ReLU'])

    await build.palette('dropout').dragTo(build.layer(8).locator('.head'), { targetPosition: { x: 40, y: 30 } })
    expect((await build.stackTypes()).slice(7, 10)).toEqual(['Linear', 'Dropout', 'ReLU'])
    await build.layerButton(9).focus()
    await build.page.keyboard.press('Delete')
    expect(await build.layers().count()).toBe(10)
    await build.page.getByTestId('undo').click()
    expect((await build.stackTypes()).slice(7, 10)).toEqual(['Linear', 'Dropout', 'ReLU'])
    await build.layerButton(9).click()
    await build.layer(9).getByRole('button', { name: 'Remove Dropout' }).click()
    expect(await build.totalParams().textContent()).toBe('896,522')
  })

  it('shows an impossible stack on the failing layer, with its reason', async () => {
    await seedCnn()
    await build.setField(4, 'Kernel', 20)
    const reason = 'Layer 4 (Conv2d): kernel 20x20 is larger than its 13x13 input (with padding 0).'
    await expect.poll(() => build.layerProblem(4).textContent()).toBe('kernel 20x20 is larger than its 13x13 input (with padding 0).')
    expect(await build.layer(4).getAttribute('aria-invalid')).toBe('true')
    expect(await build.page.locator('[data-testid="layer-problem"]').count()).toBe(1)
    expect(await build.summaryError().textContent()).toContain(reason)
    expect(await build.failedRow().textContent()).toContain('Conv2d-4')
    expect(await build.summaryRows().count()).toBe(3)
    expect(await build.totalParams().count()).toBe(0)
    await screenshot(build.page, 'build-error', { dark: true })

    await build.layer(4).getByLabel('Kernel', { exact: true }).fill('3')
    await expect.poll(() => build.totalParams().textContent()).toBe('896,522')
  })

  it('refuses a value outside the schema range and says so', async () => {
    await seedCnn()
    await build.layerButton(4).click()
    const filters = build.layer(4).getByLabel('Filters', { exact: true })
    await filters.fill('5000')
    expect(await build.layer(4).getByRole('alert').textContent()).toBe('Filters must be from 1 to 4096.')
    expect(await build.totalParams().textContent()).toBe('896,522')
    await filters.fill('128')
    expect(await build.layer(4).getByRole('alert').count()).toBe(0)
  })

  it('saves the stack, loads seed-toy, and finds the saved stack after a reload', async () => {
    await seedCnn()
    await build.save('my seed-cnn')
    await expect.poll(() => build.savedNames()).toEqual(['my seed-cnn'])
    await screenshot(build.page, 'build-saved')
    await build.page.getByTestId('saved-toggle').click()

    await build.presetPicker().selectOption('seed-toy')
    await expect.poll(() => build.totalParams().textContent()).toBe('12')
    expect(await build.nameField().inputValue()).toBe('seed-toy')

    await build.page.reload()
    await build.palette('conv2d').waitFor()
    await expect.poll(() => build.totalParams().textContent()).toBe('12')
    await expect.poll(() => build.savedNames()).toEqual(['my seed-cnn'])
    await build.page.locator('.saved-item button.open').first().click()
    await expect.poll(() => build.totalParams().textContent()).toBe('896,522')
    expect(await build.nameField().inputValue()).toBe('my seed-cnn')

  })

  it("exports the stack's code for PyTorch into exports/, says where, and names the layer PyTorch cannot express", async () => {
    // The stack the test before saved.
    await build.savedNames()
    await build.page.locator('.saved-item', { hasText: 'my seed-cnn' }).locator('button.open').click()
    await expect.poll(() => build.totalParams().textContent()).toBe('896,522')
    expect(await build.nameField().inputValue()).toBe('my seed-cnn')
    await build.page.getByTestId('export-stack-pytorch').click()
    const notice = build.page.getByTestId('stack-exported')
    await notice.waitFor()
    const dir = join(web.dataDir, 'exports', 'stack my seed-cnn-pytorch')
    expect(await notice.locator('code').textContent()).toBe(dir)
    expect(await notice.textContent()).toContain('README.md, model.py')
    expect((await readdir(dir)).sort()).toEqual(['README.md', 'model.py'])
    const model = await readFile(join(dir, 'model.py'), 'utf8')
    expect(model).toContain('nn.Conv2d(64, 128, kernel_size=(3, 3)),')
    expect(model).toContain('nn.Linear(3200, 256),')
    await screenshot(build.page, 'build-exported')
    const python = '/usr/bin/python3'
    if (existsSync(python) && spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0) {
      // The code runs: PyTorch builds the network and prints it.
      const printed = spawnSync(python, ['model.py'], { cwd: dir, encoding: 'utf8' })
      expect(printed.status, printed.stderr).toBe(0)
      expect(printed.stdout).toContain('(7): Linear(in_features=3200, out_features=256, bias=True)')
    }

    // A stack that cannot be built exports nothing: the refusal names the layer.
    await build.setField(4, 'Kernel', 20)
    await build.page.getByTestId('export-stack-pytorch').click()
    const refused = build.page.getByRole('alert').filter({ hasText: 'Export failed' })
    await refused.waitFor()
    expect(await refused.textContent()).toContain('Layer 4 (Conv2d): kernel 20x20 is larger than its 13x13 input')
    expect(await readFile(join(dir, 'model.py'), 'utf8')).toBe(model)
    await refused.getByRole('button', { name: 'Dismiss' }).click()
    expect(await refused.count()).toBe(0)
  })
})
