import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', middy: 'src/middy.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  target: 'node20',
  platform: 'node',
  sourcemap: true,
  splitting: true,
});
