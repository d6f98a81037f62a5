import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test-results/**', 'playwright-report/**', 'data/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,tsx,mjs,js}'],
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // Production server code (what tsconfig.build.json compiles) imports neither the simulator nor test
    // code nor a test library, nor scripts/ (its stack.ts wires the app to the simulator); test/build.test.ts
    // checks the built output too.
    files: ['server/**/*.ts'],
    ignores: ['server/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^(\\.\\./)+(simulator|e2e|test|scripts)(/|$)', message: 'Production server code must not import simulator/ (the portal simulator), e2e/ (the end-to-end specs), test/ (test support) or scripts/ (the npm scripts and the app + simulator stack).' },
            { regex: '^(vitest|@vitest/.*|@playwright/test|fast-check)$', message: 'Production server code must not import a test library.' },
          ],
        },
      ],
    },
  },
  {
    // /api/ answers through server/api/answer.ts, typed by the API contract (contract/).
    files: ['server/api/**/*.ts'],
    ignores: ['server/api/**/*.test.ts', 'server/api/answer.ts'],
    rules: {
      'no-restricted-syntax': ['error', { selector: "CallExpression[callee.property.name='json']", message: 'Answer with answer()/refuse() from ./answer.js: the contract (contract/) describes every answer.' }],
    },
  },
  {
    // The API contract is shared by the server (NodeNext) and the client (Vite): it imports zod and its own files only.
    files: ['contract/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex: '^(?!zod$|\\./)', message: 'contract/ imports only zod and its own files (./x.js).' }] }],
    },
  },
  {
    files: ['client/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: reactHooks.configs.recommended.rules,
  },
  // Client layers: app/ -> features/ -> entities/ -> lib/. A feature imports its own files (./…) and the
  // shared layers, never another feature nor app/ (what features share moves to entities/ or lib/; a
  // feature's files sit in its own folder, so `../` is only the way out to the shared layers).
  {
    files: ['client/src/features/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^\\.\\./(?!(\\.\\./)+(lib|entities)/)',
              message: 'A feature does not import another feature or app/: move what features share to client/src/entities/ or client/src/lib/.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['client/src/entities/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex: '^(\\.\\./)+(features|app|platformShims)(/|$)', message: 'Entities import only other entities and client/src/lib/ (client/platformShims/ stand in for SDK dependencies in the build only).' }] }],
    },
  },
  {
    files: ['client/src/lib/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex: '^(\\.\\./)+(features|entities|app|platformShims)(/|$)', message: 'client/src/lib/ imports no app, feature or entity code, nor client/platformShims/ (they stand in for SDK dependencies in the build only).' }] }],
    },
  },
  {
    files: ['simulator/shell/**/*.js'],
    languageOptions: { globals: { ...globals.browser } },
  },
);
