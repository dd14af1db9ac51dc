import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', cli: 'src/cli.ts' },
  format: ['esm'],
  // `@fntrace/collector/api`: the API's answer types, declarations only (no code to import)
  dts: { entry: { index: 'src/index.ts', api: 'src/query/api-types.ts' } },
  clean: true,
  target: 'node20',
  platform: 'node',
  sourcemap: true,
  splitting: true,
});
