// Runs before `npm start`, `npm test` and `npm run bench`: installs dependencies when
// node_modules is missing or older than package-lock.json / a workspace package.json,
// so a fresh clone needs no separate install step. npm writes node_modules/.package-lock.json
// at the end of every install; it is the marker of "installed from this lock".
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const marker = resolve(root, 'node_modules/.package-lock.json');
const inputs = [
  'package.json',
  'package-lock.json',
  'sdk/package.json',
  'collector/package.json',
  'dashboards/package.json',
]
  .map((f) => resolve(root, f))
  .filter(existsSync);

const mtime = (f) => statSync(f).mtimeMs;
const stale = !existsSync(marker) || inputs.some((f) => mtime(f) > mtime(marker));

if (stale) {
  const fresh = !existsSync(resolve(root, 'node_modules'));
  const args = fresh ? ['ci', '--no-audit', '--no-fund'] : ['install', '--no-audit', '--no-fund'];
  console.error(
    `[fntrace] dependencies ${fresh ? 'missing' : 'out of date'}: running npm ${args[0]} (first run takes a few minutes)…`,
  );
  const r = spawnSync('npm', args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`[fntrace] npm ${args[0]} failed (exit ${r.status}); fix the error above and run the command again`);
    process.exit(r.status ?? 1);
  }
}
