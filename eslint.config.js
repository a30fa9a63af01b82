import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'dist-check/', 'sample/dist/', 'node_modules/', 'coverage/', 'test-output/', 'bench/results/', 'sample/public/react.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-explicit-any': 'off',
      'no-console': 'off',
    },
  },
  {
    files: ['sample/public/**/*.js', 'sample/public/**/*.mjs'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['lib/**/*.ts'],
    ignores: ['lib/**/*.spec.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/test/**', '**/sample/**'], message: 'lib/ must not import test or sample code.' }] }],
    },
  },
  {
    // the protocol (event names, parser, ids, retry rules) lives in lib/protocol/: no driver reads the browser client's files
    files: ['lib/drivers/**/*.ts', 'lib/sse/**/*.ts', 'lib/engine/**/*.ts', 'lib/protocol/**/*.ts'],
    ignores: ['lib/**/*.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/test/**', '**/sample/**'], message: 'lib/ must not import test or sample code.' },
            { group: ['**/client/*', '**/client/**'], message: 'Import the protocol from lib/protocol/, not from the browser client.' },
          ],
        },
      ],
    },
  },
  {
    // the bottom layer: the types every other folder uses. They import only each other, never a
    // feature above (drivers, memory, sse, engine…): what composes those, like the module
    // options, lives beside what it composes (lib/bupple-engine.module-options.ts). The one
    // exception, named here: the call options' `tools` and `toolApprovals` take the tool types.
    files: ['lib/interfaces/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^\\.\\./(?!tools/(?:tool-definition\\.interface|resolve-tools)\\.js$)',
              message: 'lib/interfaces/ is the bottom layer: import only from lib/interfaces/ (module-wide option types go beside the module).',
            },
          ],
        },
      ],
    },
  },
);
