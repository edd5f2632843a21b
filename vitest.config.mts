import { resolve } from 'node:path'
import { defineConfig } from 'vitest/config'

const alias = {
  '@shared': resolve(import.meta.dirname, 'src-main/shared'),
  '@renderer': resolve(import.meta.dirname, 'src-renderer/src')
}

export default defineConfig({
  test: {
    projects: [
      {
        resolve: { alias },
        test: {
          name: 'unit',
          include: ['tests/unit/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 60_000
        }
      },
      {
        resolve: { alias },
        test: {
          // The wasm and kernel tests again with ConvLab's native kernels off: every fallback they
          // leave to tfjs's ops must give the same answers.
          name: 'unit-native-off',
          include: ['tests/unit/engine-wasm.test.ts', 'tests/unit/engine-native-kernels.test.ts', 'tests/unit/engine-conv-forward.test.ts'],
          environment: 'node',
          env: { CONVLAB_NATIVE_KERNELS: '0' },
          testTimeout: 60_000,
          hookTimeout: 60_000
        }
      },
      {
        resolve: { alias },
        test: {
          name: 'e2e',
          include: ['tests/e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 300_000,
          hookTimeout: 300_000,
          // expect.poll's 1 s default is a race with the engine on a loaded machine (CI ran the Data
          // view's sample load over it once); a poll waits for a state, it does not time anything.
          expect: { poll: { timeout: 30_000, interval: 100 } },
          fileParallelism: false
        }
      }
    ]
  }
})
