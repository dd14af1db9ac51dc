#!/usr/bin/env node
// The `fntrace` command. npm links a workspace's bin when it installs, before anything is
// built, so the link points here — a file in the repository — and this loads the built CLI.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(fileURLToPath(cli))) {
  console.error('fntrace: the collector is not built yet; run `npm run build` (npm start and npm test do it) first');
  process.exit(2);
}
await import(cli.href);
