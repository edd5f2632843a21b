/**
 * A small decoder for uncompressed Windows BMP (1/4/8-bit palettes, 24-bit, 32-bit), because
 * sharp/libvips cannot read BMP and users drop BMPs from older drawing tools and MNIST dumps.
 * Alpha is ignored: most 32-bit BMPs leave the fourth byte unused (often 0).
 */
import { DataError } from './errors'

export interface RawRgb {
  width: number
  height: number
  /** width*height*3 bytes, RGB, top row first. */
  data: Uint8Array
}

const BI_RGB = 0
const BI_BITFIELDS = 3
const BI_ALPHABITFIELDS = 6

function maskShift(mask: number): { shift: number; max: number } {
  if (mask === 0) return { shift: 0, max: 0 }
  let shift = 0
  while (((mask >>> shift) & 1) === 0) shift++
  return { shift, max: mask >>> shift }
}

export function decodeBmp(bytes: Uint8Array, name: string, maxPixels: number): RawRgb {
  const fail = (fault: string): DataError =>
    new DataError(`${name} ${fault}`, { kind: 'unsupported', image: { code: 'undecodable', params: { name, format: 'BMP' } } })
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (bytes.length < 26) throw fail('is a truncated BMP: its header is incomplete.')
  const dataOffset = view.getUint32(10, true)
  const dibSize = view.getUint32(14, true)
  if (dibSize < 40) {
    throw fail(`is an old OS/2 BMP (${dibSize}-byte header); save it as PNG or as a Windows BMP.`)
  }
  if (bytes.length < 14 + dibSize) throw fail('is a truncated BMP: its header is incomplete.')
  const width = view.getInt32(18, true)
  const rawHeight = view.getInt32(22, true)
  const bpp = view.getUint16(28, true)
  const compression = view.getUint32(30, true)
  const topDown = rawHeight < 0
  const height = Math.abs(rawHeight)
  if (width <= 0 || height === 0) throw fail(`is a BMP with impossible dimensions ${width}x${rawHeight}.`)
  if (width * height > maxPixels) {
    throw new DataError(
      `${name} is too large: ${width}x${height} is over ${maxPixels / 1e6} megapixels.`,
      { kind: 'too-large', image: { code: 'tooManyPixels', params: { name, size: `${width}x${height}`, limit: maxPixels / 1e6 } } }
    )
  }
  const bitfields = compression === BI_BITFIELDS || compression === BI_ALPHABITFIELDS
  if (!(compression === BI_RGB || (bitfields && bpp === 32))) {
    throw fail(`is a compressed BMP (method ${compression}), which ConvLab cannot read; save it as PNG or uncompressed BMP.`)
  }
  if (![1, 4, 8, 24, 32].includes(bpp)) {
    throw fail(`is a ${bpp}-bit BMP, which ConvLab cannot read; save it as PNG or as a 24-bit BMP.`)
  }

  let palette: Uint8Array | undefined
  if (bpp <= 8) {
    const used = view.getUint32(46, true)
    const entries = used === 0 ? 1 << bpp : Math.min(used, 1 << bpp)
    const start = 14 + dibSize
    if (start + entries * 4 > bytes.length) throw fail('is a truncated BMP: its palette is incomplete.')
    palette = bytes.subarray(start, start + entries * 4)
  }
  let masks: { r: number; g: number; b: number } = { r: 0xff0000, g: 0xff00, b: 0xff }
  if (bitfields) {
    // Masks follow a 40-byte header, or sit inside the larger V4/V5 headers at the same offset.
    if (bytes.length < 66) throw fail('is a truncated BMP: its colour masks are missing.')
    masks = { r: view.getUint32(54, true), g: view.getUint32(58, true), b: view.getUint32(62, true) }
  }
  const channels = [masks.r, masks.g, masks.b].map(maskShift)

  const stride = Math.floor((bpp * width + 31) / 32) * 4
  if (dataOffset + stride * height > bytes.length) {
    throw fail(`is a truncated BMP: it needs ${dataOffset + stride * height} bytes but has ${bytes.length}.`)
  }
  const out = new Uint8Array(width * height * 3)
  for (let y = 0; y < height; y++) {
    const row = dataOffset + (topDown ? y : height - 1 - y) * stride
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3
      if (palette) {
        const bit = x * bpp
        const byte = bytes[row + (bit >> 3)]
        const index = (byte >> (8 - bpp - (bit & 7))) & ((1 << bpp) - 1)
        const p = index * 4
        if (p >= palette.length) throw fail(`is a corrupt BMP: pixel ${x},${y} uses colour ${index} beyond its palette.`)
        out[o] = palette[p + 2]
        out[o + 1] = palette[p + 1]
        out[o + 2] = palette[p]
      } else if (bpp === 24) {
        const p = row + x * 3
        out[o] = bytes[p + 2]
        out[o + 1] = bytes[p + 1]
        out[o + 2] = bytes[p]
      } else {
        const word = view.getUint32(row + x * 4, true)
        for (let c = 0; c < 3; c++) {
          const { shift, max } = channels[c]
          out[o + c] = max === 0 ? 0 : Math.round((((word >>> shift) & max) * 255) / max)
        }
      }
    }
  }
  return { width, height, data: out }
}
