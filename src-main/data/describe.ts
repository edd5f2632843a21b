/**
 * The facts about a data source that decide whether a model fits it (sample shape, classes),
 * found without decoding any image, so training can refuse a mismatch before it starts.
 */
import { basename } from 'node:path'
import { FASHION_MNIST_CLASSES, type DataSource } from '../shared/dataset'
import type { DataFacts } from '../shared/data-fit'
import type { ModelSpec } from '../shared/layers'
import { listClasses } from './image-folder'
import { DEFAULT_FOLDER_SHAPE } from './load'
import { toyDefinition } from './toy'

export async function describeSource(source: DataSource, model: ModelSpec): Promise<DataFacts> {
  switch (source.kind) {
    case 'fashion-mnist':
      return { name: 'Fashion-MNIST', sampleShape: [1, 28, 28], resizable: false, classNames: [...FASHION_MNIST_CLASSES], checkClassCount: true }
    case 'toy': {
      const images = source.images ?? toyDefinition().images
      const height = images[0]?.length ?? 0
      const width = images[0]?.[0]?.length ?? 0
      return { name: 'the toy set', sampleShape: [1, height, width], resizable: false, classNames: [], checkClassCount: false }
    }
    case 'folder': {
      const { classNames } = await listClasses(source.dir)
      // Folders decode to grey at the model's size, or at the default size for a flat input.
      const sampleShape: [number, number, number] = model.inputShape.length === 3 ? [1, model.inputShape[1], model.inputShape[2]] : DEFAULT_FOLDER_SHAPE
      return { name: basename(source.dir), sampleShape, resizable: true, classNames, checkClassCount: true }
    }
  }
}
