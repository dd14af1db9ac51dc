import type { StoredSpan } from '../stitch/span-model.js';
import { invocationsOf, summaryOf, type TraceSummary } from '../stitch/trace-facts.js';
import { buildTree } from '../stitch/tree.js';
import type { Store } from '../store/clickhouse.js';
import type { Price } from '../store/prices.js';
import { correctSkew } from './clock-skew.js';
import { loadTraceSpans, queryRows } from './spans.js';
import type { ApiSpan, TraceView } from './trace-answers.js';

/**
 * `GET /api/traces/:traceId`: the stitched tree of one trace — depth-first spans grouped
 * by invocation, orphans under labelled virtual parents, skew-adjusted times beside the
 * raw ones — with the trace's invocations and summary.
 */
export interface StitchOptions {
  /** How long orphans count as `pending` before they are `lost`. Default 5 minutes. */
  orphanGraceMs: number;
  /** The price table of invocation cost (the collector's `--prices`). */
  prices: readonly Price[];
}

const msOf = (ns: bigint) => Number(ns / 1000n) / 1000;

function spanJson(s: StoredSpan, offsetNs: bigint): Omit<ApiSpan, 'depth' | 'invocationId' | 'childCount'> {
  const start = s.startNs + offsetNs;
  return {
    traceId: s.traceId,
    spanId: s.spanId,
    parentSpanId: s.parentSpanId,
    name: s.name,
    kind: s.kind,
    service: s.service,
    startUnixNano: String(start),
    startMs: msOf(start),
    durationNs: String(s.durationNs),
    durationMs: msOf(s.durationNs),
    rawStartUnixNano: String(s.startNs),
    skewAdjustedMs: offsetNs === 0n ? undefined : msOf(offsetNs),
    status: { code: s.statusCode, message: s.statusMessage },
    attributes: s.attributes,
    resource: s.resource,
    scope: s.scope,
    events: s.events.map((e) => ({
      timeUnixNano: String(e.timeNs + offsetNs),
      name: e.name,
      attributes: e.attributes,
    })),
    links: s.links,
  };
}

export async function traceView(
  store: Store,
  traceId: string,
  options: StitchOptions,
  nowMs = Date.now(),
): Promise<TraceView | undefined> {
  // one query: the invocations and the summary follow from the spans (trace-facts.ts)
  const spans = await loadTraceSpans(store, traceId);
  if (spans.length === 0) return undefined;
  const tree = buildTree(spans, BigInt(nowMs) * 1_000_000n, options.orphanGraceMs);
  const { offsets, shifts } = correctSkew(spans);
  return {
    traceId,
    rootSpanId: tree.rootSpanId,
    summary: summaryOf(spans, options.prices),
    orphans: tree.orphans,
    skew: shifts.flatMap((x) =>
      x.invocationId ? [{ invocationId: x.invocationId, instance: x.instance, offsetMs: msOf(x.offsetNs) }] : [],
    ),
    clockShifts: shifts.map(({ offsetNs, invocationId, ...shift }) => ({
      ...shift,
      ...(invocationId ? { invocationId } : {}),
      offsetMs: msOf(offsetNs),
    })),
    invocations: invocationsOf(spans, options.prices),
    spans: tree.nodes.map((n) =>
      n.virtual
        ? {
            virtual: true as const,
            spanId: n.spanId,
            depth: n.depth,
            // a virtual node always has its class and label (tree.ts)
            orphanClass: n.orphanClass!,
            label: n.label!,
            childCount: n.childCount,
          }
        : {
            ...spanJson(n.span!, offsets.get(n.spanId) ?? 0n),
            depth: n.depth,
            invocationId: n.invocationId,
            childCount: n.childCount,
          },
    ),
  };
}

export type { TraceSummary };

/** Summary columns merged per trace (the table is aggregating: late spans add rows). */
export const SUMMARY_SELECT = `TraceId AS traceId, toString(toUnixTimestamp64Nano(min(Start))) AS startUnixNano,
  (toUnixTimestamp64Nano(max(End)) - toUnixTimestamp64Nano(min(Start))) / 1e6 AS durationMs,
  sum(SpanCount) AS spanCount, sum(ErrorCount) AS errorCount, groupUniqArrayArray(Services) AS services,
  max(RootServiceName) AS rootService, max(RootSpanName) AS rootOperation, sum(Invocations) AS invocations,
  sum(ColdStarts) AS coldStarts, sum(CostUsd) AS costUsd`;

export function toSummary(r: Record<string, any>): TraceSummary {
  return {
    traceId: r.traceId,
    startUnixNano: r.startUnixNano,
    startMs: Number(BigInt(r.startUnixNano) / 1000n) / 1000,
    durationMs: Number(r.durationMs),
    spanCount: Number(r.spanCount),
    errorCount: Number(r.errorCount),
    services: [...r.services].sort(),
    rootService: r.rootService,
    rootOperation: r.rootOperation,
    invocations: Number(r.invocations),
    coldStarts: Number(r.coldStarts),
    costUsd: Number(r.costUsd),
  };
}

export async function traceSummaries(store: Store, traceIds: string[]): Promise<TraceSummary[]> {
  if (traceIds.length === 0) return [];
  const db = `\`${store.database}\``;
  // the traces' window (their first and last span) narrows the (Bucket, TraceId) key
  const rows = await queryRows<Record<string, any>>(
    store,
    `WITH (SELECT (toStartOfTenMinutes(min(Start)), max(End)) FROM ${db}.otel_traces_trace_id_ts
             WHERE TraceId IN {ids:Array(String)}) AS window
     SELECT ${SUMMARY_SELECT} FROM ${db}.fntrace_trace_summary
     WHERE TraceId IN {ids:Array(String)} AND Bucket >= window.1 AND Bucket <= window.2
     GROUP BY TraceId`,
    { ids: traceIds },
  );
  const byId = new Map(rows.map((r) => [r.traceId, toSummary(r)]));
  return traceIds.map((id) => byId.get(id)).filter((s): s is TraceSummary => s !== undefined);
}
