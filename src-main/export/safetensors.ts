/**
 * The safetensors format (Hugging Face's): 8 bytes of little-endian header length, a JSON header
 * naming each tensor's dtype, shape and byte range, then the raw little-endian data. Written by
 * hand so ConvLab needs no Python, and read back by model.py without the safetensors package.
 */

export interface SafeTensor {
  name: string
  dtype: 'F32' | 'I64'
  shape: number[]
  data: Float32Array | BigInt64Array
}

const ALIGN = 8

export function encodeSafetensors(tensors: readonly SafeTensor[], metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = {}
  if (Object.keys(metadata).length) header.__metadata__ = metadata
  let offset = 0
  for (const t of tensors) {
    const count = t.shape.reduce((a, b) => a * b, 1)
    if (count !== t.data.length) throw new Error(`${t.name}: shape [${t.shape.join(', ')}] holds ${count} values, not ${t.data.length}`)
    if (t.name in header) throw new Error(`${t.name} appears twice`)
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] }
    offset += t.data.byteLength
  }
  let json = JSON.stringify(header)
  // The format lets the header be padded with spaces; aligned data can be viewed in place.
  json += ' '.repeat((ALIGN - ((ALIGN + new TextEncoder().encode(json).length) % ALIGN)) % ALIGN)
  const headerBytes = new TextEncoder().encode(json)
  const out = new Uint8Array(ALIGN + headerBytes.length + offset)
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true)
  out.set(headerBytes, ALIGN)
  let at = ALIGN + headerBytes.length
  for (const t of tensors) {
    // Typed arrays are in the machine's order; every platform Electron runs on is little-endian.
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at)
    at += t.data.byteLength
  }
  return out
}

export interface DecodedTensor {
  dtype: string
  shape: number[]
  bytes: Uint8Array
}

/** Reads a file encodeSafetensors wrote (the tests' check of the format). */
export function decodeSafetensors(file: Uint8Array): { metadata: Record<string, string>; tensors: Record<string, DecodedTensor> } {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength)
  const length = Number(view.getBigUint64(0, true))
  const header = JSON.parse(new TextDecoder().decode(file.subarray(ALIGN, ALIGN + length))) as Record<string, unknown>
  const base = ALIGN + length
  const tensors: Record<string, DecodedTensor> = {}
  let metadata: Record<string, string> = {}
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = entry as Record<string, string>
      continue
    }
    const { dtype, shape, data_offsets } = entry as { dtype: string; shape: number[]; data_offsets: [number, number] }
    tensors[name] = { dtype, shape, bytes: file.subarray(base + data_offsets[0], base + data_offsets[1]) }
  }
  return { metadata, tensors }
}
