/**
 * Images the operating system hands to the desktop app: paths on the command line (the Linux
 * desktop entry's `%F`, Windows' "Open with"), a second launch's command line, and macOS's
 * `open-file` events. They are queued until the window asks for them ('app/opened-files'), since
 * the first ones arrive before there is a window to show them in.
 */
import { readFile, stat } from 'node:fs/promises'
import { basename, extname, isAbsolute, resolve } from 'node:path'
import { MAX_IMAGE_FILE_BYTES, type ImageFile, type NoticeText } from '../shared/contract'
import type { OpenedFileSource } from '../services/lab-service'

export const OPENABLE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.webp', '.gif', '.bmp', '.tif', '.tiff'])
const MAX_QUEUED = 64

/**
 * The image paths in a command line: arguments after the app's own (`skip` of them: the
 * executable, and the app folder when run as `electron .`), not options, with an image
 * extension, made absolute against the directory the command ran in.
 */
export function imagePathsFromArgv(argv: readonly string[], skip: number, cwd: string): string[] {
  return argv
    .slice(skip)
    .filter((arg) => !arg.startsWith('-') && OPENABLE_EXTENSIONS.has(extname(arg).toLowerCase()))
    .map((arg) => (isAbsolute(arg) ? arg : resolve(cwd, arg)))
}

export class OpenedFileQueue implements OpenedFileSource {
  private paths: string[] = []
  private readonly arriveListeners: ((count: number) => void)[] = []
  private readonly problemListeners: ((notice: NoticeText) => void)[] = []

  add(paths: readonly string[]): void {
    const room = MAX_QUEUED - this.paths.length
    if (paths.length > room) {
      const left = paths.length - Math.max(room, 0)
      this.problem({ message: `Only ${MAX_QUEUED} images can be opened at once; ${left} were left out.`, code: 'tooManyOpened', params: { max: MAX_QUEUED, left } })
    }
    const added = paths.slice(0, Math.max(room, 0))
    if (!added.length) return
    this.paths.push(...added)
    for (const listener of this.arriveListeners) listener(added.length)
  }

  async take(): Promise<ImageFile[]> {
    const paths = this.paths
    this.paths = []
    const files: ImageFile[] = []
    for (const path of paths) {
      try {
        const info = await stat(path)
        if (!info.isFile()) throw new Error('it is not a file')
        if (info.size > MAX_IMAGE_FILE_BYTES) {
          throw new Error(`${(info.size / 1e6).toFixed(1)} MB is over the ${MAX_IMAGE_FILE_BYTES / 1e6} MB limit for images`)
        }
        files.push({ name: basename(path), base64: (await readFile(path)).toString('base64') })
      } catch (err) {
        const reason = err instanceof Error && 'code' in err ? describeFsError(err as NodeJS.ErrnoException) : (err as Error).message
        this.problem({ message: `Could not open ${path}: ${reason}.`, code: 'openFailed', params: { path } })
      }
    }
    return files
  }

  onArrive(listener: (count: number) => void): void {
    this.arriveListeners.push(listener)
  }

  onProblem(listener: (notice: NoticeText) => void): void {
    this.problemListeners.push(listener)
  }

  private problem(notice: NoticeText): void {
    for (const listener of this.problemListeners) listener(notice)
  }
}

function describeFsError(err: NodeJS.ErrnoException): string {
  if (err.code === 'ENOENT') return 'no such file'
  if (err.code === 'EACCES' || err.code === 'EPERM') return 'permission denied'
  return err.message
}
