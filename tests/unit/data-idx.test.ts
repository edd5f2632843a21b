import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DataError, parseIdx, readIdxFile } from '../../src-main/data/idx'
import { gzip, idxBytes, tempDir, type TempDir } from '../fixtures/data/builders'

const PNG_HEAD = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]

function parseError(bytes: Uint8Array): DataError {
  try {
    parseIdx(bytes, 'x.idx')
  } catch (err) {
    expect(err).toBeInstanceOf(DataError)
    return err as DataError
  }
  throw new Error('parseIdx accepted the bytes')
}

describe('parseIdx', () => {
  it('decodes u8 with its dimensions, row-major', () => {
    const r = parseIdx(idxBytes('u8', [2, 3], [0, 1, 2, 253, 254, 255]), 'a')
    expect(r.type).toBe('u8')
    expect(r.dims).toEqual([2, 3])
    expect(r.data).toBeInstanceOf(Uint8Array)
    expect(Array.from(r.data)).toEqual([0, 1, 2, 253, 254, 255])
  })

  it.each([
    ['i8', Int8Array, [-128, -1, 0, 127]],
    ['i16', Int16Array, [-32768, -2, 258, 32767]],
    ['i32', Int32Array, [-2147483648, -3, 16909060, 2147483647]],
    ['f32', Float32Array, [-1.5, 0, 3.25, 1e-3]],
    ['f64', Float64Array, [-1e300, Math.PI, 0, 2 ** -1074]]
  ] as const)('decodes big-endian %s', (type, ctor, values) => {
    const r = parseIdx(idxBytes(type, [values.length], values), 'a')
    expect(r.type).toBe(type)
    expect(r.data).toBeInstanceOf(ctor)
    expect(Array.from(r.data)).toEqual(Array.from(ctor.from(values)))
  })

  it('copies the data, so changing the input bytes does not change the result', () => {
    const bytes = idxBytes('i8', [2], [5, -5])
    const r = parseIdx(bytes, 'a')
    bytes.fill(0)
    expect(Array.from(r.data)).toEqual([5, -5])
  })

  it('reads from a view that does not start at offset 0 of its buffer', () => {
    const inner = idxBytes('i16', [2], [-7, 300])
    const padded = new Uint8Array(inner.length + 3)
    padded.set(inner, 3)
    expect(Array.from(parseIdx(padded.subarray(3), 'a').data)).toEqual([-7, 300])
  })

  it('rejects a file shorter than the 4-byte magic as truncated', () => {
    expect(parseError(new Uint8Array([0, 0, 8])).message).toBe(
      'x.idx is truncated: an IDX header needs at least 4 bytes but the file has 3 bytes.'
    )
  })

  it('rejects a header cut off inside the dimensions as truncated', () => {
    const cut = idxBytes('u8', [2, 2], [1, 2, 3, 4]).subarray(0, 9)
    expect(parseError(cut).message).toMatch(/^x\.idx is truncated: its header declares 2 dimensions \(12 bytes\)/)
  })

  it.each([
    ['a PNG image', PNG_HEAD, 'x.idx is not an IDX file (starts with 89 50 4E 47, a PNG image?).'],
    ['a JPEG image', [0xff, 0xd8, 0xff, 0xe0, 0, 0x10], 'x.idx is not an IDX file (starts with FF D8 FF E0, a JPEG image?).'],
    ['a ZIP archive', [0x50, 0x4b, 3, 4, 20, 0], 'x.idx is not an IDX file (starts with 50 4B 03 04, a ZIP archive; extract it first?).'],
    ['gzip data', [0x1f, 0x8b, 8, 0, 0, 0], 'x.idx is not an IDX file (starts with 1F 8B 08 00, gzip-compressed data?).'],
    ['a text file', [...Buffer.from('hello, world\n')], 'x.idx is not an IDX file (starts with 68 65 6C 6C, a text file?).'],
    ['an HTML page', [...Buffer.from('<!DOCTYPE html><html>')], 'x.idx is not an IDX file (starts with 3C 21 44 4F, an HTML page, perhaps a failed download?).'],
    ['unknown bytes', [0x07, 0x00, 0x01, 0x02, 0x03], 'x.idx is not an IDX file (starts with 07 00 01 02).']
  ])('names %s when the magic is wrong', (_, bytes, message) => {
    expect(parseError(new Uint8Array(bytes)).message).toBe(message)
  })

  it('rejects an unknown type byte, naming it', () => {
    const bytes = idxBytes('u8', [1], [0])
    bytes[2] = 0x0a
    expect(parseError(bytes).message).toBe(
      'x.idx has an unknown IDX type byte 0x0A (expected 0x08, 0x09, 0x0B, 0x0C, 0x0D or 0x0E).'
    )
  })

  it('rejects data shorter than the header declares', () => {
    const bytes = idxBytes('i16', [3], [1, 2, 3]).subarray(0, 8 + 5)
    expect(parseError(bytes).message).toBe('x.idx has 5 data bytes, shorter than the 6 its header (3 i16) declares.')
  })

  it('rejects data longer than the header declares', () => {
    const good = idxBytes('u8', [2, 2], [1, 2, 3, 4])
    const long = new Uint8Array(good.length + 1)
    long.set(good)
    expect(parseError(long).message).toBe('x.idx has 5 data bytes, longer than the 4 its header (2x2 u8) declares.')
  })

  it('rejects zero dimensions', () => {
    expect(parseError(new Uint8Array([0, 0, 8, 0])).message).toBe('x.idx declares 0 dimensions, so it holds no array.')
  })
})

describe('readIdxFile', () => {
  let tmp: TempDir
  const pair = idxBytes('u8', [2, 2, 2], [0, 1, 2, 3, 252, 253, 254, 255])
  beforeAll(async () => {
    tmp = await tempDir()
  })
  afterAll(() => tmp.remove())

  it('reads raw and gzip files to the same array', async () => {
    const raw = await readIdxFile(await tmp.write('a-idx3-ubyte', pair))
    const gz = await readIdxFile(await tmp.write('a-idx3-ubyte.gz', gzip(pair)))
    expect(gz).toEqual(raw)
    expect(raw.dims).toEqual([2, 2, 2])
    expect(Array.from(raw.data)).toEqual([0, 1, 2, 3, 252, 253, 254, 255])
  })

  it('detects gzip by its magic bytes, not the file name', async () => {
    const gzNoExt = await readIdxFile(await tmp.write('compressed-but-unnamed', gzip(pair)))
    const rawNamedGz = await readIdxFile(await tmp.write('raw-but-named.gz', pair))
    expect(Array.from(gzNoExt.data)).toEqual(Array.from(pair.subarray(16)))
    expect(Array.from(rawNamedGz.data)).toEqual(Array.from(pair.subarray(16)))
  })

  it('says a PNG renamed .gz is a PNG, naming the file', async () => {
    const file = await tmp.write('images.gz', new Uint8Array([...PNG_HEAD, 1, 2, 3, 4]))
    await expect(readIdxFile(file)).rejects.toThrow(`${file} is not an IDX file (starts with 89 50 4E 47, a PNG image?).`)
  })

  it('reports corrupt gzip data with zlib’s reason', async () => {
    const bad = gzip(pair)
    bad[12] ^= 0xff
    const file = await tmp.write('corrupt.gz', bad)
    const err = await readIdxFile(file).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(DataError)
    expect((err as DataError).message).toMatch(new RegExp(`^${file} is not a valid gzip file: .+\\.$`))
  })

  it('reports a truncated gzip file', async () => {
    const file = await tmp.write('cut.gz', gzip(pair).subarray(0, 15))
    await expect(readIdxFile(file)).rejects.toThrow(`${file} is not a valid gzip file: unexpected end of file.`)
  })

  it('stops decompressing at the size cap (gzip bomb)', async () => {
    const bomb = gzip(idxBytes('u8', [100_000], new Uint8Array(100_000)))
    expect(bomb.length).toBeLessThan(1000)
    const file = await tmp.write('bomb.gz', bomb)
    const err = await readIdxFile(file, { maxBytes: 65_536 }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(DataError)
    expect((err as DataError).kind).toBe('too-large')
    expect((err as DataError).message).toBe(
      `${file} is too large: its decompressed content exceeds the 65536-byte limit for IDX data.`
    )
    await expect(readIdxFile(file, { maxBytes: 200_000 })).resolves.toMatchObject({ dims: [100_000] })
  })

  it('caps decompression at 256 MiB by default', async () => {
    const bomb = gzip(new Uint8Array(256 * 1024 * 1024 + 1))
    const file = await tmp.write('default-bomb.gz', bomb)
    await expect(readIdxFile(file)).rejects.toThrow(`${file} is too large: its decompressed content exceeds the 256 MiB limit for IDX data.`)
  })

  it('refuses a raw file over the cap without reading it', async () => {
    const file = await tmp.write('big-raw', idxBytes('u8', [2048], new Uint8Array(2048)))
    await expect(readIdxFile(file, { maxBytes: 1024 })).rejects.toThrow(
      `${file} is too large: the file (2056 bytes) exceeds the 1024-byte limit for IDX data.`
    )
  })

  it('passes through the parse errors of the decompressed content', async () => {
    const file = await tmp.write('short.gz', gzip(pair.subarray(0, pair.length - 1)))
    await expect(readIdxFile(file)).rejects.toThrow(`${file} has 7 data bytes, shorter than the 8`)
  })
})
