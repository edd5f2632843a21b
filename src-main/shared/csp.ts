/**
 * The one Content-Security-Policy of the app: the Electron session header, the web server's
 * header and the meta tag in src-renderer/index.html all carry this exact text (a unit test
 * keeps the meta tag in step). Everything the renderer loads comes from its own origin.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'"
].join('; ')
