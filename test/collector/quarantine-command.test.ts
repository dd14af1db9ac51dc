import { spawn, spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createClient } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';
import { describe, expect, it } from 'vitest';
import { Quarantine } from '../../collector/src/store/quarantine.js';
import { exited, killWhenDone, tempDir } from '../helpers/cleanup.js';
import { CLI, countStored, freePort, startCollector, waitReady } from './process.js';
import { POISON, spanIdOf, spanLine, traceIdOf, writeSegment } from './spool-rows.js';

// `fntrace quarantine list` and `fntrace quarantine retry` as a user runs them, on the data
// directory of a collector (the built command, each in its own process: one engine per data
// directory) that quarantined rows of two spool segments: one row whose text the engine cannot
// parse, and a segment a materialized view refused — a view an upgrade then fixes.
const DIST = resolve(import.meta.dirname, '../../collector/dist/index.js');
const S = 'quarantine-cli';

const run = (args: string[]) =>
  spawnSync(process.execPath, [CLI, 'quarantine', ...args], { encoding: 'utf8', timeout: 60_000 });

/** Runs statements against the store of `dataDir` in a process of its own, as an operator (or an upgrade) would. */
async function sql(dataDir: string, statements: string[]): Promise<void> {
  const script = `
    const { buildServer } = await import(${JSON.stringify(pathToFileURL(DIST).href)});
    const server = buildServer({ data: process.env.DATA, port: 0, logLevel: 'warn' });
    await server.app.ready();
    for (const query of JSON.parse(process.env.SQL)) await server.parts().store.client.command({ query });
    await server.app.close();
    process.exit(0);`;
  const child = killWhenDone(
    spawn(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, DATA: dataDir, SQL: JSON.stringify(statements) },
      stdio: ['ignore', 'ignore', 'pipe'],
    }),
  );
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const code = await exited(child);
  if (code !== 0) throw new Error(`sql child failed (${code}): ${stderr}`);
}

describe('fntrace quarantine', () => {
  it('lists what the collector quarantined, refuses to retry while it runs, and retries what an upgrade fixed', async () => {
    const dataDir = tempDir('fntrace-quarantine-cli-');
    // a view that refuses one span, as fntrace_trace_summary_mv refused spans ending past 2262
    await sql(dataDir, [
      'CREATE TABLE fntrace.guard (x UInt8) ENGINE = Null',
      `CREATE MATERIALIZED VIEW fntrace.guard_mv TO fntrace.guard AS
         SELECT throwIf(SpanName = 'guarded', 'refused by guard_mv') AS x FROM fntrace.otel_traces`,
    ]);
    const parse = writeSegment(dataDir, 1, 'traces', [
      spanLine(S, 1),
      spanLine(S, 2),
      POISON.negativeDuration(S, 3),
      spanLine(S, 4),
    ]);
    const view = writeSegment(dataDir, 2, 'traces', [
      spanLine(S, 5),
      spanLine(S, 6, { SpanName: 'guarded' }),
      spanLine(S, 7),
    ]);
    writeSegment(dataDir, 3, 'traces', [spanLine(S, 8)]);

    // the collector stores what it can and quarantines the rest
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const collector = killWhenDone(startCollector(dataDir, port));
    try {
      const until = Date.now() + 60_000;
      let ready = await waitReady(url);
      while (ready.spool.bytes > 0 || ready.quarantine.rows < 4) {
        if (Date.now() > until) throw new Error(`not stored: ${JSON.stringify(ready)}`);
        await new Promise((r) => setTimeout(r, 100));
        ready = await waitReady(url);
      }
      expect(ready).toMatchObject({ status: 'ready', problems: [], quarantine: { entries: 2, rows: 4 } });
      expect(ready.warnings[0]).toMatch(/^4 rows the store refused \(4 spans, 0 log records\) wait in .*quarantine/);

      // list reads the files, also while the collector runs
      const list = run(['list', '--data', dataDir]);
      expect(list.status, list.stderr).toBe(0);
      expect(list.stdout).toContain(`2 entries, 4 rows (4 spans, 0 log records) in ${join(dataDir, 'quarantine')}`);
      expect(list.stdout).toContain(
        `${parse}.l3-3\n  traces, 1 row (line 3 of segment ${parse}), refused, quarantined `,
      );
      expect(list.stdout).toMatch(/CANNOT_PARSE_NUMBER: Unsigned type must not contain '-' symbol/);
      expect(list.stdout).toContain(`${view}.l1-3\n  traces, 3 rows (lines 1-3 of segment ${view}), refused in a view`);
      expect(list.stdout).toMatch(/refused by guard_mv/);
      const json = JSON.parse(run(['list', '--data', dataDir, '--json']).stdout);
      expect(json.map((e: any) => [e.name, e.rows, e.stage, e.retries])).toEqual([
        [`${parse}.l3-3`, 1, 'refused', 0],
        [`${view}.l1-3`, 3, 'refused in a view', 0],
      ]);

      // retry needs the data directory to itself
      const locked = run(['retry', '--data', dataDir]);
      expect(locked.status).toBe(2);
      expect(locked.stderr).toMatch(
        /FNTRACE_ERR_COL_DATA_DIR_LOCKED: data directory .* is in use by another fntrace process: stop the collector that uses it/,
      );
    } finally {
      collector.kill('SIGTERM');
      await exited(collector);
    }

    // before the fix: everything is refused again, and says so
    const before = run(['retry', '--data', dataDir]);
    expect(before.status, before.stderr).toBe(1);
    expect(before.stdout).toContain(`still refused ${parse}.l3-3: 1 row, refused: CANNOT_PARSE_NUMBER`);
    expect(before.stdout).toContain(`still refused ${view}.l1-3: 3 rows, refused in a view:`);
    expect(before.stdout).toContain('0 rows stored, 4 rows left in');

    // the upgrade: the view no longer refuses it
    await sql(dataDir, ['DROP VIEW fntrace.guard_mv']);
    const after = run(['retry', '--data', dataDir]);
    expect(after.status, after.stderr).toBe(1);
    expect(after.stdout).toContain(`stored ${view}.l1-3: 3 rows`);
    expect(after.stdout).toContain('3 rows stored, 1 row left in');
    const left = JSON.parse(run(['list', '--data', dataDir, '--json']).stdout);
    expect(left.map((e: any) => [e.name, e.retries])).toEqual([[`${parse}.l3-3`, 2]]);

    // each span stored once, and every view has the ones the guard refused before
    const good = [1, 2, 4, 5, 6, 7, 8];
    const stored = await countStored(dataDir, S);
    expect(Object.fromEntries(stored.map((r) => [r.SpanId, Number(r.n)]))).toEqual(
      Object.fromEntries(good.map((i) => [spanIdOf(i), 1])),
    );
    const client = createClient({ connection: createChdbConnection({ path: join(dataDir, 'clickhouse') }) } as never);
    try {
      const rs = await client.query({
        query: `SELECT TraceId, sum(SpanCount) AS n FROM fntrace.fntrace_trace_summary
          WHERE TraceId IN {ids:Array(String)} GROUP BY TraceId ORDER BY TraceId`,
        query_params: { ids: good.map(traceIdOf) },
        format: 'JSONEachRow',
      });
      expect(((await rs.json()) as { TraceId: string; n: string }[]).map((r) => [r.TraceId, Number(r.n)])).toEqual(
        good.map((i) => [traceIdOf(i), 1]),
      );
    } finally {
      await client.close();
    }
  }, 240_000);

  it('explains itself in --help and in its errors', () => {
    const help = run(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('list');
    expect(help.stdout).toContain('retry');
    const retryHelp = run(['retry', '--help']).stdout.replace(/\s+/g, ' ');
    for (const text of ['--data', 'env: FNTRACE_DATA', '--clickhouse-url', 'Stop the collector', 'Exit status'])
      expect(retryHelp).toContain(text);
    const missing = run(['list', '--data', join(tempDir('fntrace-quarantine-missing-'), 'no-such-dir')]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/FNTRACE_ERR_COL_INVALID_OPTION: option --data: no data directory at /);
    const empty = run(['retry', '--data', tempDir('fntrace-quarantine-empty-')]);
    expect(empty.status).toBe(0);
    expect(empty.stdout).toMatch(/is empty: nothing to retry/);
  });

  it('does not retry into a store whose schema this version has not migrated', async () => {
    const dataDir = tempDir('fntrace-quarantine-schema-');
    await new Quarantine(join(dataDir, 'quarantine')).add([
      {
        lines: [{ n: 1, text: Buffer.from(spanLine(S, 1)) }],
        meta: {
          segment: '000000000001-00000000feed0001-traces',
          signal: 'traces',
          stage: 'refused',
          error: 'by hand',
          token: 'schema-test-l1-1',
          segmentToken: 'schema-test',
          quarantinedAt: new Date().toISOString(),
          retries: 0,
        },
      },
    ]);
    const res = run(['retry', '--data', dataDir, '--clickhouse-database', 'never_migrated']);
    expect(res.status).toBe(2);
    expect(res.stderr).toMatch(
      /FNTRACE_ERR_COL_SCHEMA_OUTDATED: the store's schema is at migration 0 and this fntrace writes migration \d+: start `fntrace collector` once/,
    );
    // the entry is left as it was
    expect(run(['list', '--data', dataDir, '--json']).stdout).toContain('"retries": 0');
  });
});
