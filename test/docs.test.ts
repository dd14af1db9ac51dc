import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { envOf, flagOf, optionNames } from '../collector/src/config.js';
import { COLLECTOR_ERROR_CODES } from '../collector/src/errors.js';
import { ERROR_CODES } from '../sdk/src/core/errors.js';
import { VERSION } from '../sdk/src/core/version.js';

// The README and docs/ are the user's reference: together they must name every error code and
// every variable the SDK reads, and the README's first lines must be the two commands.
const root = resolve(import.meta.dirname, '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const docs = (name: string) => readFileSync(join(root, 'docs', name), 'utf8');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('README and docs/', () => {
  it('starts with the two commands', () => {
    const block = readme.split('```')[1] ?? '';
    expect(block).toMatch(/^sh\nnpm start\b.*\nnpm test\b/);
  });

  it('documents every error code of the SDK and the collector', () => {
    const errors = docs('errors.md');
    for (const code of [...Object.values(ERROR_CODES), ...Object.values(COLLECTOR_ERROR_CODES)]) {
      expect(errors, code).toContain(`\`${code}\``);
    }
  });

  it('names every collector option the flags mention', () => {
    // the full list with defaults is `fntrace collector --help` (tested in test/collector/cli.test.ts)
    for (const name of [
      'data',
      'clickhouseUrl',
      'clickhouseCluster',
      'retentionDays',
      'spoolMaxBytes',
      'maxInflightRequests',
    ]) {
      expect(optionNames).toContain(name);
      expect(docs('collector.md') + docs('storage.md'), flagOf(name)).toContain(flagOf(name));
    }
    expect(envOf('clickhouseUrl')).toBe('FNTRACE_CLICKHOUSE_URL');
  });

  it('documents every environment variable the SDK reads', () => {
    const names = new Set<string>();
    for (const file of sources(join(root, 'sdk/src'))) {
      for (const m of readFileSync(file, 'utf8').matchAll(/\b((?:OTEL|FNTRACE|AWS)_[A-Z_]+|_X_AMZN_TRACE_ID)\b/g)) {
        if (!m[1]!.startsWith('FNTRACE_ERR_')) names.add(m[1]!);
      }
    }
    expect(names.size).toBeGreaterThan(20);
    const sdk = docs('sdk.md');
    for (const name of names) expect(sdk, name).toContain(`\`${name}\``);
  });

  it('is beside an SDK whose version constant matches its package.json', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'sdk/package.json'), 'utf8'));
    expect(VERSION).toBe(pkg.version);
  });
});
