// Top self-time functions of a V8 .cpuprofile (node --cpu-prof), with positions in bundled
// files mapped back to their sources through the bundle's source map when there is one.
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT } from './common.mjs';

const maps = new Map();

function sourceMapOf(url) {
  if (!url.startsWith('file://')) return undefined;
  if (!maps.has(url)) {
    const file = `${fileURLToPath(url)}.map`;
    maps.set(url, existsSync(file) ? new SourceMap(JSON.parse(readFileSync(file, 'utf8'))) : undefined);
  }
  return maps.get(url);
}

function where(callFrame) {
  const { url, lineNumber, columnNumber } = callFrame;
  if (!url) return '';
  const entry = sourceMapOf(url)?.findEntry(lineNumber, columnNumber);
  if (entry?.originalSource) {
    const source = entry.originalSource.startsWith('file://')
      ? fileURLToPath(entry.originalSource)
      : resolve(dirname(fileURLToPath(url)), entry.originalSource);
    return `${relative(ROOT, source)}:${entry.originalLine + 1}`;
  }
  const short = url.replace(/^.*\/node_modules\//, '').replace(/^file:\/\/.*\/(collector|sdk)\//, '$1/');
  return `${short}:${lineNumber + 1}`;
}

/** `{ totalMs, top: [{ fn, where, ms, share }] }` by self time, `n` rows. */
export function topSelfTime(file, n = 15) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map();
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const node = nodes.get(profile.samples[i]);
    const dt = profile.timeDeltas[i] ?? 0;
    total += dt;
    const key = `${node.callFrame.functionName || '(anonymous)'}\u0000${where(node.callFrame)}`;
    self.set(key, (self.get(key) ?? 0) + dt);
  }
  const top = [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([key, us]) => {
      const [fn, at] = key.split('\u0000');
      return { fn, where: at, ms: us / 1000, share: us / total };
    });
  return { totalMs: total / 1000, top };
}
