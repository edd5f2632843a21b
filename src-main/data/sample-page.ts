/**
 * A page of a loaded split for the Data view: images with labels, the class balance of the whole
 * split, and the files an image folder skipped. Built in the engine, next to its dataset cache, so
 * the main process never holds a second copy of the pixels.
 */
import { basename } from 'node:path'
import { SKIPPED_REASONS, type LabOutput, type PixelImage } from '../shared/contract'
import type { Dataset } from '../shared/dataset'

export type SamplePage = LabOutput<'data/samples'>

/** 0..1 values to three decimals: a 28x28 page of 200 stays well under a megabyte of JSON. */
const round3 = (v: number): number => Math.round(v * 1000) / 1000

export function countClasses(d: Dataset): number[] {
  const counts = new Array<number>(d.classNames.length).fill(0)
  for (const label of d.labels) counts[label] = (counts[label] ?? 0) + 1
  return counts
}

/** Images offset..offset+count (fewer at the end, none past it); the caller says whether past the end is an error. */
export function samplePage(dataset: Dataset, classCounts: number[], offset: number, count: number): SamplePage {
  const total = dataset.labels.length
  const [c, h, w] = dataset.shape
  const size = c * h * w
  const start = Math.min(offset, total)
  const end = Math.min(total, offset + count)
  const images: PixelImage[] = []
  for (let i = start; i < end; i++) {
    // Channels first: the first channel is the grey image (folders and both sets are 1-channel).
    const pixels = Array.from(dataset.images.subarray(i * size, i * size + h * w), round3)
    images.push({ width: w, height: h, pixels })
  }
  return {
    name: dataset.name,
    total,
    shape: dataset.shape,
    classNames: dataset.classNames,
    classCounts,
    labels: Array.from(dataset.labels.subarray(start, end)),
    images,
    ...(dataset.skipped?.length
      ? {
          skipped: {
            count: dataset.skipped.length,
            reasons: dataset.skipped.slice(0, SKIPPED_REASONS).map((s) => s.reason),
            files: dataset.skipped.slice(0, SKIPPED_REASONS).map((s) => basename(s.file))
          }
        }
      : {})
  }
}
