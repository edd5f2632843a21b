import type { RunSummary } from '../../../src-main/shared/contract'

/** A run as the runs list gives it to the views: seed-mlp on Fashion-MNIST, completed after one epoch; a test names what its case changes. */
export const runSummary = (id: string, changes: Partial<RunSummary> = {}): RunSummary => ({
  id,
  name: id,
  modelName: 'seed-mlp',
  inputShape: [1, 28, 28],
  data: { kind: 'fashion-mnist' },
  createdAt: '2025-01-01T00:00:00Z',
  status: 'completed',
  epochsDone: 1,
  ...changes
})
