import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { insertRows } from '../../collector/src/store/insert.js';
import { classifyInsertError } from '../../collector/src/store/insert-errors.js';
import { isolate, type Line, splitLines } from '../../collector/src/store/isolate.js';
import { Quarantine } from '../../collector/src/store/quarantine.js';
import { tempDir } from '../helpers/cleanup.js';
import { useCollector } from './helpers.js';
import { logLine, POISON, spanIdOf, spanLine, traceIdOf, writeSegment } from './spool-rows.js';

// Spool segments holding rows the store refuses (written by hand: ingest no longer lets such
// rows in, but an earlier version spooled them) are in the data directory when the collector
// starts. The writer stores every other row of them once, quarantines the refused ones with
// their errors, and goes on to the segments after them; /readyz stays ready with a warning.
const S = 'quarantine-test';
const first = [
  spanLine(S, 1),
  POISON.negativeDuration(S, 2),
  spanLine(S, 3),
  spanLine(S, 4),
  POISON.loneSurrogate(S, 5),
  spanLine(S, 6),
  POISON.endOverflow(S, 7),
  spanLine(S, 8),
  spanLine(S, 9),
  spanLine(S, 10),
  POISON.truncated(),
  spanLine(S, 12),
];
const GOOD = [1, 3, 4, 6, 8, 9, 10, 12, 13, 14, 15, 16];
let firstName = '';
let logsName = '';

const c = useCollector({}, {}, (dataDir) => {
  firstName = writeSegment(dataDir, 1, 'traces', first);
  writeSegment(
    dataDir,
    2,
    'traces',
    [13, 14, 15, 16].map((i) => spanLine(S, i)),
  );
  logsName = writeSegment(dataDir, 3, 'logs', [logLine(S, 1), logLine(S, 2), POISON.badLogTime(S, 3), logLine(S, 4)]);
});

/** Span ids of `service` with how many times each is stored. */
async function stored(service: string): Promise<Record<string, number>> {
  const rows = await c.query<{ SpanId: string; n: string }>(
    'SELECT SpanId, count() AS n FROM fntrace.otel_traces WHERE ServiceName = {s:String} GROUP BY SpanId',
    { s: service },
  );
  return Object.fromEntries(rows.map((r) => [r.SpanId, Number(r.n)]));
}

async function summarised(traceIds: string[]): Promise<Record<string, number>> {
  const rows = await c.query<{ TraceId: string; n: string }>(
    'SELECT TraceId, sum(SpanCount) AS n FROM fntrace.fntrace_trace_summary WHERE TraceId IN {ids:Array(String)} GROUP BY TraceId',
    { ids: traceIds },
  );
  return Object.fromEntries(rows.map((r) => [r.TraceId, Number(r.n)]));
}

const once = (ids: string[]) => Object.fromEntries(ids.map((id) => [id, 1]));

describe('a spool segment with rows the store refuses', () => {
  it('stores every other row once, quarantines the refused ones with their errors, and stores the segments after it', async () => {
    await c.drained(60_000);
    expect(await stored(S)).toEqual(once(GOOD.map(spanIdOf)));
    // the views took them too (the summary counts each good trace's one span)
    expect(await summarised(GOOD.map(traceIdOf))).toEqual(once(GOOD.map(traceIdOf)));
    const logs = await c.query<{ Body: string }>(
      'SELECT Body FROM fntrace.otel_logs WHERE ServiceName = {s:String} ORDER BY Body',
      { s: S },
    );
    expect(logs.map((r) => r.Body)).toEqual(['line 1', 'line 2', 'line 4']);

    const entries = await new Quarantine(join(c.dataDir, 'quarantine')).list();
    const brief = entries.map((e) => ({
      name: e.name,
      signal: e.signal,
      lines: e.lines,
      rows: e.rows,
      stage: e.stage,
    }));
    expect(brief).toEqual([
      { name: `${firstName}.l11-11`, signal: 'traces', lines: '11', rows: 1, stage: 'screened' },
      { name: `${firstName}.l2-2`, signal: 'traces', lines: '2', rows: 1, stage: 'refused' },
      { name: `${firstName}.l5-5`, signal: 'traces', lines: '5', rows: 1, stage: 'screened' },
      { name: `${firstName}.l7-7`, signal: 'traces', lines: '7', rows: 1, stage: 'screened' },
      { name: `${logsName}.l3-3`, signal: 'logs', lines: '3', rows: 1, stage: 'refused' },
    ]);
    const error = (lines: string, signal = 'traces') =>
      entries.find((e) => e.lines === lines && e.signal === signal)!.error;
    expect(error('2')).toMatch(/CANNOT_PARSE_NUMBER/);
    expect(error('5')).toMatch(/surrogate pair/);
    expect(error('7')).toMatch(/DECIMAL_OVERFLOW in the trace summary view/);
    expect(error('11')).toMatch(/^not a JSON object/);
    expect(error('3', 'logs')).toMatch(/CANNOT_PARSE_DATETIME/);
    // the rows are kept exactly as they were spooled
    expect(readFileSync(join(c.dataDir, 'quarantine', `${firstName}.l2-2.jsonl`), 'utf8')).toBe(`${first[1]}\n`);
    expect(JSON.parse(readFileSync(join(c.dataDir, 'quarantine', `${firstName}.l2-2.json`), 'utf8'))).toMatchObject({
      segment: firstName,
      signal: 'traces',
      rows: 1,
      retries: 0,
      quarantinedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });

    const ready = await fetch(`${c.url}/readyz`);
    expect(ready.status).toBe(200);
    const body = await ready.json();
    expect(body.problems).toEqual([]);
    expect(body.warnings).toEqual([
      `5 rows the store refused (4 spans, 1 log records) wait in ${join(c.dataDir, 'quarantine')}: fntrace quarantine list`,
    ]);
    expect(body.quarantine).toEqual({ entries: 5, rows: 5 });
    const metrics = await (await fetch(`${c.url}/metrics`)).text();
    expect(metrics).toContain('fntrace_quarantined_items_total{signal="traces"} 4');
    expect(metrics).toContain('fntrace_quarantined_items_total{signal="logs"} 1');
    expect(metrics).toContain('fntrace_quarantine_rows{signal="traces"} 4');
    // refused rows are not a storage outage: nothing was retried
    expect(metrics).not.toMatch(/fntrace_storage_errors_total\{signal="(traces|logs)"\} [1-9]/);
  }, 90_000);

  it('stores each row once when isolating is cut short by a storage failure and starts again', async () => {
    const service = 'quarantine-cut-short';
    const lines = [1, 2, 3, 4, 5, 6, 7, 8].map((i) => spanLine(service, 100 + i));
    lines[2] = POISON.negativeDuration(service, 103);
    lines[6] = POISON.negativeDuration(service, 107);
    const path = join(c.dataDir, 'cut-short.jsonl');
    writeFileSync(path, lines.map((l) => `${l}\n`).join(''));
    const { store, writer } = c.server.parts();
    const segment = { name: 'cut-short', path, signal: 'traces' as const, bytes: 1, token: 'cut-short-0001' };
    const failure = classifyInsertError(
      await writer.insert(segment).then(
        () => undefined,
        (err) => err,
      ),
    );
    expect(failure).toMatchObject({ kind: 'deterministic', inView: false, name: 'CANNOT_PARSE_NUMBER' });

    const work = tempDir('fntrace-cut-short-');
    const insert = (part: readonly Line[], token: string) =>
      insertRows(store, 'traces', { text: Buffer.from(part.map((l) => `${l.text}\n`).join('')), workDir: work }, token);
    const batch = { lines: splitLines(readFileSync(path)), token: segment.token, segmentToken: segment.token };
    // the store goes away after two inserts: a transient error ends the pass
    let inserts = 0;
    const failing = async (part: readonly Line[], token: string) => {
      if (++inserts === 3)
        await store.client.command({ query: 'ALTER TABLE fntrace.otel_traces ADD CONSTRAINT gone CHECK 0' });
      await insert(part, token);
    };
    await expect(isolate('traces', batch, failure, failing)).rejects.toMatchObject({ type: 'VIOLATED_CONSTRAINT' });
    await store.client.command({ query: 'ALTER TABLE fntrace.otel_traces DROP CONSTRAINT gone' });
    expect(Object.keys(await stored(service)).length).toBeGreaterThan(0);

    // the next pass stores the rest, and what the first pass stored is not stored again
    const again = await isolate('traces', batch, failure, insert);
    expect(again.refused.map((r) => [r.lines.map((l) => l.n), r.stage])).toEqual([
      [[3], 'refused'],
      [[7], 'refused'],
    ]);
    const good = [101, 102, 104, 105, 106, 108];
    expect(await stored(service)).toEqual(once(good.map(spanIdOf)));
    expect(await summarised(good.map(traceIdOf))).toEqual(once(good.map(traceIdOf)));
  }, 60_000);

  it('completes the views once for a segment a view refused under an earlier version, whose rows the table took', async () => {
    const service = 'quarantine-in-view';
    const lines = [1, 2, 3, 4].map((i) => spanLine(service, 200 + i));
    lines[1] = POISON.endOverflow(service, 202);
    const path = join(c.dataDir, 'in-view.jsonl');
    writeFileSync(path, lines.map((l) => `${l}\n`).join(''));
    const { store, writer } = c.server.parts();
    const segment = { name: 'in-view', path, signal: 'traces' as const, bytes: 1, token: 'in-view-0001' };
    // what every attempt of the earlier version did: the table takes the block, the summary view overflows
    const failure = classifyInsertError(
      await writer.insert(segment).then(
        () => undefined,
        (err) => err,
      ),
    );
    expect(failure).toMatchObject({ kind: 'deterministic', inView: true, name: 'DECIMAL_OVERFLOW' });
    expect(Object.keys(await stored(service))).toHaveLength(4);
    expect(await summarised([201, 203, 204].map(traceIdOf))).toEqual({});

    const work = tempDir('fntrace-in-view-');
    const insert = (part: readonly Line[], token: string) =>
      insertRows(store, 'traces', { text: Buffer.from(part.map((l) => `${l.text}\n`).join('')), workDir: work }, token);
    const batch = { lines: splitLines(readFileSync(path)), token: segment.token, segmentToken: segment.token };
    const result = await isolate('traces', batch, failure, insert);
    expect(result.refused.map((r) => [r.lines.map((l) => l.n), r.stage])).toEqual([[[2], 'screened']]);
    // each good row once in the table, and now in the views
    const good = [201, 203, 204];
    expect(await stored(service)).toMatchObject(once(good.map(spanIdOf)));
    expect(await summarised(good.map(traceIdOf))).toEqual(once(good.map(traceIdOf)));
  }, 60_000);
});
