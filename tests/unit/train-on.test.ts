import { describe, expect, it } from 'vitest'
import type { RunDetail } from '../../src-main/shared/contract'
import { checkpointDroppable, trainOnOf } from '../../src-main/shared/train-on'

type Run = Pick<RunDetail, 'status' | 'config' | 'epochsDone' | 'checkpoint'>
const run = (status: Run['status'], epochsDone: number, checkpoint?: Run['checkpoint']): Run => ({
  status,
  epochsDone,
  checkpoint,
  config: { optimizer: 'adam', learningRate: 0.001, batchSize: 32, epochs: 4, validationSplit: 0 }
})

describe('trainOnOf', () => {
  it('continues a completed run exactly only from a checkpoint of its last epoch with optimizer state', () => {
    expect(trainOnOf(run('completed', 4, { epoch: 4, optimizer: true }))).toEqual({ mode: 'continue', exact: true })
    expect(trainOnOf(run('completed', 4, { epoch: 4, optimizer: false }))).toEqual({ mode: 'continue', exact: false })
    expect(trainOnOf(run('completed', 4, { epoch: 3, optimizer: true }))).toEqual({ mode: 'continue', exact: false })
    expect(trainOnOf(run('completed', 4))).toEqual({ mode: 'continue', exact: false })
  })

  it('resumes a stopped run from a checkpoint short of its planned epochs, and nothing else', () => {
    expect(trainOnOf(run('cancelled', 2, { epoch: 2, optimizer: true }))).toEqual({ mode: 'resume', exact: true })
    expect(trainOnOf(run('failed', 2, { epoch: 2, optimizer: false }))).toEqual({ mode: 'resume', exact: false })
    expect(trainOnOf(run('cancelled', 2))).toBeNull()
    expect(trainOnOf(run('cancelled', 4, { epoch: 4, optimizer: true }))).toBeNull()
    expect(trainOnOf(run('running', 2, { epoch: 2, optimizer: true }))).toBeNull()
  })
})

describe('checkpointDroppable', () => {
  it("is a completed run's checkpoint only", () => {
    expect(checkpointDroppable(run('completed', 4, { epoch: 4, optimizer: true }))).toBe(true)
    expect(checkpointDroppable(run('completed', 4))).toBe(false)
    for (const status of ['running', 'cancelled', 'failed'] as const) expect(checkpointDroppable(run(status, 2, { epoch: 2, optimizer: true }))).toBe(false)
  })
})
