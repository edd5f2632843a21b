import sharp from 'sharp'
import { beforeAll, describe, expect, it } from 'vitest'
import { MAX_IMAGE_BYTES } from '../../src-main/data/images'
import { dispatch, type LabHandlers } from '../../src-main/services/dispatch'
import { createImageHandlers } from '../../src-main/services/image-handlers'
import { MAX_IMAGE_FILE_BYTES, type DecodedImage } from '../../src-main/shared/contract'

// Through dispatch, so the contract's schemas check both the request and the answer.
const handlers = createImageHandlers() as unknown as LabHandlers
const b64 = (bytes: Uint8Array | string): string => Buffer.from(bytes).toString('base64')

async function decode(files: { name: string; base64: string }[], size = 28): Promise<DecodedImage[]> {
  const response = await dispatch(handlers, 'images/decode', { files, width: size, height: size })
  if (!response.ok) throw new Error(response.error.message)
  return response.result as DecodedImage[]
}

describe('images/decode', () => {
  let png: Buffer
  beforeAll(async () => {
    // A dark 16x24 block on a white 40x40 canvas: a drawing on paper.
    const raw = Buffer.alloc(40 * 40, 255)
    for (let y = 8; y < 32; y++) for (let x = 12; x < 28; x++) raw[y * 40 + x] = 30
    png = await sharp(raw, { raw: { width: 40, height: 40, channels: 1 } }).png().toBuffer()
  })

  it('decodes a PNG to grey at the requested size and names the preprocessing', async () => {
    const [result] = await decode([{ name: 'shirt.png', base64: b64(png) }])
    expect(result.ok).toBe(true)
    if (!result.ok) return
    expect(result.name).toBe('shirt.png')
    expect(result.image.width).toBe(28)
    expect(result.image.pixels).toHaveLength(28 * 28)
    expect(result.original).toEqual({ width: 40, height: 40, format: 'png' })
    expect(result.preprocessing).toContain('invert (light background)')
    // Inverted: the dark block is now the bright object, the paper black.
    expect(result.image.pixels[14 * 28 + 14]).toBeGreaterThan(0.8)
    expect(result.image.pixels[0]).toBeLessThan(0.1)
  })

  it('names a text file and says it is not an image', async () => {
    const [result] = await decode([{ name: 'notes.png', base64: b64('these are my notes, not a picture') }])
    expect(result).toMatchObject({ name: 'notes.png', ok: false })
    expect(!result.ok && result.error).toMatch(/^notes\.png is not a supported image/)
  })

  it('says an empty file is empty', async () => {
    const [result] = await decode([{ name: 'blank.jpg', base64: '' }])
    expect(result).toEqual({ name: 'blank.jpg', ok: false, error: 'blank.jpg is empty.', fault: { code: 'empty', params: { name: 'blank.jpg' } } })
  })

  it('keeps every good file of a mixed batch, in order', async () => {
    const results = await decode([
      { name: 'a.png', base64: b64(png) },
      { name: 'b.txt', base64: b64('hello') },
      { name: 'c.png', base64: b64(png) },
      { name: 'd.gif', base64: '' }
    ])
    expect(results.map((r) => [r.name, r.ok])).toEqual([
      ['a.png', true],
      ['b.txt', false],
      ['c.png', true],
      ['d.gif', false]
    ])
  })

  it('decodes at any model input size', async () => {
    const [result] = await decode([{ name: 'shirt.png', base64: b64(png) }], 32)
    expect(result.ok && result.image.pixels.length).toBe(32 * 32)
  })

  it('refuses an empty batch and one over 64 files at the boundary', async () => {
    const none = await dispatch(handlers, 'images/decode', { files: [], width: 28, height: 28 })
    expect(none.ok).toBe(false)
    const many = Array.from({ length: 65 }, (_, i) => ({ name: `${i}.png`, base64: '' }))
    expect((await dispatch(handlers, 'images/decode', { files: many, width: 28, height: 28 })).ok).toBe(false)
  })

  it('caps files at the size the decoder accepts', () => {
    expect(MAX_IMAGE_FILE_BYTES).toBe(MAX_IMAGE_BYTES)
  })
})
