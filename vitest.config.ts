import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/browser/**', '**/node_modules/**'],
    // collector tests will each own an embedded ClickHouse: one engine per process
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
