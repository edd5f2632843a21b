import { resolve } from 'node:path'
import { defineConfig } from 'electron-vite'
import vue from '@vitejs/plugin-vue'

const shared = { '@shared': resolve(__dirname, 'src-main/shared') }

export default defineConfig({
  main: {
    resolve: { alias: shared },
    build: {
      outDir: 'out/main',
      rollupOptions: {
        input: {
          index: resolve(__dirname, 'src-main/electron/main.ts'),
          engine: resolve(__dirname, 'src-main/engine/process/worker.ts')
        }
      }
    }
  },
  preload: {
    resolve: { alias: shared },
    build: {
      outDir: 'out/preload',
      // A sandboxed preload cannot require node_modules: bundle zod and the contract into it.
      externalizeDeps: false,
      rollupOptions: {
        input: { index: resolve(__dirname, 'src-main/electron/preload.ts') }
      }
    }
  },
  renderer: {
    root: resolve(__dirname, 'src-renderer'),
    resolve: {
      alias: { ...shared, '@renderer': resolve(__dirname, 'src-renderer/src') }
    },
    plugins: [vue()],
    // vue-i18n in composition mode only: the legacy API and devtools hooks left out of the bundle.
    define: { __VUE_I18N_FULL_INSTALL__: true, __VUE_I18N_LEGACY_API__: false, __INTLIFY_PROD_DEVTOOLS__: false },
    build: {
      outDir: resolve(__dirname, 'out/renderer'),
      rollupOptions: { input: resolve(__dirname, 'src-renderer/index.html') }
    }
  }
})
