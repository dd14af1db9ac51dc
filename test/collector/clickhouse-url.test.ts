import { join } from 'node:path';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertRows } from '../../collector/src/store/insert.js';
import { Quarantine } from '../../collector/src/store/quarantine.js';
import { tempDir } from '../helpers/cleanup.js';
import { type ClickHouseHttp, startClickHouseHttp } from '../helpers/clickhouse-http.js';
import { api } from './fixtures.js';
import { useCollector } from './helpers.js';
import { POISON, spanIdOf, spanLine, traceIdOf, writeSegment } from './spool-rows.js';

// The --clickhouse-url path, the one every production user takes: the collector's HTTP client
// against a server speaking ClickHouse's HTTP interface in front of the real engine
// (test/helpers/clickhouse-http.ts). Schema, streamed segment inserts with their deduplication
// tokens, the query API, retries on a reset connection and on 503, and a refused insert.
let clickhouse: ClickHouseHttp;
const options: Record<string, unknown> = {};
beforeAll(async () => {
  clickhouse = await startClickHouseHttp();
  options.clickhouseUrl = clickhouse.url;
});
// a segment an earlier version spooled, with a row the store refuses: stored at start-up
const c = useCollector(options, {}, (dataDir) => {
  writeSegment(dataDir, 1, 'traces', [
    spanLine('refused-server', 1),
    POISON.endOverflow('refused-server', 2),
    spanLine('refused-server', 3),
  ]);
});
afterAll(async () => {
  await clickhouse?.close();
});

async function export_(service: string, names: string[]): Promise<void> {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service }),
    spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${c.url}/v1/traces` }))],
  });
  const tracer = provider.getTracer('clickhouse-url-test');
  for (const name of names) tracer.startSpan(name).end();
  await provider.forceFlush();
  await provider.shutdown();
}

const storedNames = async (service: string) =>
  (
    await c.query<{ SpanName: string }>(
      'SELECT SpanName FROM fntrace.otel_traces WHERE ServiceName = {s:String} ORDER BY SpanName',
      { s: service },
    )
  ).map((r) => r.SpanName);

describe('the collector on a ClickHouse server (--clickhouse-url)', () => {
  it('creates its schema on the server and records the migrations', async () => {
    const tables = (await c.query<{ name: string }>("SELECT name FROM system.tables WHERE database = 'fntrace'")).map(
      (t) => t.name,
    );
    for (const t of ['otel_traces', 'otel_logs', 'fntrace_trace_summary', 'fntrace_invocations', 'fntrace_messages'])
      expect(tables).toContain(t);
    const [migrations] = await c.query<{ n: string }>('SELECT count() AS n FROM fntrace.fntrace_schema_migrations');
    expect(Number(migrations!.n)).toBeGreaterThan(0);
    expect(clickhouse.requests.some((r) => r.sql.startsWith('CREATE TABLE'))).toBe(true);
  });

  it('streams spool segments in as INSERT bodies and answers the query API from the server', async () => {
    await export_('via-server', ['checkout', 'charge']);
    await c.drained();
    expect(await storedNames('via-server')).toEqual(['charge', 'checkout']);
    const inserts = clickhouse.requests.filter((r) => r.sql.startsWith('INSERT INTO `fntrace`.`otel_traces`'));
    expect(inserts.filter((r) => r.status === 200).length).toBeGreaterThan(0);
    expect(inserts.every((r) => r.sql.endsWith('FORMAT JSONEachRow'))).toBe(true);
    const { traces } = await api(c.url, '/api/traces?service=via-server');
    expect(traces).toHaveLength(2);
    const view = await api(c.url, `/api/traces/${traces[0].traceId}`);
    expect(view.spans[0].service).toBe('via-server');
  });

  it('stores a segment sent twice with its token once', async () => {
    const text = Buffer.from(`${[1, 2, 3].map((i) => spanLine('dedup-server', i)).join('\n')}\n`);
    const { store } = c.server.parts();
    const workDir = tempDir('fntrace-dedup-');
    await insertRows(store, 'traces', { text, workDir }, 'dedup-server-token-1');
    await insertRows(store, 'traces', { text, workDir }, 'dedup-server-token-1');
    expect(await storedNames('dedup-server')).toEqual(['op-1', 'op-2', 'op-3']);
  });

  it('retries through a reset connection and a 503, then stores what was acknowledged, once', async () => {
    clickhouse.fail(2, 'reset');
    await export_('through-resets', ['a']);
    await c.drained(30_000);
    clickhouse.fail(2, '503');
    await export_('through-503', ['b']);
    await c.drained(30_000);
    expect(await storedNames('through-resets')).toEqual(['a']);
    expect(await storedNames('through-503')).toEqual(['b']);
    expect(clickhouse.requests.filter((r) => r.status === 0 || r.status === 503)).toHaveLength(4);
    const metrics = await (await fetch(`${c.url}/metrics`)).text();
    expect(metrics).toMatch(/fntrace_storage_errors_total\{[^}]*\} [1-9]/);
    expect((await fetch(`${c.url}/readyz`)).status).toBe(200);
  });

  it('quarantines the rows the server refuses and stores the others', async () => {
    await c.drained();
    // the good rows are stored and summarised; row 2, which a view refused after the table took
    // the block (inserts are not atomic across views), waits in the quarantine for a retry
    const summarised = (
      await c.query<{ TraceId: string }>(
        'SELECT DISTINCT TraceId FROM fntrace.fntrace_trace_summary WHERE TraceId IN {ids:Array(String)}',
        { ids: [traceIdOf(1), traceIdOf(2), traceIdOf(3)] },
      )
    ).map((r) => r.TraceId);
    expect(summarised).toEqual(expect.arrayContaining([traceIdOf(1), traceIdOf(3)]));
    const stored = (
      await c.query<{ SpanId: string }>('SELECT SpanId FROM fntrace.otel_traces WHERE ServiceName = {s:String}', {
        s: 'refused-server',
      })
    ).map((r) => r.SpanId);
    expect(stored).toContain(spanIdOf(1));
    expect(stored).toContain(spanIdOf(3));
    const entries = await new Quarantine(join(c.dataDir, 'quarantine')).list();
    expect(entries.map((e) => [e.rows, e.error])).toEqual([[1, expect.stringContaining('DECIMAL_OVERFLOW')]]);
    const ready = await (await fetch(`${c.url}/readyz`)).json();
    expect(JSON.stringify(ready.warnings)).toMatch(/quarantine/i);
    expect(clickhouse.requests.some((r) => r.status === 500)).toBe(true);
  });
});
