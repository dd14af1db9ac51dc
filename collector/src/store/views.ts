import { billingSql, DEFAULT_PRICES, pricesComment } from './prices.js';
import type { SchemaOptions } from './schema.js';
import { STAGING_TABLE } from './tables.js';

/**
 * The materialized views that fill fntrace's tables from `otel_traces` as spans are inserted:
 * the trace id index, invocations (priced), the trace summary (priced), trace edges (span
 * links) and the message index. Stitching that needs a whole trace happens at read time from
 * these (DESIGN.md, "Stitching happens where it scales").
 */

/**
 * Tables filled by materialized views from `otel_traces`: they need their own dedup window, or a
 * spool segment replayed after a crash is dropped from `otel_traces` but counted again in them.
 */
export const VIEW_TARGETS = [
  'otel_traces_trace_id_ts',
  'fntrace_invocations',
  'fntrace_trace_summary',
  'fntrace_trace_edges',
  'fntrace_messages',
];

/** The names of the materialized views that read `otel_traces` (on a cluster, their `_local` names). */
export const TRACE_VIEWS = [
  'otel_traces_trace_id_ts_mv',
  'fntrace_invocations_mv',
  'fntrace_trace_summary_mv',
  'fntrace_trace_edges_mv',
  'fntrace_messages_mv',
];

/** `CREATE MATERIALIZED VIEW` statements of the schema. */
export function viewStatements(o: SchemaOptions): string[] {
  const db = q(o.database);
  const onCluster = o.cluster ? ` ON CLUSTER ${q(o.cluster)}` : '';
  const local = (name: string) => (o.cluster ? `${name}_local` : name);
  const out: string[] = [];
  const { src, attr, invocations, summary } = viewSelects(o);
  const to = (name: string) => `${db}.${q(local(name))}`;
  const view = (name: string, target: string, select: string, comment?: string) =>
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.${q(local(name))}${onCluster} TO ${to(target)} AS ${select}${comment ? ` COMMENT '${comment}'` : ''}`;
  const priced = pricesComment(o.prices ?? DEFAULT_PRICES);

  out.push(
    view(
      'otel_traces_trace_id_ts_mv',
      'otel_traces_trace_id_ts',
      `SELECT TraceId, min(Timestamp) AS Start, max(Timestamp) AS End FROM ${src} WHERE TraceId != '' GROUP BY TraceId`,
    ),
    view('fntrace_invocations_mv', 'fntrace_invocations', invocations, priced),
    view('fntrace_trace_summary_mv', 'fntrace_trace_summary', summary, priced),
    view(
      'fntrace_trace_edges_mv',
      'fntrace_trace_edges',
      `SELECT Timestamp, LinkTraceId AS FromTraceId, LinkSpanId AS FromSpanId, TraceId AS ToTraceId, SpanId AS ToSpanId,
    LinkAttributes['fntrace.link.type'] AS LinkType
  FROM ${src} ARRAY JOIN Links.TraceId AS LinkTraceId, Links.SpanId AS LinkSpanId, Links.Attributes AS LinkAttributes
  WHERE LinkTraceId != ''`,
    ),
    view(
      'fntrace_messages_mv',
      'fntrace_messages',
      `SELECT ${attr('messaging.message.id')} AS MessageId, Timestamp, addNanoseconds(Timestamp, Duration) AS EndTimestamp,
    TraceId, SpanId, SpanKind, ServiceName, ${attr('messaging.system')} AS System,
    ${attr('messaging.destination.name')} AS Destination
  FROM ${src} WHERE ${attr('messaging.message.id')} != '' AND SpanKind IN ('Producer', 'Consumer')`,
    ),
  );
  return out;
}

const q = (name: string) => `\`${name}\``;

/**
 * The SELECTs of the views that are not plain copies of span fields: the invocations and the
 * trace summary, which price invocations with `o.prices` (prices.ts). Made with the table at
 * creation, and changed in place when the table changes (migrations.ts, applyPrices).
 */
export function viewSelects(o: SchemaOptions) {
  const local = (name: string) => (o.cluster ? `${name}_local` : name);
  // with --tail-sampling every span is counted from the staging table, before any is dropped
  const src = `${q(o.database)}.${q(local(o.tailSampling ? STAGING_TABLE : 'otel_traces'))}`;
  const attr = (k: string) => `SpanAttributes['${k}']`;
  const res = (k: string) => `ResourceAttributes['${k}']`;
  const either = (k: string) => `if(${attr(k)} != '', ${attr(k)}, ${res(k)})`;
  const isInvocation = `${attr('faas.invocation_id')} != '' AND ${attr('faas.trigger')} != ''`;
  const memoryMb = `intDiv(toUInt64OrZero(${either('faas.max_memory')}), 1048576)`;
  const { billedMs, cost } = billingSql(o.prices ?? DEFAULT_PRICES, {
    provider: either('cloud.provider'),
    arch: either('host.arch'),
    memoryMb,
  });
  const invocations = `SELECT Timestamp, TraceId, SpanId, ServiceName,
    ${either('faas.name')} AS FunctionName, ${either('faas.version')} AS FunctionVersion,
    ${either('faas.instance')} AS Instance, ${attr('faas.invocation_id')} AS InvocationId,
    ${attr('faas.trigger')} AS Trigger, ${attr('fntrace.trigger')} AS TriggerSource,
    ${either('cloud.provider')} AS Provider, ${either('cloud.region')} AS Region,
    ${attr('faas.coldstart')} = 'true' AS ColdStart, toFloat64OrZero(${attr('fntrace.init_duration_ms')}) AS InitDurationMs,
    Duration AS DurationNs, ${billedMs} AS BilledDurationMs, ${memoryMb} AS MemoryMB,
    ${cost} AS EstimatedCostUsd,
    multiIf(${attr('fntrace.timeout')} = 'true', 'timeout', StatusCode = 'Error', 'error', 'ok') AS Outcome,
    ${attr('fntrace.correlation_id')} AS CorrelationId,
    ${attr('fntrace.environment.id')} AS EnvironmentId,
    toUInt64OrZero(${attr('fntrace.environment.sequence')}) AS EnvironmentSequence,
    toUInt64OrZero(${attr('fntrace.sdk.dropped_spans')}) AS SdkDroppedSpans,
    toUInt64OrZero(${attr('fntrace.sdk.dropped_log_records')}) AS SdkDroppedLogRecords
  FROM ${src} WHERE ${isInvocation}`;
  const summary = `SELECT TraceId, min(Timestamp) AS Start, max(addNanoseconds(Timestamp, Duration)) AS End,
    count() AS SpanCount, countIf(StatusCode = 'Error') AS ErrorCount, groupUniqArray(ServiceName) AS Services,
    max(if(ParentSpanId = '', ServiceName, '')) AS RootServiceName, max(if(ParentSpanId = '', SpanName, '')) AS RootSpanName,
    countIf(${isInvocation}) AS Invocations, countIf(${isInvocation} AND ${attr('faas.coldstart')} = 'true') AS ColdStarts,
    sumIf(${cost}, ${isInvocation}) AS CostUsd
  FROM ${src} WHERE TraceId != '' GROUP BY TraceId`;
  return { src, attr, invocations, summary };
}

/** The views viewSelects prices, with their SELECT in it. */
export const PRICED_VIEWS = { fntrace_invocations_mv: 'invocations', fntrace_trace_summary_mv: 'summary' } as const;
