/**
 * The Build view as browser tests see it, so a layout change is fixed in one place.
 */
import type { Locator, Page } from 'playwright-core'
import type { LayerType } from '../../../src-main/shared/layers'

export class BuildPage {
  constructor(readonly page: Page) {}

  async open(baseUrl: string): Promise<void> {
    await this.page.goto(`${baseUrl}/#/build`)
    await this.page.getByTestId('palette-conv2d').waitFor()
  }

  palette = (type: LayerType): Locator => this.page.getByTestId(`palette-${type}`)
  /** 1-based, as the stack numbers its layers. */
  layer = (n: number): Locator => this.page.getByTestId(`layer-${n}`)
  layerButton = (n: number): Locator => this.layer(n).locator('button.main')
  layerProblem = (n: number): Locator => this.layer(n).getByTestId('layer-problem')
  layers = (): Locator => this.page.locator('[data-testid^="layer-"][data-layer-id]')
  totalParams = (): Locator => this.page.getByTestId('total-params')
  summaryRows = (): Locator => this.page.locator('[data-testid^="summary-row-"]')
  summaryError = (): Locator => this.page.getByTestId('summary-error')
  failedRow = (): Locator => this.page.getByTestId('summary-failed-row')
  summaryText = (): Locator => this.page.getByTestId('summary-text')
  presetPicker = (): Locator => this.page.getByTestId('preset-picker')
  nameField = (): Locator => this.page.getByTestId('stack-name')
  notices = (): Locator => this.page.getByTestId('notices')

  /** Adds a layer from the palette (it lands below the selected one) and fills its fields. */
  async add(type: LayerType, fields: Record<string, number> = {}): Promise<void> {
    const before = await this.layers().count()
    await this.palette(type).click()
    const added = this.page.locator('.card.selected')
    for (const [label, value] of Object.entries(fields)) {
      await added.getByLabel(label, { exact: true }).fill(String(value))
    }
    if ((await this.layers().count()) !== before + 1) throw new Error(`adding ${type} did not add a layer`)
  }

  async setField(n: number, label: string, value: number): Promise<void> {
    await this.layerButton(n).click()
    await this.layer(n).getByLabel(label, { exact: true }).fill(String(value))
  }

  async setInputShape(c: number, h: number, w: number): Promise<void> {
    await this.page.getByLabel('Channels', { exact: true }).fill(String(c))
    await this.page.getByLabel('Height', { exact: true }).fill(String(h))
    await this.page.getByLabel('Width', { exact: true }).fill(String(w))
  }

  /** The layer types from top to bottom, as the cards name them. */
  async stackTypes(): Promise<string[]> {
    return this.page.locator('.card .type').allTextContents()
  }

  async newStack(): Promise<void> {
    await this.page.getByRole('button', { name: 'New stack' }).click()
  }

  async save(name: string): Promise<void> {
    await this.nameField().fill(name)
    await this.page.getByTestId('save-stack').click()
  }

  async savedNames(): Promise<string[]> {
    const toggle = this.page.getByTestId('saved-toggle')
    if (!(await this.page.locator('details.saved[open]').count())) await toggle.click()
    return this.page.locator('.saved-name').allTextContents()
  }
}
