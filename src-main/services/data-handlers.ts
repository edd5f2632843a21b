/**
 * Samples of a dataset for the Data view. The engine loads and pages them from the cache training
 * uses, so what the user browses is exactly what the model will see, and the main process holds
 * no second copy of the pixels.
 */
import type { EngineClient } from '../engine/process/client'
import { LabError } from '../shared/contract'
import type { LabHandlers } from './dispatch'

export type DataHandlers = Pick<LabHandlers, 'data/samples'>

export function createDataHandlers(engine: Pick<EngineClient, 'request'>): DataHandlers {
  return {
    async 'data/samples'({ source, split, offset, count }) {
      const page = await engine.request('data/samples', { data: source, split, offset, count })
      if (offset > 0 && offset >= page.total) {
        throw new LabError('invalid-payload', `Offset ${offset} is past the end: ${page.name} has ${page.total} images.`)
      }
      return page
    }
  }
}
