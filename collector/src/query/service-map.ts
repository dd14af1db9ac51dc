import type { Store } from '../store/clickhouse.js';
import { DWELL_NS } from './journey.js';
import type { MapEdge, MapNode, ServiceMap } from './overview-answers.js';
import type { RangeQuery } from './parameters.js';
import { queryRows } from './spans.js';
import { nsParam, timeRange } from './time-range.js';

/**
 * Spans counted as the spans they stand for: with `--tail-sampling`, a span of a journey only the
 * rate rule kept stands for 100 / percent (`SampleWeight`), so counts, rates and error shares
 * estimate every span's, sampled out or not; without it every weight is 1.
 */
export const COUNT = (t = '') => `toUInt64(round(sum(${t}SampleWeight)))`;
export const ERRORS = (t = '') => `toUInt64(round(sumIf(${t}SampleWeight, ${t}StatusCode = 'Error')))`;

/**
 * `GET /api/map`: services and functions as nodes, queues/topics/buses as nodes of their
 * own (from `messaging.destination.name`), and edges with rate, error %, p95 latency —
 * calls where a span's parent is in another service, publishes (producer → queue) and
 * consumes (queue → consumer), the latter with queue dwell time from message pairs. A consumer
 * whose parent is the producer of its message (context carried in the message) is on the
 * queue's path only, not also a call from the producer's service.
 */
export async function serviceMap(store: Store, q: RangeQuery): Promise<ServiceMap> {
  const { startNs, endNs } = timeRange(q);
  const rangeS = Number(endNs - startNs) / 1e9 || 1;
  const db = `\`${store.database}\``;
  const params = { start: nsParam(startNs), end: nsParam(endNs) };
  const window = 'Timestamp >= {start:DateTime64(9)} AND Timestamp <= {end:DateTime64(9)}';
  const [calls, publishes, consumes, dwell, nodes] = await Promise.all([
    queryRows<Record<string, any>>(
      store,
      `SELECT p.ServiceName AS source, c.ServiceName AS target, ${COUNT('c.')} AS count, ${ERRORS('c.')} AS errors,
         quantile(0.95)(c.Duration) / 1e6 AS p95Ms
       FROM (SELECT TraceId, SpanId, ServiceName, SpanKind, MessagingDestination FROM ${db}.otel_traces
             WHERE ${window} AND SpanKind IN ('Client', 'Producer')) AS p
       -- the hash table is built from the right side: the server and consumer spans, the fewer
       INNER JOIN (SELECT TraceId, ParentSpanId, ServiceName, SpanKind, MessagingDestination, StatusCode, Duration, SampleWeight
             FROM ${db}.otel_traces
             WHERE ${window} AND ParentSpanId != '' AND SpanKind IN ('Server', 'Consumer')) AS c
       ON c.TraceId = p.TraceId AND c.ParentSpanId = p.SpanId
       WHERE p.ServiceName != c.ServiceName
         -- a message through a named queue is drawn through the queue's node (publish, consume),
         -- not as a call beside it
         AND NOT (p.SpanKind = 'Producer' AND p.MessagingDestination != ''
                  AND c.SpanKind = 'Consumer' AND c.MessagingDestination != '')
       GROUP BY source, target`,
      params,
    ),
    queryRows<Record<string, any>>(
      store,
      `SELECT ServiceName AS source, MessagingDestination AS queue, any(MessagingSystem) AS system,
         ${COUNT()} AS count, ${ERRORS()} AS errors, quantile(0.95)(Duration) / 1e6 AS p95Ms
       FROM ${db}.otel_traces WHERE ${window} AND SpanKind = 'Producer' AND MessagingDestination != ''
       GROUP BY source, queue`,
      params,
    ),
    queryRows<Record<string, any>>(
      store,
      `SELECT MessagingDestination AS queue, any(MessagingSystem) AS system,
         ServiceName AS target, ${COUNT()} AS count, ${ERRORS()} AS errors, quantile(0.95)(Duration) / 1e6 AS p95Ms
       FROM ${db}.otel_traces WHERE ${window} AND SpanKind = 'Consumer' AND MessagingDestination != ''
         -- a batch's receive span is not a message of its own: count its records
         AND (MessagingMessageId != '' OR MessagingBatch = 0)
       GROUP BY queue, target`,
      params,
    ),
    queryRows<Record<string, any>>(
      store,
      `SELECT if(p.Destination != '', p.Destination, c.Destination) AS queue, c.ServiceName AS target,
         quantiles(0.5, 0.95)(${DWELL_NS} / 1e6) AS q
       FROM (SELECT * FROM ${db}.fntrace_messages WHERE ${window} AND SpanKind = 'Producer') AS p
       INNER JOIN (SELECT * FROM ${db}.fntrace_messages WHERE ${window} AND SpanKind = 'Consumer') AS c ON p.MessageId = c.MessageId
       GROUP BY queue, target`,
      params,
    ),
    queryRows<Record<string, any>>(
      store,
      `SELECT ServiceName AS service, max(FaasName) AS fn, ${COUNT()} AS spans, ${ERRORS()} AS errors
       FROM ${db}.otel_traces WHERE ${window} GROUP BY ServiceName`,
      params,
    ),
  ]);
  const dwellOf = new Map(
    dwell.map((d) => [`${d.queue}\u0000${d.target}`, { p50: Number(d.q[0]), p95: Number(d.q[1]) }]),
  );
  const edge = (
    r: Record<string, any>,
    source: string,
    target: string,
    kind: MapEdge['kind'],
    extra: Partial<MapEdge> = {},
  ): MapEdge => ({
    source,
    target,
    kind,
    count: Number(r.count),
    ratePerSecond: Number(r.count) / rangeS,
    errorPercent: Number(r.count) ? (Number(r.errors) / Number(r.count)) * 100 : 0,
    p95Ms: Number(r.p95Ms),
    ...extra,
  });
  const queueId = (name: string) => `queue:${name}`;
  const queues = new Map<string, string>();
  for (const r of [...publishes, ...consumes]) queues.set(r.queue, r.system);
  return {
    nodes: [
      ...nodes.map(
        (n): MapNode => ({
          id: n.service,
          type: n.fn ? 'function' : 'service',
          name: n.service,
          spans: Number(n.spans),
          errorPercent: Number(n.spans) ? (Number(n.errors) / Number(n.spans)) * 100 : 0,
        }),
      ),
      ...[...queues.entries()].map(([name, system]): MapNode => ({ id: queueId(name), type: 'queue', name, system })),
    ],
    edges: [
      ...calls.map((r) => edge(r, r.source, r.target, 'call')),
      ...publishes.map((r) => edge(r, r.source, queueId(r.queue), 'publish')),
      ...consumes.map((r) => {
        const d = dwellOf.get(`${r.queue}\u0000${r.target}`);
        return edge(r, queueId(r.queue), r.target, 'consume', { dwellP50Ms: d?.p50, dwellP95Ms: d?.p95 });
      }),
    ],
  };
}
