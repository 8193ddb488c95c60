import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Dialects see the server through DialectHost only: never its store, bus, HTTP layer, transports or services. */
const dialectBoundary = {
  patterns: [
    {
      group: ['**/store/*', '**/bus/*', '**/http/*', '**/transports/*', '**/service/*', '**/context.js', '**/herald.js', '**/host.js'],
      message: 'A dialect reaches the server through its DialectHost (src/dialects/plugin.ts), not through inner layers.',
    },
  ],
};

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'data/', 'client/dist/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  { files: ['scripts/**/*.mjs'], languageOptions: { globals: { console: 'readonly', process: 'readonly' } } },
  {
    files: ['src/dialects/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', dialectBoundary] },
  },
);
