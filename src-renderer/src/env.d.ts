/// <reference types="vite/client" />
import type { LabApi } from '@shared/contract'

declare global {
  interface Window {
    /** Set by the Electron preload; absent in a plain browser (web mode). */
    lab?: LabApi
  }
}

declare module '*.vue' {
  import type { DefineComponent } from 'vue'
  const component: DefineComponent<object, object, unknown>
  export default component
}
