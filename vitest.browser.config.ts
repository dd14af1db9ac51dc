import { defineConfig } from 'vitest/config';

// Browser tests: real headless Chromium (Debian's) driven by playwright-core against a
// real collector serving the built dashboard. `npm run test:browser`.
export default defineConfig({
  test: {
    include: ['test/browser/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
