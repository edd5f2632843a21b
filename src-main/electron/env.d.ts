/** What electron-vite (vite) defines in the main bundle; see main.ts for why DEV is read. */
interface ImportMetaEnv {
  readonly DEV: boolean
}

interface ImportMeta {
  readonly env: ImportMetaEnv
}
