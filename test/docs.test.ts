import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { envOf, flagOf, optionNames } from '../collector/src/config/options.js';
import { COLLECTOR_ERROR_CODES, COLLECTOR_ERRORS } from '../collector/src/errors.js';
import { REFUSAL_REASONS } from '../collector/src/ingest/refusals.js';
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
    return statSync(p).isDirectory() ? sources(p) : /\.tsx?$/.test(p) ? [p] : [];
  });
}

/**
 * The rows of a markdown document's tables whose first cell matches `first`, as the cells
 * (the first cell reduced to the pattern's group).
 */
function tableRows(markdown: string, first: RegExp): string[][] {
  return markdown
    .split('\n')
    .filter((l) => l.startsWith('|'))
    .map((l) =>
      l
        .slice(1, -1)
        .split(' | ')
        .map((c) => c.trim()),
    )
    .flatMap(([head, ...rest]) => {
      const m = first.exec(head ?? '');
      return m ? [[m[1]!, ...rest]] : [];
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

  it('lists exactly the codes of the registries, and each collector code with exactly its statuses', () => {
    const errors = docs('errors.md');
    const sdkRows = tableRows(errors, /^`(FNTRACE_ERR_SDK_[A-Z_]+)`$/);
    expect(sdkRows.map((r) => r[0]).sort()).toEqual(Object.values(ERROR_CODES).sort());
    const collectorRows = tableRows(errors, /^`(FNTRACE_ERR_COL_[A-Z_]+)`$/);
    const documented = Object.fromEntries(collectorRows.map(([code, status]) => [code, status]));
    const declared = Object.fromEntries(
      Object.values(COLLECTOR_ERRORS).map(({ code, surfaces }) => [code, surfaces.join(', ')]),
    );
    expect(documented).toEqual(declared);
  });

  it('has no error code spelled outside the registries', () => {
    const registries = new Set([join(root, 'collector/src/errors.ts'), join(root, 'sdk/src/core/errors.ts')]);
    const spelled: string[] = [];
    for (const dir of ['collector/src', 'sdk/src', 'dashboards/src'])
      for (const file of sources(join(root, dir)))
        if (!registries.has(file))
          for (const m of readFileSync(file, 'utf8').matchAll(/FNTRACE_ERR_[A-Z_]+/g))
            spelled.push(`${file.slice(root.length + 1)}: ${m[0]}`);
    expect(spelled).toEqual([]);
  });

  it('lists exactly the refusal reasons /metrics counts, in the same words', () => {
    const collector = docs('collector.md');
    const rows = tableRows(collector, /^`([a-z_]+)`$/);
    const documented = Object.fromEntries(rows.map(([reason, when]) => [reason, when]));
    const declared = Object.fromEntries(Object.entries(REFUSAL_REASONS).map(([reason, r]) => [reason, r.when]));
    expect(documented).toEqual(declared);
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
