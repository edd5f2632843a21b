import { crc32, deflateSync } from 'node:zlib'
import sharp, { type Sharp } from 'sharp'
import { beforeAll, describe, expect, it } from 'vitest'
import { DataError } from '../../src-main/data/errors'
import { decodeImageToGrey, type GreyImage } from '../../src-main/data/images'
import { bmpBytes } from '../fixtures/data/builders'

const T28 = { width: 28, height: 28 }

/** A 56x28 white canvas with a black 16x12 block at x 20-35, y 8-19: dark on light, like a scan. */
const scanPixel = (x: number, y: number): number => (x >= 20 && x < 36 && y >= 8 && y < 20 ? 0 : 255)

function greyRaw(width: number, height: number, f: (x: number, y: number) => number): Buffer {
  const out = Buffer.alloc(width * height)
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) out[y * width + x] = f(x, y)
  return out
}

const greySharp = (width: number, height: number, f: (x: number, y: number) => number): Sharp =>
  sharp(greyRaw(width, height, f), { raw: { width, height, channels: 1 } }).toColourspace('b-w')

async function decodeError(bytes: Uint8Array, name: string): Promise<DataError> {
  const err = await decodeImageToGrey(bytes, name, T28).catch((e: unknown) => e)
  expect(err).toBeInstanceOf(DataError)
  return err as DataError
}

/** Pixel (x, y) of a decoded 28x28 image. */
const at = (img: GreyImage, x: number, y: number): number => img.pixels[y * img.width + x]

describe('decodeImageToGrey', () => {
  let scanPng: Buffer
  beforeAll(async () => {
    scanPng = await greySharp(56, 28, scanPixel).png().toBuffer()
  })

  it('fits a wide image inside the target, centres it, and inverts a light background', async () => {
    const img = await decodeImageToGrey(scanPng, 'scan.png', T28)
    expect(img.preprocessing).toEqual([
      'resize 56x28 → 28x14',
      'centre on 28x28, padded with the background grey',
      'invert (light background)'
    ])
    expect(img.original).toEqual({ width: 56, height: 28, format: 'png' })
    expect([img.width, img.height, img.pixels.length]).toEqual([28, 28, 784])
    // Padding rows 0-6 and 21-27 hold the (inverted) white background.
    for (const y of [0, 6, 21, 27]) for (const x of [0, 14, 27]) expect(at(img, x, y)).toBe(0)
    // The black block (x 10-17, y 4-9 after halving, +7 rows of padding) is now bright.
    for (const [x, y] of [[11, 12], [14, 14], [16, 15]]) expect(at(img, x, y)).toBeGreaterThan(0.95)
    // Resized image background (x 0-9 of rows 7-20) stays dark.
    expect(at(img, 3, 10)).toBeLessThan(0.05)
  })

  it('centres a tall image horizontally', async () => {
    const png = await greySharp(28, 56, (x, y) => scanPixel(y, x)).png().toBuffer()
    const img = await decodeImageToGrey(png, 'tall.png', T28)
    expect(img.preprocessing[0]).toBe('resize 28x56 → 14x28')
    for (const x of [0, 6, 21, 27]) for (const y of [0, 14, 27]) expect(at(img, x, y)).toBe(0)
    expect(at(img, 14, 14)).toBeGreaterThan(0.95)
    expect(at(img, 10, 3)).toBeLessThan(0.05)
  })

  it('leaves an already dark background as it is', async () => {
    const png = await greySharp(28, 28, (x, y) => 255 - scanPixel(x + 14, y)).png().toBuffer()
    const img = await decodeImageToGrey(png, 'dark.png', T28)
    expect(img.preprocessing).toEqual([])
    expect(at(img, 0, 0)).toBe(0)
    expect(at(img, 14, 14)).toBe(1)
    expect(at(img, 12, 10)).toBe(1)
  })

  it('keeps exact values when no resize is needed', async () => {
    const png = await greySharp(28, 28, (x, y) => (x * 9 + y) % 256).png().toBuffer()
    const img = await decodeImageToGrey(png, 'ramp.png', T28)
    expect(img.preprocessing).toEqual([])
    expect(at(img, 5, 3)).toBeCloseTo(48 / 255, 6)
    expect(at(img, 27, 27)).toBeCloseTo(((27 * 9 + 27) % 256) / 255, 6)
  })

  it('turns colour into grey and says so', async () => {
    const rgb = await sharp({ create: { width: 28, height: 28, channels: 3, background: { r: 0, g: 0, b: 255 } } })
      .png()
      .toBuffer()
    const img = await decodeImageToGrey(rgb, 'blue.png', T28)
    expect(img.preprocessing).toEqual(['grey'])
    expect(at(img, 5, 5)).toBeGreaterThan(0.02)
    expect(at(img, 5, 5)).toBeLessThan(0.3)
  })

  it('flattens transparency onto white, so dark strokes on a clear canvas survive', async () => {
    const rgba = Buffer.alloc(28 * 28 * 4)
    for (let y = 10; y < 18; y++) for (let x = 10; x < 18; x++) rgba.set([0, 0, 0, 255], (y * 28 + x) * 4)
    const png = await sharp(rgba, { raw: { width: 28, height: 28, channels: 4 } }).png().toBuffer()
    const img = await decodeImageToGrey(png, 'clear.png', T28)
    expect(img.preprocessing).toEqual(['flatten transparency onto white', 'grey', 'invert (light background)'])
    expect(at(img, 0, 0)).toBe(0)
    expect(at(img, 13, 13)).toBe(1)
  })

  it('applies the EXIF orientation of a phone photo', async () => {
    const jpeg = await greySharp(20, 10, (x) => (x < 10 ? 0 : 255)).jpeg().withMetadata({ orientation: 6 }).toBuffer()
    const img = await decodeImageToGrey(jpeg, 'phone.jpg', { width: 10, height: 20 })
    expect(img.preprocessing[0]).toBe('rotate (EXIF orientation 6)')
    expect(img.original).toEqual({ width: 10, height: 20, format: 'jpeg' })
    // Rotated 90° clockwise, the dark left half becomes the top half.
    expect(at(img, 5, 2)).toBeLessThan(0.1)
    expect(at(img, 5, 17)).toBeGreaterThan(0.9)
  })

  it('takes the first frame of an animated GIF', async () => {
    const frame = (v: number): Promise<Buffer> => greySharp(28, 28, () => v).png().toBuffer()
    const gif = await sharp([await frame(10), await frame(250)], { join: { animated: true } }).gif().toBuffer()
    const img = await decodeImageToGrey(gif, 'anim.gif', T28)
    expect(img.preprocessing).toContain('first frame of 2')
    expect(at(img, 14, 14)).toBeLessThan(0.1)
  })

  describe('reads every supported format to the same picture', () => {
    // At the image's own size, so only decoding is compared, not how each path resamples.
    const own = { width: 56, height: 28 }
    let reference: GreyImage
    beforeAll(async () => {
      reference = await decodeImageToGrey(scanPng, 'scan.png', own)
    })
    const encoders: [string, () => Promise<Uint8Array>, number][] = [
      ['jpeg', () => greySharp(56, 28, scanPixel).jpeg({ quality: 95 }).toBuffer(), 0.15],
      ['webp', () => greySharp(56, 28, scanPixel).webp({ lossless: true }).toBuffer(), 0],
      ['gif', () => greySharp(56, 28, scanPixel).gif().toBuffer(), 0],
      ['tiff', () => greySharp(56, 28, scanPixel).tiff({ compression: 'lzw' }).toBuffer(), 0],
      ['bmp', async () => bmpBytes(56, 28, (x, y) => [scanPixel(x, y), scanPixel(x, y), scanPixel(x, y)]), 0],
      ['bmp', async () => bmpBytes(56, 28, (x, y) => [scanPixel(x, y), 0, 0], { bpp: 8 }), 0],
      ['bmp', async () => bmpBytes(56, 28, (x, y) => [scanPixel(x, y), scanPixel(x, y), scanPixel(x, y)], { bpp: 32 }), 0],
      [
        'bmp',
        async () => bmpBytes(56, 28, (x, y) => [scanPixel(x, y), scanPixel(x, y), scanPixel(x, y)], { bpp: 32, bitfields: true, topDown: true }),
        0
      ]
    ]
    it.each(encoders)('%s (#%#)', async (format, encode, tolerance) => {
      const img = await decodeImageToGrey(await encode(), `scan.${format}`, own)
      expect(img.original).toEqual({ width: 56, height: 28, format })
      expect(img.preprocessing).toContain('invert (light background)')
      let worst = 0
      img.pixels.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - reference.pixels[i]))))
      expect(worst).toBeLessThanOrEqual(tolerance)
    })
  })

  it('reads a BMP bottom-up rows and BGR order correctly', async () => {
    // Top row red (grey ≈ 0.21*255), bottom row blue (≈ 0.07*255): a swapped order or flip would show.
    const bmp = bmpBytes(2, 2, (_, y) => (y === 0 ? [255, 0, 0] : [0, 0, 255]))
    const img = await decodeImageToGrey(bmp, 'rb.bmp', { width: 2, height: 2 })
    expect(img.preprocessing).toEqual(['grey'])
    expect(at(img, 0, 0)).toBeGreaterThan(at(img, 0, 1) + 0.05)
  })

  it('reads a top-down BMP (negative height) the right way up', async () => {
    const bmp = bmpBytes(2, 2, (_, y) => (y === 0 ? [255, 0, 0] : [0, 0, 255]), { topDown: true })
    const img = await decodeImageToGrey(bmp, 'rb.bmp', { width: 2, height: 2 })
    expect(at(img, 0, 0)).toBeGreaterThan(at(img, 0, 1) + 0.05)
  })

  it('rejects an empty file', async () => {
    expect((await decodeError(new Uint8Array(0), 'empty.png')).message).toBe('empty.png is empty.')
  })

  it('rejects a text file, saying what it looks like and what is supported', async () => {
    const err = await decodeError(Buffer.from('just some notes\n'), 'notes.png')
    expect(err.kind).toBe('unsupported')
    expect(err.message).toBe(
      'notes.png is not a supported image (starts with 6A 75 73 74, a text file?); ConvLab reads PNG, JPEG, WebP, GIF, TIFF and BMP.'
    )
  })

  it('rejects an SVG even though sharp could render it', async () => {
    const err = await decodeError(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'), 'x.svg')
    expect(err.message).toMatch(/^x\.svg is not a supported image/)
  })

  it('wraps a decoder failure on a damaged PNG with the file name', async () => {
    const cut = scanPng.subarray(0, scanPng.length - 30)
    const err = await decodeError(cut, 'cut.png')
    expect(err.message).toMatch(/^cut\.png could not be (read|decoded) as a PNG image: .+\.$/)
  })

  it('wraps a decoder failure on a damaged transparent PNG with the file name', async () => {
    const rgba = await sharp(Buffer.alloc(28 * 28 * 4, 90), { raw: { width: 28, height: 28, channels: 4 } }).png().toBuffer()
    const err = await decodeError(rgba.subarray(0, rgba.length - 30), 'cut-alpha.png')
    expect(err.message).toMatch(/^cut-alpha\.png could not be decoded as a PNG image: .+\.$/)
  })

  it('rejects files over 50 MB before decoding', async () => {
    const big = new Uint8Array(50_000_001)
    big.set(scanPng)
    const err = await decodeError(big, 'huge.png')
    expect(err.kind).toBe('too-large')
    expect(err.message).toBe('huge.png is too large: 50.0 MB is over the 50 MB limit for images.')
  })

  it('rejects images over 50 megapixels from the header alone', async () => {
    // A PNG whose header claims 10000x6000 over a few bytes of pixel data: only the header is read.
    const chunk = (name: string, data: Buffer): Buffer => {
      const head = Buffer.alloc(8)
      head.writeUInt32BE(data.length)
      head.write(name, 4)
      const crc = Buffer.alloc(4)
      crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])))
      return Buffer.concat([head, data, crc])
    }
    const ihdr = Buffer.alloc(13)
    ihdr.writeUInt32BE(10_000, 0)
    ihdr.writeUInt32BE(6_000, 4)
    ihdr.set([8, 0, 0, 0, 0], 8)
    const png = Buffer.concat([
      scanPng.subarray(0, 8),
      chunk('IHDR', ihdr),
      chunk('IDAT', deflateSync(Buffer.alloc(10))),
      chunk('IEND', Buffer.alloc(0))
    ])
    const err = await decodeError(png, 'poster.png')
    expect(err.kind).toBe('too-large')
    expect(err.message).toBe('poster.png is too large: 10000x6000 is over 50 megapixels.')
    const bmp = bmpBytes(1, 1, () => [0, 0, 0])
    new DataView(bmp.buffer).setInt32(18, 10_000, true)
    new DataView(bmp.buffer).setInt32(22, 6_000, true)
    expect((await decodeError(bmp, 'poster.bmp')).message).toBe('poster.bmp is too large: 10000x6000 is over 50 megapixels.')
  })

  it('rejects compressed and truncated BMPs clearly', async () => {
    const rle = bmpBytes(4, 4, () => [0, 0, 0], { bpp: 8 })
    new DataView(rle.buffer).setUint32(30, 1, true)
    expect((await decodeError(rle, 'rle.bmp')).message).toBe(
      'rle.bmp is a compressed BMP (method 1), which ConvLab cannot read; save it as PNG or uncompressed BMP.'
    )
    const full = bmpBytes(4, 4, () => [0, 0, 0])
    expect((await decodeError(full.subarray(0, full.length - 4), 'cut.bmp')).message).toBe(
      'cut.bmp is a truncated BMP: it needs 102 bytes but has 98.'
    )
  })
})
