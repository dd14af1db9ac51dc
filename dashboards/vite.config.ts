import { defineConfig } from 'vite';

// The dashboard is static files served by the collector at `/`, so every URL is relative
// and nothing is fetched from another origin (fonts and scripts are bundled).
export default defineConfig({
  root: import.meta.dirname,
  base: './',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', sourcemap: false, chunkSizeWarningLimit: 400 },
});
