/**
 * One rule for every name ConvLab turns into a file or folder name (exports written by main,
 * downloads made by the renderer): the name as the user typed it, Unicode kept ("卷积网络 CNN 2k"
 * stays Chinese), less only what Windows, macOS or Linux file systems refuse.
 */

/** Longest stem kept, in characters (code points, so no Chinese character or emoji is cut in half). */
export const MAX_FILE_STEM = 120

// Path separators, the characters Windows refuses, and control characters (C0, DEL and C1).
const FORBIDDEN = /[<>:"/\\|?*\p{Cc}]/gu
// Windows reserves these names whatever their extension.
const RESERVED = /^(con|prn|aux|nul|com[1-9]|lpt[1-9])(\..*)?$/i

/** `name` made safe as a file name stem; `fallback` when nothing usable is left. */
export function fileSafeName(name: string, fallback = ''): string {
  const cleaned = name
    .replace(FORBIDDEN, '-')
    .replace(/\s+/g, ' ')
    .trim()
    // A leading dot hides the file on Unix; Windows drops trailing dots and spaces.
    .replace(/^\.+/, '')
  const clipped = Array.from(cleaned).slice(0, MAX_FILE_STEM).join('').replace(/[. ]+$/, '')
  if (!clipped) return fallback
  return RESERVED.test(clipped) ? `_${clipped}` : clipped
}
