import type { StoredSpan } from '../stitch/span-model.js';
import type { Store } from '../store/clickhouse.js';
import type { ColumnName, RowOf, SPAN_TABLE } from '../store/columns.js';

/**
 * Reading spans back. A trace's time range comes first from `otel_traces_trace_id_ts`
 * (one row per trace), so the span query touches only the partitions that hold it.
 */

type SpanColumn = ColumnName<typeof SPAN_TABLE>;

/** The columns of `otel_traces` (columns.ts) a trace view reads as they are stored. */
const AS_STORED = [
  'TraceId',
  'SpanId',
  'ParentSpanId',
  'SpanName',
  'SpanKind',
  'ServiceName',
  'SpanAttributes',
  'ResourceAttributes',
  'ScopeName',
  'ScopeVersion',
  'StatusCode',
  'StatusMessage',
  'Events.Name',
  'Events.Attributes',
  'Links.TraceId',
  'Links.SpanId',
  'Links.Attributes',
] as const satisfies readonly SpanColumn[];

/** The columns it reads in another form: times as exact nanoseconds, in decimal text. */
const AS_TEXT = {
  startNs: ['Timestamp', 'toString(toUnixTimestamp64Nano(Timestamp))'],
  durationNs: ['Duration', 'toString(Duration)'],
  eventTimes: ['Events.Timestamp', 'arrayMap(t -> toString(toUnixTimestamp64Nano(t)), `Events.Timestamp`)'],
} as const satisfies Record<string, readonly [SpanColumn, string]>;

const SPAN_SELECT = [
  ...AS_STORED.map((name) => `\`${name}\``),
  ...Object.entries(AS_TEXT).map(([alias, [, sql]]) => `${sql} AS ${alias}`),
].join(', ');

/** A span as the query answers it: the stored columns in their spool forms (the same JSON forms). */
type SpanRow = Pick<RowOf<typeof SPAN_TABLE>, (typeof AS_STORED)[number]> & {
  [A in keyof typeof AS_TEXT]: RowOf<typeof SPAN_TABLE>[(typeof AS_TEXT)[A][0]];
};

export function toStoredSpan(r: SpanRow): StoredSpan {
  return {
    traceId: r.TraceId,
    spanId: r.SpanId,
    parentSpanId: r.ParentSpanId,
    name: r.SpanName,
    kind: r.SpanKind,
    service: r.ServiceName,
    startNs: BigInt(r.startNs),
    durationNs: BigInt(r.durationNs),
    attributes: r.SpanAttributes,
    resource: r.ResourceAttributes,
    scope: { name: r.ScopeName, version: r.ScopeVersion },
    statusCode: r.StatusCode,
    statusMessage: r.StatusMessage,
    events: r['Events.Name'].map((name, i) => ({
      timeNs: BigInt(r.eventTimes[i] ?? '0'),
      name,
      attributes: r['Events.Attributes'][i] ?? {},
    })),
    links: r['Links.TraceId'].map((traceId, i) => ({
      traceId,
      spanId: r['Links.SpanId'][i] ?? '',
      attributes: r['Links.Attributes'][i] ?? {},
    })),
  };
}

export async function queryRows<T>(store: Store, query: string, params: Record<string, unknown> = {}): Promise<T[]> {
  const rs = await store.client.query({ query, query_params: params, format: 'JSONEachRow' });
  return (await rs.json()) as T[];
}

/** The [start, end] of the traces (seconds resolution, widened by a second), or undefined when unknown. */
export async function traceWindow(
  store: Store,
  traceIds: string[],
): Promise<{ start: string; end: string } | undefined> {
  const db = `\`${store.database}\``;
  const [row] = await queryRows<{ start: string; end: string; n: string }>(
    store,
    `SELECT toString(toUnixTimestamp(min(Start)) - 1) AS start, toString(toUnixTimestamp(max(End)) + 2) AS end, count() AS n
     FROM ${db}.otel_traces_trace_id_ts WHERE TraceId IN {ids:Array(String)}`,
    { ids: traceIds },
  );
  if (!row || row.n === '0') return undefined;
  return { start: row.start, end: row.end };
}

export async function loadTraceSpans(store: Store, traceId: string): Promise<StoredSpan[]> {
  const db = `\`${store.database}\``;
  // One round trip: the trace's window from otel_traces_trace_id_ts as a scalar subquery
  // (evaluated first, so the primary key narrows the read to the granules of that window),
  // then its spans. No row there: the window is empty and so is the answer.
  const read = (table: string) =>
    queryRows<SpanRow>(
      store,
      `WITH (SELECT (toUnixTimestamp(min(Start)) - 1, toUnixTimestamp(max(End)) + 2)
             FROM ${db}.otel_traces_trace_id_ts WHERE TraceId = {traceId:String}) AS window
     SELECT ${SPAN_SELECT} FROM ${db}.${table}
     WHERE TraceId = {traceId:String}
       AND Timestamp >= toDateTime64(window.1, 9) AND Timestamp <= toDateTime64(window.2, 9)
     LIMIT 1 BY SpanId
     LIMIT 100000`,
      { traceId },
    );
  let rows = await read('otel_traces');
  // with --tail-sampling, a trace not decided yet or sampled out is read from the staging table
  // while the hold keeps it (GET /api/traces/:traceId/sampling says which)
  if (rows.length === 0 && store.spansTable) rows = await read(store.spansTable);
  return rows.map(toStoredSpan);
}

/** The span attributes the clock-skew correction reads (span-model.ts: instanceOf, invocationIdOf). */
const CLOCK_KEYS = ['faas.instance', 'faas.invocation_id'] as const;
const CLOCK_RESOURCE_KEYS = ['faas.instance', 'service.instance.id'] as const;

/**
 * The spans of several traces with only what the clock-skew correction reads (ids, kind,
 * service, times, the instance and invocation attributes): cheap enough to correct a page of
 * search results. At most `maxSpans` rows in all.
 */
export async function loadClockSpans(store: Store, traceIds: string[], maxSpans: number): Promise<StoredSpan[]> {
  if (traceIds.length === 0) return [];
  const db = `\`${store.database}\``;
  const pick = (column: string, keys: readonly string[]) =>
    `mapFilter((k, v) -> v != '' AND k IN (${keys.map((k) => `'${k}'`).join(', ')}), \`${column}\`)`;
  const rows = await queryRows<{
    TraceId: string;
    SpanId: string;
    ParentSpanId: string;
    SpanKind: string;
    ServiceName: string;
    startNs: string;
    durationNs: string;
    attributes: Record<string, string>;
    resource: Record<string, string>;
  }>(
    store,
    `WITH (SELECT (toUnixTimestamp(min(Start)) - 1, toUnixTimestamp(max(End)) + 2)
             FROM ${db}.otel_traces_trace_id_ts WHERE TraceId IN {ids:Array(String)}) AS window
     SELECT TraceId, SpanId, ParentSpanId, SpanKind, ServiceName,
       ${AS_TEXT.startNs[1]} AS startNs, ${AS_TEXT.durationNs[1]} AS durationNs,
       ${pick('SpanAttributes', CLOCK_KEYS)} AS attributes, ${pick('ResourceAttributes', CLOCK_RESOURCE_KEYS)} AS resource
     FROM ${db}.otel_traces
     WHERE TraceId IN {ids:Array(String)}
       AND Timestamp >= toDateTime64(window.1, 9) AND Timestamp <= toDateTime64(window.2, 9)
     LIMIT 1 BY TraceId, SpanId
     LIMIT {max:UInt32}`,
    { ids: traceIds, max: maxSpans },
  );
  return rows.map((r) => ({
    traceId: r.TraceId,
    spanId: r.SpanId,
    parentSpanId: r.ParentSpanId,
    name: '',
    kind: r.SpanKind,
    service: r.ServiceName,
    startNs: BigInt(r.startNs),
    durationNs: BigInt(r.durationNs),
    attributes: r.attributes,
    resource: r.resource,
    scope: { name: '', version: '' },
    statusCode: '',
    statusMessage: '',
    events: [],
    links: [],
  }));
}
