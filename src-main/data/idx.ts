/**
 * The IDX format of (Fashion-)MNIST: big-endian, magic 00 00, a type byte, the number of
 * dimensions, each dimension as a u32, then row-major data. Files may be gzip-compressed.
 */
import { readFile, stat } from 'node:fs/promises'
import { promisify } from 'node:util'
import { gunzip } from 'node:zlib'
import { DataError, describeSignature } from './errors'

export { DataError } from './errors'

const gunzipAsync = promisify(gunzip)

/** Fashion-MNIST's largest file is 47 MB decompressed; anything far beyond is a mistake or a gzip bomb. */
export const IDX_MAX_BYTES = 256 * 1024 * 1024

export type IdxArray =
  | { type: 'u8'; dims: number[]; data: Uint8Array }
  | { type: 'i8'; dims: number[]; data: Int8Array }
  | { type: 'i16'; dims: number[]; data: Int16Array }
  | { type: 'i32'; dims: number[]; data: Int32Array }
  | { type: 'f32'; dims: number[]; data: Float32Array }
  | { type: 'f64'; dims: number[]; data: Float64Array }

export type IdxType = IdxArray['type']

const TYPES: Record<number, { type: IdxType; size: number }> = {
  0x08: { type: 'u8', size: 1 },
  0x09: { type: 'i8', size: 1 },
  0x0b: { type: 'i16', size: 2 },
  0x0c: { type: 'i32', size: 4 },
  0x0d: { type: 'f32', size: 4 },
  0x0e: { type: 'f64', size: 8 }
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`
}

/** Decodes an uncompressed IDX file; `fileName` only names the file in error messages. */
export function parseIdx(bytes: Uint8Array, fileName: string): IdxArray {
  if (bytes.length < 4) {
    throw new DataError(
      `${fileName} is truncated: an IDX header needs at least 4 bytes but the file has ${plural(bytes.length, 'byte')}.`
    )
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new DataError(`${fileName} is not an IDX file (${describeSignature(bytes)}).`)
  }
  const typeByte = bytes[2]
  const spec = TYPES[typeByte]
  if (!spec) {
    const hexByte = `0x${typeByte.toString(16).toUpperCase().padStart(2, '0')}`
    throw new DataError(
      `${fileName} has an unknown IDX type byte ${hexByte} (expected 0x08, 0x09, 0x0B, 0x0C, 0x0D or 0x0E).`
    )
  }
  const ndims = bytes[3]
  if (ndims === 0) throw new DataError(`${fileName} declares 0 dimensions, so it holds no array.`)
  const headerBytes = 4 + 4 * ndims
  if (bytes.length < headerBytes) {
    throw new DataError(
      `${fileName} is truncated: its header declares ${plural(ndims, 'dimension')} (${headerBytes} bytes) but the file has ${plural(bytes.length, 'byte')}.`
    )
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const dims: number[] = []
  for (let i = 0; i < ndims; i++) dims.push(view.getUint32(4 + 4 * i, false))
  const count = dims.reduce((a, b) => a * b, 1)
  const expected = count * spec.size
  const actual = bytes.length - headerBytes
  if (actual !== expected) {
    const fault = actual < expected ? 'shorter' : 'longer'
    throw new DataError(
      `${fileName} has ${plural(actual, 'data byte')}, ${fault} than the ${expected} its header (${dims.join('x')} ${spec.type}) declares.`
    )
  }

  // IDX is big-endian: each wider value is read through the DataView, whatever this machine's order.
  const bigEndian = <A extends Int16Array | Int32Array | Float32Array | Float64Array>(data: A, read: (offset: number) => number): A => {
    for (let i = 0; i < count; i++) data[i] = read(headerBytes + i * spec.size)
    return data
  }
  switch (spec.type) {
    // Copies, so the result neither aliases the caller's bytes nor is a Buffer (whose slice() is a view).
    case 'u8':
      return { type: 'u8', dims, data: new Uint8Array(bytes.subarray(headerBytes)) }
    case 'i8':
      return { type: 'i8', dims, data: new Int8Array(bytes.buffer, bytes.byteOffset + headerBytes, count).slice() }
    case 'i16':
      return { type: 'i16', dims, data: bigEndian(new Int16Array(count), (o) => view.getInt16(o, false)) }
    case 'i32':
      return { type: 'i32', dims, data: bigEndian(new Int32Array(count), (o) => view.getInt32(o, false)) }
    case 'f32':
      return { type: 'f32', dims, data: bigEndian(new Float32Array(count), (o) => view.getFloat32(o, false)) }
    case 'f64':
      return { type: 'f64', dims, data: bigEndian(new Float64Array(count), (o) => view.getFloat64(o, false)) }
  }
}

function tooLarge(path: string, what: string, maxBytes: number): DataError {
  const MiB = 1024 * 1024
  const limit = maxBytes % MiB === 0 ? `${maxBytes / MiB} MiB` : `${maxBytes}-byte`
  return new DataError(`${path} is too large: ${what} exceeds the ${limit} limit for IDX data.`, {
    kind: 'too-large'
  })
}

/** Reads an IDX file, gunzipping it when it starts with the gzip magic (names lie; bytes do not). */
export async function readIdxFile(path: string, opts: { maxBytes?: number } = {}): Promise<IdxArray> {
  const maxBytes = opts.maxBytes ?? IDX_MAX_BYTES
  const info = await stat(path)
  if (info.size > maxBytes) throw tooLarge(path, `the file (${info.size} bytes)`, maxBytes)
  const raw = await readFile(path)
  if (raw.length < 2 || raw[0] !== 0x1f || raw[1] !== 0x8b) return parseIdx(raw, path)
  let bytes: Buffer
  try {
    bytes = await gunzipAsync(raw, { maxOutputLength: maxBytes })
  } catch (err) {
    if (err instanceof Error && 'code' in err && err.code === 'ERR_BUFFER_TOO_LARGE') {
      throw tooLarge(path, 'its decompressed content', maxBytes)
    }
    const reason = err instanceof Error ? err.message : String(err)
    throw new DataError(`${path} is not a valid gzip file: ${reason}.`, { cause: err })
  }
  return parseIdx(bytes, path)
}
