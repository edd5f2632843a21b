// ESLint for the whole tree: typescript-eslint (type-aware through the two tsconfigs) and eslint-plugin-vue.
// The rules that matter most here keep `any` from crossing a module boundary: an explicit `any` is an error,
// and a value typed `any` (JSON.parse, a catch, an untyped library) may not be returned, passed on, stored,
// read from or called without a type first. Style is left to the code as it is: no formatting rules.
import js from '@eslint/js'
import { defineConfig } from 'eslint/config'
import globals from 'globals'
import tseslint from 'typescript-eslint'
import vue from 'eslint-plugin-vue'

export default defineConfig(
  {
    ignores: [
      'out/**',
      'dist/**',
      'release/**',
      'runs/**',
      'test-results/**',
      'node_modules/**',
      // Generated from kernels.c by scripts/build-wasm-kernels.mjs: a base64 string, not code anyone writes.
      '**/kernels-binary.ts'
    ]
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  vue.configs['flat/recommended'],
  {
    files: ['**/*.ts', '**/*.mts', '**/*.vue'],
    languageOptions: {
      parserOptions: {
        parser: tseslint.parser,
        extraFileExtensions: ['.vue'],
        project: ['./tsconfig.node.json', './tsconfig.web.json'],
        tsconfigRootDir: import.meta.dirname
      }
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unsafe-return': 'error',
      '@typescript-eslint/no-unsafe-argument': 'error',
      '@typescript-eslint/no-unsafe-assignment': 'error',
      '@typescript-eslint/no-unsafe-member-access': 'error',
      '@typescript-eslint/no-unsafe-call': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }]
    }
  },
  {
    files: ['src-main/**', 'scripts/**', 'tests/**', '*.ts', '*.mts', '*.mjs', '**/*.cjs'],
    languageOptions: { globals: { ...globals.node } }
  },
  {
    files: ['src-renderer/**'],
    languageOptions: { globals: { ...globals.browser } }
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' }
  },
  {
    // Vitest's asymmetric matchers (expect.any, expect.stringMatching, ...) are typed `any` by design, and
    // the JSON answers a test parses go nowhere but into its expects: in tests these rules flag that and nothing else.
    files: ['tests/**'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off'
    }
  },
  {
    // typescript-eslint's program reads a .vue file as plain TypeScript, so a component imported from one has
    // an error type there: the app's root, the routes' views, and RunsView's refs to its child components.
    // vue-tsc (`npm run typecheck`) checks these with their real types.
    files: ['src-renderer/src/main.ts', 'src-renderer/src/router.ts', 'src-renderer/src/views/RunsView.vue'],
    rules: {
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off'
    }
  },
  {
    // The formatting rules of the Vue preset would rewrite most templates; the layout of markup is left as written.
    files: ['**/*.vue'],
    rules: {
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/multiline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
      'vue/html-indent': 'off',
      'vue/html-closing-bracket-newline': 'off',
      'vue/attributes-order': 'off',
      'vue/first-attribute-linebreak': 'off',
      // An optional prop typed `?: T` in defineProps already says undefined is its default.
      'vue/require-default-prop': 'off'
    }
  }
)
