// The exporter-schema side of the query bench: what a user of the OpenTelemetry Collector
// ClickHouse exporter's default tables (or Grafana's ClickHouse data source on them) runs
// for each API call fntrace answers. Same client, same engine, bound parameters.

const rows = async (client, query, query_params) =>
  (await client.query({ query, query_params, format: 'JSONEachRow' })).json();

/**
 * A trace by id as Grafana's ClickHouse data source reads it from the exporter's tables: the
 * trace's time range from `otel_traces_trace_id_ts` (scalar subqueries), then every column
 * of its spans in that range.
 */
export function exporterTraceById(client, db, traceId) {
  return rows(
    client,
    `WITH {traceId:String} AS trace_id,
       (SELECT min(Start) FROM ${db}.otel_traces_trace_id_ts WHERE TraceId = trace_id) AS trace_start,
       (SELECT max(End) + 1 FROM ${db}.otel_traces_trace_id_ts WHERE TraceId = trace_id) AS trace_end
     SELECT * FROM ${db}.otel_traces
     WHERE TraceId = trace_id AND Timestamp >= trace_start AND Timestamp <= trace_end`,
    { traceId },
  );
}

/** Traces with a span of `service` that failed and took at least `minDurationMs`, newest first. */
export function exporterSearch(client, db, { start, end, service, minDurationMs }) {
  return rows(
    client,
    `SELECT TraceId AS traceId, min(Timestamp) AS start, max(Duration) / 1e6 AS durationMs, count() AS spans,
       any(SpanName) AS operation
     FROM ${db}.otel_traces
     WHERE Timestamp >= {start:DateTime64(9)} AND Timestamp <= {end:DateTime64(9)}
       AND ServiceName = {service:String} AND StatusCode = 'Error' AND Duration >= {minDur:UInt64}
     GROUP BY TraceId ORDER BY start DESC LIMIT 20`,
    { start, end, service, minDur: Math.round(minDurationMs * 1e6) },
  );
}

/** The newest traces of a window, as the exporter's spans give them (no filter). */
export function exporterRecent(client, db, { start, end }) {
  return rows(
    client,
    `SELECT TraceId AS traceId, min(Timestamp) AS start, count() AS spans, any(ServiceName) AS service
     FROM ${db}.otel_traces
     WHERE Timestamp >= {start:DateTime64(9)} AND Timestamp <= {end:DateTime64(9)}
     GROUP BY TraceId ORDER BY start DESC LIMIT 20`,
    { start, end },
  );
}

/**
 * A duration-over-time scatter of the window from the spans: each trace's start and duration,
 * the 100 slowest and a hash sample of the rest, 1,000 in all (what tracePoints answers).
 */
export function exporterPoints(client, db, { start, end }) {
  return rows(
    client,
    `SELECT traceId, start, duration FROM (
       SELECT traceId, start, duration, row_number() OVER (ORDER BY duration DESC, traceId) AS slowRank
       FROM (
         SELECT TraceId AS traceId, min(Timestamp) AS start,
           toUnixTimestamp64Nano(max(addNanoseconds(Timestamp, Duration))) - toUnixTimestamp64Nano(min(Timestamp)) AS duration
         FROM ${db}.otel_traces
         WHERE Timestamp >= {start:DateTime64(9)} AND Timestamp <= {end:DateTime64(9)}
         GROUP BY TraceId
       )
     )
     ORDER BY slowRank <= 100 DESC, cityHash64(traceId) LIMIT 1000`,
    { start, end },
  );
}

/** Traces with a span whose attribute `key` is `value`, newest first. */
export function exporterAttrSearch(client, db, { start, end, key, value }) {
  return rows(
    client,
    `SELECT TraceId AS traceId, min(Timestamp) AS start, count() AS spans, any(ServiceName) AS service
     FROM ${db}.otel_traces
     WHERE Timestamp >= {start:DateTime64(9)} AND Timestamp <= {end:DateTime64(9)}
       AND SpanAttributes[{k:String}] = {v:String}
     GROUP BY TraceId ORDER BY start DESC LIMIT 20`,
    { start, end, k: key, v: value },
  );
}

/**
 * metrics.ts's `groupBy=function` figures computed from the spans themselves (the exporter
 * has no invocations table): invocation spans are those with faas.invocation_id and
 * faas.trigger, memory from the resource, cost as fntrace_invocations_mv computes it.
 */
export function exporterFunctionMetrics(client, db, { start, end, step }) {
  const attr = (k) => `SpanAttributes['${k}']`;
  const memoryMb = "intDiv(toUInt64OrZero(ResourceAttributes['faas.max_memory']), 1048576)";
  const billedMs = 'toUInt64(ceil(Duration / 1000000))';
  return rows(
    client,
    `SELECT ResourceAttributes['faas.name'] AS group,
       toUnixTimestamp(toStartOfInterval(Timestamp, toIntervalSecond({step:UInt32}))) AS t,
       count() AS count, countIf(StatusCode = 'Error') AS errors, quantiles(0.5, 0.95, 0.99)(Duration / 1e6) AS q,
       avg(${attr('faas.coldstart')} = 'true') AS coldStartRate,
       quantileIf(0.95)(toFloat64OrZero(${attr('fntrace.init_duration_ms')}), ${attr('faas.coldstart')} = 'true') AS initP95Ms,
       sum((${billedMs} / 1000) * (${memoryMb} / 1024) * 0.0000166667 + 0.0000002) AS costUsd
     FROM ${db}.otel_traces
     WHERE Timestamp >= {start:DateTime64(9)} AND Timestamp <= {end:DateTime64(9)}
       AND ${attr('faas.invocation_id')} != '' AND ${attr('faas.trigger')} != ''
       AND ResourceAttributes['faas.name'] != ''
     GROUP BY group, t ORDER BY group, t`,
    { start, end, step },
  );
}

/**
 * service-map.ts's five queries on the exporter's table: calls, publishes and consumes are
 * the same SQL; queue dwell pairs producer and consumer spans by messaging.message.id from
 * the span attributes (fntrace reads its message index), and a node's function name comes
 * from the resource (fntrace reads a materialized column).
 */
export function exporterServiceMap(client, db, { start, end }) {
  const p = { start, end };
  const window = 'Timestamp >= {start:DateTime64(9)} AND Timestamp <= {end:DateTime64(9)}';
  const msg = "SpanAttributes['messaging.message.id']";
  const dest = "SpanAttributes['messaging.destination.name']";
  return Promise.all([
    rows(
      client,
      `SELECT p.ServiceName AS source, c.ServiceName AS target, count() AS count, countIf(c.StatusCode = 'Error') AS errors,
         quantile(0.95)(c.Duration) / 1e6 AS p95Ms
       FROM (SELECT TraceId, ParentSpanId, ServiceName, StatusCode, Duration FROM ${db}.otel_traces
             WHERE ${window} AND ParentSpanId != '' AND SpanKind IN ('Server', 'Consumer')) AS c
       INNER JOIN (SELECT TraceId, SpanId, ServiceName FROM ${db}.otel_traces WHERE ${window} AND SpanKind IN ('Client', 'Producer')) AS p
       ON c.TraceId = p.TraceId AND c.ParentSpanId = p.SpanId
       WHERE p.ServiceName != c.ServiceName
       GROUP BY source, target`,
      p,
    ),
    rows(
      client,
      `SELECT ServiceName AS source, ${dest} AS queue, any(SpanAttributes['messaging.system']) AS system,
         count() AS count, countIf(StatusCode = 'Error') AS errors, quantile(0.95)(Duration) / 1e6 AS p95Ms
       FROM ${db}.otel_traces WHERE ${window} AND SpanKind = 'Producer' AND ${dest} != ''
       GROUP BY source, queue`,
      p,
    ),
    rows(
      client,
      `SELECT ${dest} AS queue, any(SpanAttributes['messaging.system']) AS system,
         ServiceName AS target, count() AS count, countIf(StatusCode = 'Error') AS errors, quantile(0.95)(Duration) / 1e6 AS p95Ms
       FROM ${db}.otel_traces WHERE ${window} AND SpanKind = 'Consumer' AND ${dest} != ''
         AND (${msg} != '' OR SpanAttributes['messaging.batch.message_count'] = '')
       GROUP BY queue, target`,
      p,
    ),
    rows(
      client,
      `SELECT if(p.dest != '', p.dest, c.dest) AS queue, c.ServiceName AS target,
         quantiles(0.5, 0.95)((toUnixTimestamp64Nano(c.Timestamp) - (toUnixTimestamp64Nano(p.Timestamp) + p.Duration)) / 1e6) AS q
       FROM (SELECT ${msg} AS MessageId, ${dest} AS dest, Timestamp, Duration FROM ${db}.otel_traces
             WHERE ${window} AND SpanKind = 'Producer' AND ${msg} != '') AS p
       INNER JOIN (SELECT ${msg} AS MessageId, ${dest} AS dest, Timestamp, ServiceName FROM ${db}.otel_traces
             WHERE ${window} AND SpanKind = 'Consumer' AND ${msg} != '') AS c ON p.MessageId = c.MessageId
       GROUP BY queue, target`,
      p,
    ),
    rows(
      client,
      `SELECT ServiceName AS service, max(ResourceAttributes['faas.name']) AS fn, count() AS spans,
         countIf(StatusCode = 'Error') AS errors
       FROM ${db}.otel_traces WHERE ${window} GROUP BY ServiceName`,
      p,
    ),
  ]);
}
