/**
 * IDX files the user dropped or picked in the Data view, checked with the same reader training
 * uses and copied under their standard names into <dataDir>/fashion-mnist, the first folder
 * locateFashionMnist searches. A bad file is refused with its name and fault and writes nothing.
 */
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { gunzip } from 'node:zlib'
import { DataError } from '../data/errors'
import { IDX_MAX_BYTES, parseIdx, readIdxFile } from '../data/idx'
import { writeFileAtomic } from '../runs/atomic-write'
import { MAX_IDX_FILE_BYTES, type IdxImportResult, type IdxRole } from '../shared/contract'
import type { LabHandlers } from './dispatch'

export type ImportHandlers = Pick<LabHandlers, 'data/import-idx'>

const gunzipAsync = promisify(gunzip)

/** The names locateFashionMnist looks for, without the optional .gz. */
export const STANDARD_NAMES: Record<IdxRole, string> = {
  'train-images': 'train-images-idx3-ubyte',
  'train-labels': 'train-labels-idx1-ubyte',
  'test-images': 't10k-images-idx3-ubyte',
  'test-labels': 't10k-labels-idx1-ubyte'
}

const SPLIT_SIZES: Record<number, 'train' | 'test'> = { 60_000: 'train', 10_000: 'test' }
const CLASS_COUNT = 10

interface Checked {
  role: IdxRole
  count: number
  gzipped: boolean
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

async function unpack(bytes: Buffer, name: string): Promise<{ raw: Uint8Array; gzipped: boolean }> {
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return { raw: bytes, gzipped: false }
  try {
    return { raw: await gunzipAsync(bytes, { maxOutputLength: IDX_MAX_BYTES }), gzipped: true }
  } catch (err) {
    // zlib stops at maxOutputLength with Node's "Cannot create a Buffer larger than ..." message.
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new DataError(
        `${name} is too large: it decompresses to more than ${IDX_MAX_BYTES / 1024 / 1024} MiB, far beyond Fashion-MNIST's 47 MB (a gzip bomb, or not a dataset file).`,
        { kind: 'too-large' }
      )
    }
    throw new DataError(`${name} is not a valid gzip file: ${messageOf(err)}.`)
  }
}

const partnerOf = (role: IdxRole): IdxRole => (role.endsWith('images') ? role.replace('images', 'labels') : role.replace('labels', 'images')) as IdxRole

/** How many images or labels the file already imported for `role` holds, if there is one that reads. */
async function importedCount(target: string, role: IdxRole): Promise<number | undefined> {
  const standard = join(target, STANDARD_NAMES[role])
  for (const path of [standard, `${standard}.gz`]) {
    const array = await readIdxFile(path).catch(() => undefined)
    if (array) return array.dims[0]
  }
  return undefined
}

/** The header decides images from labels; the count, or failing that the name, decides the split. */
function roleOf(name: string, type: string, dims: number[]): { role: IdxRole; count: number } {
  const shape = `${dims.join('x')} ${type}`
  let kind: 'images' | 'labels'
  if (type === 'u8' && dims.length === 3 && dims[1] === 28 && dims[2] === 28) kind = 'images'
  else if (type === 'u8' && dims.length === 1) kind = 'labels'
  else throw new DataError(`${name} holds a ${shape} array; Fashion-MNIST needs N x 28 x 28 u8 images or N u8 labels.`)
  const count = dims[0]
  if (count === 0) throw new DataError(`${name} holds no ${kind}.`)
  const lower = name.toLowerCase()
  const split = SPLIT_SIZES[count] ?? (/t10k|test/.test(lower) ? 'test' : /train/.test(lower) ? 'train' : undefined)
  if (!split) {
    throw new DataError(
      `${name} holds ${count.toLocaleString('en-US')} ${kind}, which is neither the 60,000 of the train split nor the 10,000 of the test split; name it like ${STANDARD_NAMES[`train-${kind}`]} or ${STANDARD_NAMES[`test-${kind}`]}.`
    )
  }
  return { role: `${split}-${kind}`, count }
}

async function check(name: string, bytes: Buffer): Promise<Checked> {
  if (bytes.length > MAX_IDX_FILE_BYTES) {
    throw new DataError(`${name} is too large: ${(bytes.length / 1e6).toFixed(1)} MB is over the ${MAX_IDX_FILE_BYTES / 1e6} MB limit for IDX files.`)
  }
  const { raw, gzipped } = await unpack(bytes, name)
  const array = parseIdx(raw, name)
  const { role, count } = roleOf(name, array.type, array.dims)
  if (role.endsWith('labels')) {
    const bad = array.data.findIndex((v) => v >= CLASS_COUNT)
    if (bad >= 0) throw new DataError(`${name} has label ${array.data[bad]} at position ${bad}; Fashion-MNIST labels are 0 to 9.`)
  }
  return { role, count, gzipped }
}

export function createImportHandlers(dataDir: string): ImportHandlers {
  const target = join(dataDir, 'fashion-mnist')
  return {
    async 'data/import-idx'({ files }) {
      const checked: (Checked | Error)[] = []
      for (const { name, base64 } of files) {
        checked.push(await check(name, Buffer.from(base64, 'base64')).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err)))))
      }
      // A split's images and labels pair one to one: a pair that disagrees (100 images, 99 labels)
      // would complete a folder that locateFashionMnist then prefers to a working copy elsewhere.
      const firstOf = (role: IdxRole): number => checked.findIndex((o) => !(o instanceof Error) && o.role === role)
      const mismatch: ({ message: string; params: Record<string, string | number> } | undefined)[] = []
      for (const [i, c] of checked.entries()) {
        if (c instanceof Error || firstOf(c.role) !== i) continue
        const partnerRole = partnerOf(c.role)
        const j = firstOf(partnerRole)
        const partner = j >= 0 ? (checked[j] as Checked).count : await importedCount(target, partnerRole)
        if (partner === undefined || partner === c.count) continue
        const [split, kind] = c.role.split('-')
        const other = j >= 0 ? files[j].name : `${STANDARD_NAMES[partnerRole]}, imported before,`
        mismatch[i] = {
          message: `${files[i].name} holds ${c.count.toLocaleString('en-US')} ${kind} but ${other} holds ${partner.toLocaleString('en-US')} ${kind === 'images' ? 'labels' : 'images'}; the ${split} images and labels must match one to one, so ${files[i].name} was not imported.`,
          params: { name: files[i].name, count: c.count, other: j >= 0 ? files[j].name : STANDARD_NAMES[partnerRole], otherCount: partner }
        }
      }
      const results: IdxImportResult[] = []
      for (const [i, { name, base64 }] of files.entries()) {
        const c = checked[i]
        if (c instanceof Error) {
          results.push({ name, ok: false, error: c.message, fault: { code: 'notDataset', params: { name } } })
          continue
        }
        const twin = checked.findIndex((o, j) => j < i && !(o instanceof Error) && o.role === c.role)
        if (twin >= 0) {
          results.push({
            name,
            ok: false,
            error: `${name} and ${files[twin].name} are both the ${c.role.replace('-', ' ')}; only the first was kept.`,
            fault: { code: 'duplicate', params: { name, other: files[twin].name } }
          })
          continue
        }
        const wrongCount = mismatch[i]
        if (wrongCount) {
          results.push({ name, ok: false, error: wrongCount.message, fault: { code: 'countMismatch', params: wrongCount.params } })
          continue
        }
        const standard = join(target, STANDARD_NAMES[c.role])
        const path = c.gzipped ? `${standard}.gz` : standard
        try {
          await writeFileAtomic(path, Buffer.from(base64, 'base64'))
          // locateFashionMnist prefers the raw file, so an older copy in the other form would win.
          await rm(c.gzipped ? standard : `${standard}.gz`, { force: true })
          results.push({ name, ok: true, role: c.role, count: c.count })
        } catch (err) {
          results.push({ name, ok: false, error: `${name} could not be saved in ${target}: ${messageOf(err)}`, fault: { code: 'saveFailed', params: { name, dir: target } } })
        }
      }
      return results
    }
  }
}
