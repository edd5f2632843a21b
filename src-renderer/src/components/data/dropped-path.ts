/**
 * The folder path in a drop. File managers put a file:// URI in text/uri-list (Chromium passes it
 * on in web mode and Electron alike); a dragged path as text works too. A browser never reveals
 * the path of a dropped File, so without a URI the user types the path.
 */
export function droppedPath(data: DataTransfer | null): string | null {
  if (!data) return null
  const uri = data
    .getData('text/uri-list')
    .split(/\r?\n/)
    .find((line) => line.startsWith('file://'))
  if (uri) {
    try {
      return decodeURIComponent(new URL(uri).pathname).replace(/^\/([A-Za-z]:\/)/, '$1')
    } catch {
      return null
    }
  }
  const text = data.getData('text/plain').trim()
  return /^(\/|[A-Za-z]:[\\/]|~)/.test(text) && !text.includes('\n') ? text : null
}
