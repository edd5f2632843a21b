/**
 * Saves a Blob as a file through an object URL: allowed by the strict CSP (no data: navigation),
 * and the same in Electron and in the browser.
 */
export function downloadBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob)
  const link = document.createElement('a')
  link.href = url
  link.download = fileName
  document.body.append(link)
  link.click()
  link.remove()
  // The download has started reading the URL by the time the click handler returns.
  setTimeout(() => URL.revokeObjectURL(url), 1000)
}
