/**
 * The Data, Train and Runs views as browser tests see them, so a layout change is fixed in one place.
 */
import type { Locator, Page } from 'playwright-core'
import { dropFiles } from './drop'

export class DataPage {
  constructor(readonly page: Page) {}

  async open(baseUrl: string): Promise<void> {
    await this.page.goto(`${baseUrl}/#/data`)
    await this.samples().first().waitFor()
  }

  samples = (): Locator => this.page.getByTestId('sample')
  labels = (): Promise<string[]> => this.page.getByTestId('sample-label').allTextContents()
  found = (): Locator => this.page.getByTestId('fashion-found')
  balance = (): Locator => this.page.getByTestId('class-balance')
  range = (): Locator => this.page.getByTestId('sample-range')
  next = (): Locator => this.page.getByTestId('page-next')
  fashionDrop = (): Locator => this.page.getByTestId('fashion-drop')
  importResults = (): Locator => this.page.getByTestId('idx-result')

  /** Drops gzipped IDX files as a file manager does. */
  drop(selector: string, files: { name: string; bytes: Uint8Array }[]): Promise<void> {
    return dropFiles(this.page, selector, files.map((f) => ({ ...f, type: 'application/gzip' })))
  }
}

export interface TrainSettings {
  preset: string
  optimizer: 'adam' | 'sgd'
  learningRate: number
  batchSize: number
  epochs: number
  limit: number
  seed?: number
}

export class TrainPage {
  constructor(readonly page: Page) {}

  async open(): Promise<void> {
    await this.page.getByTestId('nav-train').click()
    await this.start().waitFor()
  }

  start = (): Locator => this.page.getByTestId('start')
  phase = (): Locator => this.page.getByTestId('train-phase')
  lossChart = (): Locator => this.page.getByTestId('loss-chart').locator('[data-points]')
  testAccuracy = (): Locator => this.page.getByTestId('test-accuracy')
  confusionRows = (): Locator => this.page.getByTestId('confusion-row')
  confusionCells = (): Locator => this.page.getByTestId('confusion-cell')

  /** How a setting's field looks: whether it is disabled, its fill and text colour, and the fill of the panel around it. */
  fieldLook(testid: string): Promise<{ disabled: boolean; background: string; color: string; panel: string }> {
    return this.page.getByTestId(testid).evaluate((field) => {
      const style = getComputedStyle(field)
      const panel = field.closest('.panel')
      return {
        disabled: field.matches(':disabled'),
        background: style.backgroundColor,
        color: style.color,
        panel: panel ? getComputedStyle(panel).backgroundColor : ''
      }
    })
  }

  /** Number fields commit each valid value as it is typed, the seeds field on change; Tab leaves the field as a person would. */
  private async setNumber(testid: string, value: number): Promise<void> {
    const field = this.page.getByTestId(testid)
    await field.fill(String(value))
    await field.press('Tab')
  }

  async configure(s: TrainSettings): Promise<void> {
    await this.page.getByTestId('model-choice').selectOption(s.preset)
    await this.page.getByTestId('optimizer').selectOption(s.optimizer)
    await this.setNumber('learning-rate', s.learningRate)
    await this.setNumber('batch-size', s.batchSize)
    await this.setNumber('epochs', s.epochs)
    await this.setNumber('limit', s.limit)
    if (s.seed !== undefined) await this.setNumber('seed', s.seed)
  }

  async plottedPoints(): Promise<number> {
    return Number(await this.lossChart().getAttribute('data-points'))
  }
}

export class RunsPage {
  constructor(readonly page: Page) {}

  async open(): Promise<void> {
    await this.page.getByTestId('nav-runs').click()
    await this.page.getByTestId('runs-table').waitFor()
  }

  rows = (): Locator => this.page.getByTestId('run-row')
  row = (name: string): Locator => this.rows().filter({ has: this.page.getByTestId('run-name').getByText(name, { exact: true }) })
  detail = (): Locator => this.page.getByTestId('run-detail')
  summary = (): Locator => this.page.getByTestId('run-summary')
  dialog = (): Locator => this.page.getByTestId('confirm-dialog')
  undoToast = (): Locator => this.page.getByTestId('undo-toast')
  compare = (): Locator => this.page.getByTestId('runs-compare')

  async openRun(name: string): Promise<void> {
    await this.row(name).getByTestId('run-open').click()
    await this.detail().waitFor()
  }

  async rename(from: string, to: string): Promise<void> {
    await this.row(from).getByTestId('run-rename').click()
    const input = this.page.getByTestId('rename-input')
    await input.fill(to)
    await input.press('Enter')
    await this.row(to).waitFor()
  }
}
