import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * The client's unit tests (`npx vitest run --config client/vitest.config.ts`): pure modules such as
 * the translation catalogues, run in Node.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  test: {
    include: ['src/**/*.test.{ts,tsx}'],
    environment: 'node',
  },
});
