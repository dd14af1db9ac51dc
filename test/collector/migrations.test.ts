import { afterAll, describe, expect, it } from 'vitest';
import { resolveCollectorOptions } from '../../collector/src/config/options.js';
import { migrate } from '../../collector/src/schema.js';
import { openStore, type Store } from '../../collector/src/store/clickhouse.js';
import { schemaStatements } from '../../collector/src/store/schema.js';
import { TRACES_SORTING_KEY } from '../../collector/src/store/tables.js';
import { TRACE_VIEWS } from '../../collector/src/store/views.js';
import { useTempDir } from '../helpers/cleanup.js';

// Migration 4 changes otel_traces's sorting key, which ClickHouse cannot alter in place: a
// store made by an older version has its spans copied into a rebuilt table, and the views
// that fill the other tables must keep working on it — without counting the copied spans twice.
const data = useTempDir('fntrace-migrate-');
let store: Store;
afterAll(() => store?.close());

const rows = async <T>(query: string): Promise<T[]> =>
  (await (await store.client.query({ query, format: 'JSONEachRow' })).json()) as T[];

async function insertSpan(spanId: string, parent: string, invocation: string, offsetMs: number) {
  await store.client.command({
    query: `INSERT INTO fntrace.otel_traces (Timestamp, TraceId, SpanId, ParentSpanId, SpanName, SpanKind, ServiceName,
      ResourceAttributes, SpanAttributes, Duration, StatusCode)
      VALUES (now64(9) - INTERVAL ${offsetMs} MILLISECOND, '${'ab'.repeat(16)}', '${spanId}', '${parent}', 'GET /orders', 'Server',
      'orders-api', map('service.name', 'orders-api', 'faas.max_memory', '536870912'),
      map('faas.invocation_id', '${invocation}', 'faas.trigger', '${invocation ? 'http' : ''}', 'app.tenant.id', 'acme'),
      120000000, 'Unset')`,
  });
}

const summary = async () =>
  (
    await rows<{ spans: string; invocations: string }>(
      `SELECT toString(sum(SpanCount)) AS spans, toString(sum(Invocations)) AS invocations FROM fntrace.fntrace_trace_summary`,
    )
  )[0];

describe('schema migrations', () => {
  it('rebuilds an older otel_traces with the trace-ordered key, keeping spans and views', async () => {
    store = await openStore(resolveCollectorOptions({ data: data.path }));
    expect(await migrate(store, 30)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    const sortingKey = async () =>
      (
        await rows<{ k: string }>(
          "SELECT sorting_key AS k FROM system.tables WHERE database = 'fntrace' AND name = 'otel_traces'",
        )
      )[0]?.k;
    expect(await sortingKey()).toBe(TRACES_SORTING_KEY);

    // make the store what version 3 left: the exporter's key, views on that table, no migration 4
    await store.client.command({
      query: `CREATE TABLE fntrace.otel_traces_v3 AS fntrace.otel_traces ENGINE = MergeTree PARTITION BY toDate(Timestamp)
        ORDER BY (ServiceName, SpanName, toDateTime(Timestamp)) SETTINGS non_replicated_deduplication_window = 10000`,
    });
    await store.client.command({ query: 'EXCHANGE TABLES fntrace.otel_traces AND fntrace.otel_traces_v3' });
    await store.client.command({ query: 'DROP TABLE fntrace.otel_traces_v3' });
    await store.client.command({
      query: `CREATE TABLE fntrace.summary_v3 AS fntrace.fntrace_trace_summary ENGINE = AggregatingMergeTree
        PARTITION BY toStartOfWeek(Start) ORDER BY TraceId
        SETTINGS non_replicated_deduplication_window = 10000, allow_dimensions_outside_sorting_key = 1`,
    });
    await store.client.command({ query: 'ALTER TABLE fntrace.summary_v3 DROP COLUMN Bucket' });
    await store.client.command({ query: 'EXCHANGE TABLES fntrace.fntrace_trace_summary AND fntrace.summary_v3' });
    await store.client.command({ query: 'DROP TABLE fntrace.summary_v3' });
    for (const v of TRACE_VIEWS) await store.client.command({ query: `DROP VIEW fntrace.${v}` });
    for (const s of schemaStatements({ database: 'fntrace', cluster: '', retentionDays: 30 })) {
      if (s.startsWith('CREATE MATERIALIZED VIEW')) await store.client.command({ query: s });
    }
    await store.client.command({
      query: 'DELETE FROM fntrace.fntrace_schema_migrations WHERE version >= 4',
    });
    expect(await sortingKey()).toBe('ServiceName, SpanName, toDateTime(Timestamp)');

    await insertSpan('0000000000000001', '', 'inv-1', 50);
    await insertSpan('0000000000000002', '0000000000000001', '', 40);
    const [before] = await rows<{ ingested: string }>(
      'SELECT toString(min(IngestedAt)) AS ingested FROM fntrace.otel_traces',
    );
    expect(await summary()).toEqual({ spans: '2', invocations: '1' });

    const logged: string[] = [];
    expect(await migrate(store, 30, (m) => logged.push(m))).toEqual([4, 5, 6, 7, 8, 9, 10, 11]);
    expect(logged.join('\n')).toContain(
      'rebuilding otel_traces with sorting key (toStartOfTenMinutes(Timestamp), TraceId): copying 2 rows',
    );
    expect(logged.join('\n')).toContain(
      'rebuilding fntrace_trace_summary with sorting key (Bucket, TraceId): copying 2 rows',
    );
    expect(await sortingKey()).toBe(TRACES_SORTING_KEY);
    const [summaryKey] = await rows<{ k: string; b: string }>(
      "SELECT sorting_key AS k FROM system.tables WHERE database = 'fntrace' AND name = 'fntrace_trace_summary'",
    );
    expect(summaryKey!.k).toBe('Bucket, TraceId');
    const after = await rows<{ SpanId: string; tenant: string; invocation: string; ingested: string }>(
      `SELECT SpanId, SpanAttributes['app.tenant.id'] AS tenant, FaasInvocationId AS invocation, toString(IngestedAt) AS ingested
       FROM fntrace.otel_traces ORDER BY SpanId`,
    );
    expect(after.map((r) => [r.SpanId, r.tenant, r.invocation])).toEqual([
      ['0000000000000001', 'acme', 'inv-1'],
      ['0000000000000002', 'acme', ''],
    ]);
    expect(after[0]!.ingested).toBe(before!.ingested);
    // the copy did not go through the views again
    expect(await summary()).toEqual({ spans: '2', invocations: '1' });
    const tables = await rows<{ name: string }>(
      "SELECT name FROM system.tables WHERE database = 'fntrace' AND name LIKE 'otel_traces%'",
    );
    expect(tables.map((t) => t.name).sort()).toEqual([
      'otel_traces',
      'otel_traces_trace_id_ts',
      'otel_traces_trace_id_ts_mv',
    ]);

    // spans stored after the rebuild reach the views
    await insertSpan('0000000000000003', '', 'inv-2', 10);
    expect(await summary()).toEqual({ spans: '3', invocations: '2' });
    const [invocations] = await rows<{ n: string }>('SELECT toString(count()) AS n FROM fntrace.fntrace_invocations');
    expect(invocations!.n).toBe('2');
    expect(await migrate(store, 30)).toEqual([]);

    // migrations 6, 7 and 8 on a table made before them: the block size and merge settings, in place
    const setting = async (name: string) =>
      (
        await rows<{ e: string }>(
          "SELECT engine_full AS e FROM system.tables WHERE database = 'fntrace' AND name = 'otel_traces'",
        )
      )[0]!.e.match(new RegExp(`${name} = \\d+`))?.[0];
    expect(await setting('min_compress_block_size')).toBe('min_compress_block_size = 16384');
    expect(await setting('merge_selector_base')).toBe('merge_selector_base = 10');
    expect(await setting('merge_max_block_size')).toBe('merge_max_block_size = 2048');
    await store.client.command({
      query:
        'ALTER TABLE fntrace.otel_traces MODIFY SETTING min_compress_block_size = 65536, merge_selector_base = 5, merge_max_block_size = 8192',
    });
    // (the store runs what is newer than its newest migration: 9 to 11 go too, and find nothing to do)
    await store.client.command({
      query: 'DELETE FROM fntrace.fntrace_schema_migrations WHERE version IN (6, 7, 8, 9, 10, 11)',
    });
    expect(await migrate(store, 30)).toEqual([6, 7, 8, 9, 10, 11]);
    expect(await setting('min_compress_block_size')).toBe('min_compress_block_size = 16384');
    expect(await setting('merge_selector_base')).toBe('merge_selector_base = 10');
    expect(await setting('merge_max_block_size')).toBe('merge_max_block_size = 2048');
  }, 120_000);

  it('turns map buckets on and off for otel_traces when --map-buckets changes', async () => {
    const engineFull = async () =>
      (
        await rows<{ e: string }>(
          "SELECT engine_full AS e FROM system.tables WHERE database = 'fntrace' AND name = 'otel_traces'",
        )
      )[0]!.e;
    expect(await engineFull()).not.toContain('with_buckets');
    const logged: string[] = [];
    await migrate(store, 30, (m) => logged.push(m), { mapBuckets: true });
    expect(await engineFull()).toContain("map_serialization_version = 'with_buckets'");
    expect(logged).toEqual(['otel_traces: map buckets on for parts written from now on']);
    // merged parts take the layout; what was stored reads back the same
    await insertSpan('0000000000000004', '', 'inv-3', 5);
    await store.client.command({ query: 'OPTIMIZE TABLE fntrace.otel_traces FINAL' });
    const [tenants] = await rows<{ n: string }>(
      "SELECT toString(countIf(SpanAttributes['app.tenant.id'] = 'acme')) AS n FROM fntrace.otel_traces",
    );
    expect(tenants!.n).toBe('4');
    await migrate(store, 30, (m) => logged.push(m), { mapBuckets: true });
    expect(logged).toHaveLength(1);
    await migrate(store, 30, (m) => logged.push(m));
    expect(await engineFull()).toContain("map_serialization_version = 'basic'");
    expect(logged[1]).toBe('otel_traces: map buckets off for parts written from now on');
  }, 60_000);

  it('adds the environment numbering and dropped counts to an older fntrace_invocations and its view (migrations 9, 10)', async () => {
    // Prepare: the store as version 8 left it — no such columns, a view that does not fill them
    const view = schemaStatements({ database: 'fntrace', cluster: '', retentionDays: 30 }).find((s) =>
      s.includes('`fntrace_invocations_mv`'),
    )!;
    const older = view.replace(/,\s*SpanAttributes\['fntrace\.environment\.id'\][\s\S]*?AS SdkDroppedLogRecords/, '');
    expect(older).not.toContain('Environment');
    await store.client.command({ query: 'DROP VIEW fntrace.fntrace_invocations_mv' });
    await store.client.command({
      query:
        'ALTER TABLE fntrace.fntrace_invocations DROP COLUMN EnvironmentId, DROP COLUMN EnvironmentSequence, DROP COLUMN SdkDroppedSpans, DROP COLUMN SdkDroppedLogRecords',
    });
    await store.client.command({ query: older });
    await store.client.command({ query: 'DELETE FROM fntrace.fntrace_schema_migrations WHERE version >= 9' });

    // Act
    const logged: string[] = [];
    expect(await migrate(store, 30, (m) => logged.push(m))).toEqual([9, 10, 11]);
    await store.client.command({
      query: `INSERT INTO fntrace.otel_traces (Timestamp, TraceId, SpanId, SpanName, SpanKind, ServiceName, SpanAttributes, Duration, StatusCode)
        VALUES (now64(9), '${'cd'.repeat(16)}', '0000000000000009', 'GET /orders', 'Server', 'orders-api',
        map('faas.invocation_id', 'inv-9', 'faas.trigger', 'http', 'fntrace.environment.id', '0123456789abcdef',
          'fntrace.environment.sequence', '7', 'fntrace.sdk.dropped_spans', '3'), 1000000, 'Unset')`,
    });

    // Assess: the invocation stored from now on has its environment and number; older ones none
    const numbered = await rows<{ InvocationId: string; EnvironmentId: string; n: string; d: string }>(
      `SELECT InvocationId, EnvironmentId, toString(EnvironmentSequence) AS n, toString(SdkDroppedSpans) AS d
       FROM fntrace.fntrace_invocations ORDER BY InvocationId`,
    );
    expect(numbered.map((r) => [r.InvocationId, r.EnvironmentId, r.n, r.d])).toEqual([
      ['inv-1', '', '0', '0'],
      ['inv-2', '', '0', '0'],
      ['inv-3', '', '0', '0'],
      ['inv-9', '0123456789abcdef', '7', '3'],
    ]);
    // made again once, when the table had every column (migration 10)
    expect(logged).toEqual(['fntrace_invocations: the items SDKs report dropped stored from now on']);
    expect(await migrate(store, 30)).toEqual([]);
  }, 60_000);

  it('gives an older otel_traces SampleWeight, 1 for the spans it holds (migration 11)', async () => {
    await store.client.command({ query: 'ALTER TABLE fntrace.otel_traces DROP COLUMN SampleWeight' });
    await store.client.command({ query: 'DELETE FROM fntrace.fntrace_schema_migrations WHERE version = 11' });
    expect(await migrate(store, 30)).toEqual([11]);
    const weights = await rows<{ w: string; n: string }>(
      'SELECT toString(SampleWeight) AS w, toString(count()) AS n FROM fntrace.otel_traces GROUP BY w',
    );
    expect(weights).toHaveLength(1);
    expect(weights[0]!.w).toBe('1');
    expect(Number(weights[0]!.n)).toBeGreaterThan(0);
  });
});
