/**
 * The user's saved layer stacks: one JSON file per stack in <dataDir>/stacks/, named after the
 * model so a user can find, copy or back them up by hand.
 */
import { readFile, readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { writeJsonAtomic } from '../runs/atomic-write'
import { SavedStack, type NoticeText } from '../shared/contract'
import type { LabHandlers } from './dispatch'

export type StackHandlers = Pick<LabHandlers, 'stacks/list' | 'stacks/save' | 'stacks/delete'>

/**
 * A file name for a model name: letters, digits, ".", "_" and "-" only, starting with a letter
 * or digit, so no name can climb out of the folder or hide as a dot file. Names that differ
 * only in the characters replaced share a file, and the later save wins.
 */
export function stackFileName(name: string): string {
  const slug = name
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 100)
  return `${slug || 'stack'}.json`
}

/** `report` hears about each file that is not a saved stack, with the reason. */
export function createStackHandlers(dir: string, report: (notice: NoticeText) => void): StackHandlers {
  return {
    async 'stacks/list'() {
      const names = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return []
        throw err
      })
      const stacks: SavedStack[] = []
      for (const file of names.filter((n) => n.endsWith('.json') && !n.startsWith('.'))) {
        const path = join(dir, file)
        try {
          const parsed = SavedStack.safeParse(JSON.parse(await readFile(path, 'utf8')))
          if (!parsed.success) {
            const issue = parsed.error.issues[0]
            throw new Error(`${issue.path.join('.') || 'the file'}: ${issue.message}`)
          }
          stacks.push(parsed.data)
        } catch (err) {
          report({ message: `The saved stack ${path} was skipped: ${err instanceof Error ? err.message : String(err)}`, code: 'stackSkipped', params: { path } })
        }
      }
      return stacks.sort((a, b) => b.savedAt.localeCompare(a.savedAt))
    },
    async 'stacks/save'({ spec }) {
      const entry: SavedStack = { name: spec.name, spec, savedAt: new Date().toISOString() }
      await writeJsonAtomic(join(dir, stackFileName(spec.name)), entry)
      return entry
    },
    async 'stacks/delete'({ name }) {
      const path = join(dir, stackFileName(name))
      try {
        await rm(path)
        return { deleted: true }
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { deleted: false }
        throw err
      }
    }
  }
}
