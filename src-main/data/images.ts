/**
 * Turns a user's image into what a Fashion-MNIST model expects: one grey channel, the object
 * centred in the target size with its aspect kept, light on a dark background, values 0..1.
 */
import sharp, { type Metadata, type Sharp, type SharpOptions } from 'sharp'
import { decodeBmp } from './bmp'
import { DataError, describeSignature, sniffImage, type SniffedFormat } from './errors'

export const MAX_IMAGE_BYTES = 50_000_000
export const MAX_IMAGE_PIXELS = 50_000_000
const MAX_TARGET_SIDE = 4096

export interface GreyImage {
  /** width*height values in 0..1, row-major. */
  pixels: Float32Array
  width: number
  height: number
  /** What was done, in words, in order, e.g. "resize 300x200 → 28x19". */
  preprocessing: string[]
  original: { width: number; height: number; format: SniffedFormat }
}

function errorText(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).trim().replace(/\.$/, '')
}

interface Prepared {
  image: Sharp
  width: number
  height: number
  steps: string[]
}

function prepareBmp(bytes: Uint8Array, name: string): Prepared {
  const rgb = decodeBmp(bytes, name, MAX_IMAGE_PIXELS)
  const steps: string[] = []
  const d = rgb.data
  let colour = false
  for (let i = 0; i < d.length && !colour; i += 3) colour = d[i] !== d[i + 1] || d[i + 1] !== d[i + 2]
  if (colour) steps.push('grey')
  const image = sharp(d, { raw: { width: rgb.width, height: rgb.height, channels: 3 } })
  return { image, width: rgb.width, height: rgb.height, steps }
}

async function prepareWithSharp(bytes: Uint8Array, name: string, format: SniffedFormat): Promise<Prepared> {
  const options: SharpOptions = { failOn: 'error', limitInputPixels: MAX_IMAGE_PIXELS, autoOrient: true }
  let meta: Metadata
  try {
    // Without the pixel limit, which would pre-empt the clearer "too large" message below.
    meta = await sharp(bytes, { ...options, limitInputPixels: false }).metadata()
  } catch (err) {
    throw new DataError(`${name} could not be read as a ${format.toUpperCase()} image: ${errorText(err)}.`, {
      cause: err,
      image: { code: 'undecodable', params: { name, format: format.toUpperCase() } }
    })
  }
  const { width, height } = meta.autoOrient
  if (width * height > MAX_IMAGE_PIXELS) {
    throw new DataError(
      `${name} is too large: ${width}x${height} is over ${MAX_IMAGE_PIXELS / 1e6} megapixels.`,
      { kind: 'too-large', image: { code: 'tooManyPixels', params: { name, size: `${width}x${height}`, limit: MAX_IMAGE_PIXELS / 1e6 } } }
    )
  }
  const steps: string[] = []
  if (meta.pages !== undefined && meta.pages > 1) steps.push(`first frame of ${meta.pages}`)
  if (meta.orientation !== undefined && meta.orientation > 1) steps.push(`rotate (EXIF orientation ${meta.orientation})`)
  let image = sharp(bytes, options)
  let transparent = false
  if (meta.hasAlpha) {
    try {
      transparent = !(await sharp(bytes, options).stats()).isOpaque
    } catch (err) {
      throw new DataError(`${name} could not be decoded as a ${format.toUpperCase()} image: ${errorText(err)}.`, {
        cause: err,
        image: { code: 'undecodable', params: { name, format: format.toUpperCase() } }
      })
    }
  }
  if (transparent) {
    // Drawings on a transparent canvas are usually dark strokes; white keeps them visible.
    image = image.flatten({ background: '#ffffff' })
    steps.push('flatten transparency onto white')
  }
  if (meta.channels >= 3 && meta.space !== 'b-w') steps.push('grey')
  return { image, width, height, steps }
}

/** Mean of the outermost ring of pixels: the background colour for letterboxing and inversion. */
function borderMean(grey: Uint8Array, width: number, height: number): number {
  let sum = 0
  let count = 0
  for (let y = 0; y < height; y++) {
    const edgeRow = y === 0 || y === height - 1
    for (let x = 0; x < width; x += edgeRow || width === 1 ? 1 : width - 1) {
      sum += grey[y * width + x]
      count++
    }
  }
  return sum / count / 255
}

/**
 * Decodes PNG, JPEG, WebP, GIF (first frame), TIFF or BMP to grey, fits it inside `target` keeping
 * the aspect ratio, centres it on the background colour, and inverts it when that background is
 * light (Fashion-MNIST is light objects on black). Rejects with a DataError naming `name`.
 */
export async function decodeImageToGrey(
  bytes: Uint8Array,
  name: string,
  target: { width: number; height: number }
): Promise<GreyImage> {
  for (const side of [target.width, target.height]) {
    if (!Number.isInteger(side) || side < 1 || side > MAX_TARGET_SIDE) {
      throw new RangeError(`Target size ${target.width}x${target.height} must be whole numbers 1-${MAX_TARGET_SIDE}.`)
    }
  }
  if (bytes.length === 0) throw new DataError(`${name} is empty.`, { image: { code: 'empty', params: { name } } })
  if (bytes.length > MAX_IMAGE_BYTES) {
    throw new DataError(
      `${name} is too large: ${(bytes.length / 1e6).toFixed(1)} MB is over the ${MAX_IMAGE_BYTES / 1e6} MB limit for images.`,
      { kind: 'too-large', image: { code: 'tooManyBytes', params: { name, mb: Number((bytes.length / 1e6).toFixed(1)), limit: MAX_IMAGE_BYTES / 1e6 } } }
    )
  }
  const format = sniffImage(bytes)
  if (!format) {
    throw new DataError(
      `${name} is not a supported image (${describeSignature(bytes)}); ConvLab reads PNG, JPEG, WebP, GIF, TIFF and BMP.`,
      { kind: 'unsupported', image: { code: 'unsupported', params: { name } } }
    )
  }
  const prepared = format === 'bmp' ? prepareBmp(bytes, name) : await prepareWithSharp(bytes, name, format)

  let grey: Uint8Array
  let w: number
  let h: number
  try {
    const { data, info } = await prepared.image
      .greyscale()
      .resize(target.width, target.height, { fit: 'inside' })
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true })
    w = info.width
    h = info.height
    grey = new Uint8Array(w * h)
    for (let i = 0; i < grey.length; i++) grey[i] = data[i * info.channels]
  } catch (err) {
    throw new DataError(`${name} could not be decoded as a ${format.toUpperCase()} image: ${errorText(err)}.`, {
      cause: err,
      image: { code: 'undecodable', params: { name, format: format.toUpperCase() } }
    })
  }
  const steps = [...prepared.steps]
  if (w !== prepared.width || h !== prepared.height) steps.push(`resize ${prepared.width}x${prepared.height} → ${w}x${h}`)

  const background = borderMean(grey, w, h)
  const pixels = new Float32Array(target.width * target.height).fill(background)
  const left = Math.floor((target.width - w) / 2)
  const top = Math.floor((target.height - h) / 2)
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) pixels[(top + y) * target.width + left + x] = grey[y * w + x] / 255
  }
  if (w !== target.width || h !== target.height) {
    steps.push(`centre on ${target.width}x${target.height}, padded with the background grey`)
  }
  if (background > 0.5) {
    for (let i = 0; i < pixels.length; i++) pixels[i] = 1 - pixels[i]
    steps.push('invert (light background)')
  }
  return {
    pixels,
    width: target.width,
    height: target.height,
    preprocessing: steps,
    original: { width: prepared.width, height: prepared.height, format }
  }
}
