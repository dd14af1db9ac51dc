import type { Store } from '../store/clickhouse.js';
import { queryRows } from './spans.js';
import type { Journey, JourneyEdge } from './trace-answers.js';
import { traceSummaries } from './trace-view.js';

/**
 * How long a message waited, in ns, for producer span `p` and consumer span `c`: the consumer's
 * start minus the producer's end, and 0 when the consumer began first (a push subscription can
 * deliver before the publish call has returned).
 */
export const DWELL_NS = 'greatest(toUnixTimestamp64Nano(c.Timestamp) - toUnixTimestamp64Nano(p.EndTimestamp), 0)';

/**
 * `GET /api/traces/:traceId/journey`: the traces one request touched, found breadth-first
 * from the given trace across
 * - span links (`fntrace_trace_edges`: batch consumers link to their producers),
 * - producer and consumer spans carrying the same `messaging.message.id` when no context
 *   travelled (`fntrace_messages`),
 * - a shared correlation id (`fntrace_invocations`),
 * bounded to `maxTraces`. Each asynchronous hop (a producer span and the consumer span of
 * the same message) becomes an edge with its queue dwell time
 * ({@link DWELL_NS}). Fan-in (one batch, many producers) and fan-out come out the same way.
 */
export async function journey(store: Store, traceId: string, maxTraces = 50): Promise<Journey | undefined> {
  const db = `\`${store.database}\``;
  const found = new Set<string>([traceId]);
  const edges = new Map<string, JourneyEdge>();
  let frontier = [traceId];
  let truncated = false;
  while (frontier.length > 0) {
    const ids = frontier;
    frontier = [];
    const [links, messages, correlated] = await Promise.all([
      queryRows<{ FromTraceId: string; FromSpanId: string; ToTraceId: string; ToSpanId: string; LinkType: string }>(
        store,
        `SELECT FromTraceId, FromSpanId, ToTraceId, ToSpanId, LinkType FROM ${db}.fntrace_trace_edges
         WHERE ToTraceId IN {ids:Array(String)} OR FromTraceId IN {ids:Array(String)} LIMIT 1000`,
        { ids },
      ),
      queryRows<{
        MessageId: string;
        pTrace: string;
        pSpan: string;
        cTrace: string;
        cSpan: string;
        dest: string;
        dwellNs: string;
      }>(
        store,
        `SELECT p.MessageId AS MessageId, p.TraceId AS pTrace, p.SpanId AS pSpan, c.TraceId AS cTrace, c.SpanId AS cSpan,
           if(p.Destination != '', p.Destination, c.Destination) AS dest,
           toString(${DWELL_NS}) AS dwellNs
         FROM ${db}.fntrace_messages AS p INNER JOIN ${db}.fntrace_messages AS c ON p.MessageId = c.MessageId
         WHERE p.SpanKind = 'Producer' AND c.SpanKind = 'Consumer'
           AND p.MessageId IN (SELECT MessageId FROM ${db}.fntrace_messages WHERE TraceId IN {ids:Array(String)})
         LIMIT 1000`,
        { ids },
      ),
      queryRows<{ TraceId: string; CorrelationId: string; SpanId: string }>(
        store,
        `SELECT TraceId, CorrelationId, SpanId FROM ${db}.fntrace_invocations
         WHERE CorrelationId IN (SELECT CorrelationId FROM ${db}.fntrace_invocations
                                 WHERE TraceId IN {ids:Array(String)} AND CorrelationId != '' AND CorrelationId != InvocationId)
         LIMIT 1000`,
        { ids },
      ),
    ]);
    const reach = (id: string) => {
      if (found.has(id) || id === '') return;
      if (found.size >= maxTraces) {
        truncated = true;
        return;
      }
      found.add(id);
      frontier.push(id);
    };
    for (const l of links) {
      const key = `link:${l.FromTraceId}:${l.FromSpanId}:${l.ToSpanId}`;
      edges.set(key, {
        kind: 'link',
        fromTraceId: l.FromTraceId,
        fromSpanId: l.FromSpanId,
        toTraceId: l.ToTraceId,
        toSpanId: l.ToSpanId,
        linkType: l.LinkType || undefined,
      });
      reach(l.FromTraceId);
      reach(l.ToTraceId);
    }
    for (const m of messages) {
      edges.set(`message:${m.MessageId}:${m.pSpan}:${m.cSpan}`, {
        kind: 'message',
        fromTraceId: m.pTrace,
        fromSpanId: m.pSpan,
        toTraceId: m.cTrace,
        toSpanId: m.cSpan,
        messageId: m.MessageId,
        destination: m.dest || undefined,
        dwellMs: Number(BigInt(m.dwellNs) / 1000n) / 1000,
      });
      reach(m.pTrace);
      reach(m.cTrace);
    }
    const byCorrelation = new Map<string, { TraceId: string; SpanId: string }[]>();
    for (const r of correlated) {
      const list = byCorrelation.get(r.CorrelationId) ?? [];
      list.push(r);
      byCorrelation.set(r.CorrelationId, list);
    }
    for (const list of byCorrelation.values()) {
      for (let i = 1; i < list.length; i++) {
        const a = list[0]!;
        const b = list[i]!;
        if (a.TraceId === b.TraceId) continue;
        edges.set(`corr:${a.SpanId}:${b.SpanId}`, {
          kind: 'correlation',
          fromTraceId: a.TraceId,
          fromSpanId: a.SpanId,
          toTraceId: b.TraceId,
          toSpanId: b.SpanId,
        });
      }
      for (const r of list) reach(r.TraceId);
    }
  }
  const traces = await traceSummaries(store, [...found]);
  if (traces.length === 0) return undefined;
  traces.sort((a, b) => (BigInt(a.startUnixNano) < BigInt(b.startUnixNano) ? -1 : 1));
  const inJourney = (e: JourneyEdge) => found.has(e.fromTraceId) && found.has(e.toTraceId);
  return {
    traceId,
    traces,
    edges: [...edges.values()].filter(inJourney),
    costUsd: traces.reduce((sum, t) => sum + t.costUsd, 0),
    truncated,
  };
}
