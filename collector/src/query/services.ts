import type { Store } from '../store/clickhouse.js';
import type { RangeQuery } from './parameters.js';
import { COUNT, ERRORS } from './service-map.js';
import { queryRows } from './spans.js';
import { nsParam, timeRange } from './time-range.js';

/** `GET /api/services` and `GET /api/services/:service/operations` over a time range (counts weighted: see {@link COUNT}). */
export async function listServices(store: Store, q: RangeQuery) {
  const { startNs, endNs } = timeRange(q);
  const rows = await queryRows<Record<string, any>>(
    store,
    `SELECT ServiceName AS service, ${COUNT()} AS spans, ${ERRORS()} AS errors,
       uniqExact(SpanName) AS operations, max(FaasName) != '' AS isFunction
     FROM \`${store.database}\`.otel_traces
     WHERE Timestamp >= {start:DateTime64(9)} AND Timestamp <= {end:DateTime64(9)}
     GROUP BY ServiceName ORDER BY ServiceName`,
    { start: nsParam(startNs), end: nsParam(endNs) },
  );
  return rows.map((r) => ({
    service: r.service,
    spans: Number(r.spans),
    errors: Number(r.errors),
    operations: Number(r.operations),
    isFunction: Boolean(Number(r.isFunction)),
  }));
}

export async function listOperations(store: Store, service: string, q: RangeQuery) {
  const { startNs, endNs } = timeRange(q);
  const rows = await queryRows<Record<string, any>>(
    store,
    `SELECT SpanName AS operation, any(SpanKind) AS kind, ${COUNT()} AS spans, ${ERRORS()} AS errors,
       quantile(0.95)(Duration) / 1e6 AS p95Ms
     FROM \`${store.database}\`.otel_traces
     WHERE ServiceName = {service:String} AND Timestamp >= {start:DateTime64(9)} AND Timestamp <= {end:DateTime64(9)}
     GROUP BY SpanName ORDER BY spans DESC, SpanName`,
    { service, start: nsParam(startNs), end: nsParam(endNs) },
  );
  return rows.map((r) => ({
    operation: r.operation,
    kind: r.kind,
    spans: Number(r.spans),
    errors: Number(r.errors),
    p95Ms: Number(r.p95Ms),
  }));
}
