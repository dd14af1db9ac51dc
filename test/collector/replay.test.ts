import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeTracesJson } from '../../collector/src/ingest/otlp-json.js';
import { load } from './fixtures.js';
import { useCollector } from './helpers.js';

// A spool segment stored before a crash and stored again after it (same token) is kept once —
// in otel_traces and in every table its materialized views fill.
const c = useCollector();

describe('segment replay', () => {
  it('counts a replayed segment once everywhere', async () => {
    const rows = decodeTracesJson(load('sqs-fan-in-3-producers').batches[0]).rows;
    const path = join(c.dataDir, 'replayed-segment.jsonl');
    writeFileSync(path, rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
    const segment = { name: 'replayed', path, signal: 'traces' as const, bytes: 1, token: 'replay-test-0001' };
    const { writer } = c.server.parts();
    await writer.insert(segment);
    await writer.insert(segment); // the replay
    const count = async (sql: string) => Number((await c.query<{ n: string }>(sql))[0]!.n);
    const consumer = "'d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4'";
    expect(await count(`SELECT count() AS n FROM fntrace.otel_traces WHERE TraceId = ${consumer}`)).toBe(4);
    expect(
      await count(`SELECT sum(SpanCount) AS n FROM fntrace.fntrace_trace_summary WHERE TraceId = ${consumer}`),
    ).toBe(4);
    expect(await count(`SELECT count() AS n FROM fntrace.fntrace_invocations WHERE TraceId = ${consumer}`)).toBe(1);
    expect(await count(`SELECT count() AS n FROM fntrace.fntrace_trace_edges WHERE ToTraceId = ${consumer}`)).toBe(3);
    expect(await count(`SELECT count() AS n FROM fntrace.fntrace_messages WHERE MessageId = 'm-1'`)).toBe(2);
    expect(await count(`SELECT count() AS n FROM fntrace.otel_traces_trace_id_ts WHERE TraceId = ${consumer}`)).toBe(1);
    // and an insert without a token afterwards is not mistaken for a duplicate
    await c.server.parts().store.client.command({
      query: `INSERT INTO fntrace.otel_traces (TraceId, SpanId, Timestamp, ServiceName) VALUES ('ab', 'cd', now64(9), 'after-replay'), ('ab', 'ce', now64(9), 'after-replay')`,
    });
    expect(await count(`SELECT count() AS n FROM fntrace.otel_traces WHERE ServiceName = 'after-replay'`)).toBe(2);
  });
});

describe('engine session', () => {
  it('holds the collector settings for every query: memory cap, quoted 64-bit integers, dedup into views, split reads', async () => {
    const [s] = await c.query(
      `SELECT getSetting('max_memory_usage') AS memory, getSetting('output_format_json_quote_64bit_integers') AS quoted,
         getSetting('deduplicate_blocks_in_dependent_materialized_views') AS views, toUInt64(1) AS one,
         getSetting('merge_tree_min_rows_for_concurrent_read') AS splitRows`,
    );
    expect(s).toEqual({ memory: 805306368, quoted: true, views: true, one: '1', splitRows: 16384 });
  });
});
