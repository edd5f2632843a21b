/**
 * Puts an export on disk as one step: written into a temporary folder (or file) beside the
 * target, then renamed into place, so a failure or a kill leaves either no export or a whole one.
 */
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { writeFileAtomic } from '../runs/atomic-write'
import { ExportError } from './torch-modules'
import type { ExportFiles } from './pytorch'

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false
  )
}

export async function writeExportFolder(out: string, files: ExportFiles, options: { force?: boolean } = {}): Promise<string[]> {
  const parent = dirname(out)
  if (!(await exists(parent))) throw new ExportError(`${parent} does not exist: create it first, or choose another --out.`)
  if (await exists(out)) {
    const entries = await readdir(out).catch(() => {
      throw new ExportError(`${out} exists and is not a folder.`)
    })
    if (entries.length && !options.force) throw new ExportError(`${out} already holds ${entries.length} files: choose an empty folder, or add --force to replace it.`)
  }
  const temp = join(parent, `.${basename(out)}.export-${process.pid}`)
  await rm(temp, { recursive: true, force: true })
  await mkdir(temp)
  try {
    for (const [name, content] of Object.entries(files)) await writeFile(join(temp, name), content)
    await rm(out, { recursive: true, force: true })
    await rename(temp, out)
  } catch (err) {
    await rm(temp, { recursive: true, force: true })
    throw err
  }
  return Object.keys(files).sort()
}

/** One file (the ONNX export): refused over a folder, and over a file unless `force`. */
export async function writeExportFile(out: string, content: Uint8Array, options: { force?: boolean } = {}): Promise<void> {
  const parent = dirname(out)
  if (!(await exists(parent))) throw new ExportError(`${parent} does not exist: create it first, or choose another --out.`)
  const existing = await stat(out).catch(() => undefined)
  if (existing?.isDirectory()) throw new ExportError(`${out} is a folder: the ONNX export is one file, give its name (e.g. model.onnx).`)
  if (existing && !options.force) throw new ExportError(`${out} already exists: choose another name, or add --force to replace it.`)
  await writeFileAtomic(out, content)
}
