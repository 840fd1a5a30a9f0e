/**
 * The lint Tandem's code follows (`npm run lint`, part of `npm test`):
 * typescript-eslint's strict rules (no `any`, no non-null assertions, no
 * ts-comments without a reason, ...) plus the type-aware rules that catch
 * real bugs in async code: a promise nobody awaits or handles, a promise
 * where a value was meant. Formatting is Prettier's job (.prettierrc.json).
 */
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const root = new URL('../../', import.meta.url).pathname;

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'tools/**', 'web/**/*.js', 'coverage/**', 'data/**', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    files: ['src/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts', 'web/src/**/*.{ts,tsx}'],
    languageOptions: {
      parserOptions: {
        project: ['tsconfig.test.json', 'web/tsconfig.json'],
        tsconfigRootDir: root,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false, attributes: false } }],
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // `let h; ... h = await start()` read by a callback set up before it: not a constant.
      'prefer-const': ['error', { destructuring: 'all', ignoreReadBeforeAssign: true }],
      // Regexes over YAML match its indentation literally ("  - id:"), which reads better than " {2}- id:".
      'no-regex-spaces': 'off',
    },
  },
  {
    // The engine modules decide in small pure functions and write through stores (docs/architecture.md):
    // a function that grows past 60 lines is doing two things.
    files: ['src/{engine,escalation,sla,paging,events,ticketing}/**/*.ts'],
    ignores: ['**/*.test.ts', '**/test-fixtures.ts'],
    rules: { 'max-lines-per-function': ['error', { max: 60, skipBlankLines: true, skipComments: true, IIFEs: true }] },
  },
  {
    files: ['bench/**/*.js', 'scripts/**/*.js', 'bin/**/*.js'],
    rules: { 'no-regex-spaces': 'off' },
  },
  {
    // Benchmarks and scripts run in Node; bench/ui.js also hands functions to the browser (page.evaluate).
    files: ['bench/**/*.js', 'scripts/**/*.js', 'bin/**/*.js'],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },
);
