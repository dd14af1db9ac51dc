import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    cloudflare: 'src/cloudflare.ts',
    fetch: 'src/fetch.ts',
    'fetch-node': 'src/fetch-node.ts',
    azure: 'src/azure.ts',
    index: 'src/index.ts',
    middy: 'src/middy.ts',
    gcp: 'src/gcp.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  target: 'node20',
  platform: 'node',
  sourcemap: true,
  splitting: true,
});
