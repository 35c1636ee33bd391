// ESLint (flat config): eslint:recommended, plus typescript-eslint with type information for a few
// rules that catch real bugs (promises left floating or passed where a callback is expected, awaiting
// non-promises, unused code, switches that miss a case, "[object Object]" in a string). `npm run lint`; CI runs it (.ci/run).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Node's globals, for the plain JavaScript files (TypeScript files get them from @types/node). */
const nodeGlobals = Object.fromEntries(
  ['process', 'console', 'Buffer', 'URL', 'URLSearchParams', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate', 'structuredClone', 'AbortController', 'AbortSignal', 'TextDecoder', 'TextEncoder', 'fetch'].map((name) => [name, 'readonly']),
);

export default tseslint.config(
  {
    // built output, dependencies, coverage reports; files under testdata/ that are not the tests' own code
    ignores: ['dist/', 'node_modules/', 'coverage/', '**/testdata/**/*.{js,mjs,cjs,jsx}'],
  },
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },
  js.configs.recommended,
  ...tseslint.configs.recommended.map((c) => ({ ...c, files: ['**/*.ts'] })),
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // promises: not awaited, passed where a void callback is expected, awaited without being one
      '@typescript-eslint/no-floating-promises': [
        'error',
        // node:test's test()/describe() return promises that the runner itself awaits
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] }] },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      // `return promise` inside try/catch/finally skips the catch and runs the finally too early
      '@typescript-eslint/return-await': ['error', 'in-try-catch'],
      '@typescript-eslint/require-await': 'error',
      // throwing or rejecting with something that is not an Error; "[object Object]" in a message or key
      '@typescript-eslint/only-throw-error': 'error',
      '@typescript-eslint/no-base-to-string': 'error',
      '@typescript-eslint/no-for-in-array': 'error',
      '@typescript-eslint/no-array-delete': 'error',
      '@typescript-eslint/no-implied-eval': 'error',
      '@typescript-eslint/no-unnecessary-type-assertion': 'error',
      // a switch over a union that misses a member (a default clause counts as covering the rest)
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { args: 'after-used', argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // tsc checks these (strict), and `any` is sometimes the honest type at a boundary
      '@typescript-eslint/no-explicit-any': 'off',
      // the pipeline strips control characters from feed text on purpose, with regular expressions
      'no-control-regex': 'off',
      // an ideographic space (U+3000) in a comment quoting Chinese text is the text, not a typo
      'no-irregular-whitespace': ['error', { skipComments: true }],
    },
  },
  {
    // nothing under src/ depends on the test tree: shared test helpers live in src/testing/
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex: '(^|/)test/', message: 'src/ must not import from test/: put shared test helpers in src/testing/.' }] }],
    },
  },
  {
    files: ['**/*.{js,mjs,cjs}'],
    languageOptions: { globals: nodeGlobals },
    rules: {
      'no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
);
