import { platformName } from '../format.js';
import type { ApiSpan, Invocation, JourneyEdge, TraceView, VirtualParent } from './types.js';

/**
 * The rows of the trace / journey waterfall, from the API's stitched traces.
 *
 * Assumes each trace's spans come in the API's depth-first order with `depth` set.
 * Rows, in order, per trace (traces by start time): a trace header; then its spans, with
 * an invocation band before the first span of each invocation (function, instance, cold
 * start with init duration, timeout and error markers), and a hop row before a consumer
 * span that received a message of the journey (a dwell bar from the producer's end to the
 * consumer's start). A cold start's `init` span (`fntrace.init`), which the SDK makes a child
 * of the invocation span although it runs before it, is drawn as the phase before its
 * invocation: after the band, at the invocation's depth, ahead of the invocation's row.
 * Descendants of collapsed spans are left out. With `skew` off, spans sit at their raw
 * (unadjusted) times.
 */
export type Row =
  | {
      kind: 'trace';
      key: string;
      traceId: string;
      title: string;
      startMs: number;
      durationMs: number;
      spanCount: number;
    }
  | {
      kind: 'band';
      key: string;
      traceId: string;
      invocation: Invocation;
      /** The platform it ran on, in words (format.ts platformName); '' when not sent. */
      platform: string;
      depth: number;
      startMs: number;
      durationMs: number;
    }
  | {
      kind: 'hop';
      key: string;
      traceId: string;
      edge: JourneyEdge;
      depth: number;
      startMs: number;
      durationMs: number;
    }
  | {
      kind: 'span';
      key: string;
      traceId: string;
      span: ApiSpan;
      depth: number;
      startMs: number;
      durationMs: number;
      skewMs: number | undefined;
      error: boolean;
      timeout: boolean;
      collapsible: boolean;
      collapsed: boolean;
      /** `init`: a cold start's init phase, drawn before its invocation rather than under it. */
      phase?: 'init';
    }
  | {
      kind: 'orphan';
      key: string;
      traceId: string;
      node: VirtualParent;
      depth: number;
      collapsible: boolean;
      collapsed: boolean;
    };

export interface WaterfallOptions {
  /** Keys (`<traceId>:<spanId>`) of collapsed spans. */
  collapsed: ReadonlySet<string>;
  /** Show skew-adjusted times (true) or raw times (false). */
  skew: boolean;
}

export interface Waterfall {
  rows: Row[];
  startMs: number;
  endMs: number;
}

export const spanKey = (traceId: string, spanId: string) => `${traceId}:${spanId}`;

/** Where a span is drawn: its skew-corrected start, or its raw one with correction off. */
export function spanStart(s: ApiSpan, skew: boolean): number {
  if (skew || s.skewAdjustedMs === undefined) return s.startMs;
  return s.startMs - s.skewAdjustedMs;
}

export function buildWaterfall(
  traces: readonly TraceView[],
  edges: readonly JourneyEdge[],
  opts: WaterfallOptions,
): Waterfall {
  const rows: Row[] = [];
  let startMs = Number.POSITIVE_INFINITY;
  let endMs = Number.NEGATIVE_INFINITY;
  // spans by key, for hop bars (producer end → consumer start)
  const spanAt = new Map<string, ApiSpan>();
  for (const t of traces) for (const s of t.spans) if (!s.virtual) spanAt.set(spanKey(t.traceId, s.spanId), s);
  const hopsInto = new Map<string, JourneyEdge[]>();
  for (const e of edges) {
    if (e.kind !== 'message') continue;
    const k = spanKey(e.toTraceId, e.toSpanId);
    hopsInto.set(k, [...(hopsInto.get(k) ?? []), e]);
  }
  const ordered = [...traces].sort((a, b) => firstStart(a, opts.skew) - firstStart(b, opts.skew));
  for (const t of ordered) {
    const spans = t.spans.filter((s): s is ApiSpan => !s.virtual);
    const tStart = Math.min(...spans.map((s) => spanStart(s, opts.skew)));
    const tEnd = Math.max(...spans.map((s) => spanStart(s, opts.skew) + s.durationMs));
    if (spans.length) {
      startMs = Math.min(startMs, tStart);
      endMs = Math.max(endMs, tEnd);
    }
    const title = t.summary ? `${t.summary.rootService}: ${t.summary.rootOperation}` : t.traceId;
    rows.push({
      kind: 'trace',
      key: `trace:${t.traceId}`,
      traceId: t.traceId,
      title,
      startMs: tStart,
      durationMs: tEnd - tStart,
      spanCount: spans.length,
    });
    const invocations = new Map(t.invocations.map((i) => [i.invocationId, i]));
    // init phases by the invocation span they precede
    const initsOf = new Map<string, ApiSpan[]>();
    const inits = new Set<string>();
    for (const s of spans) {
      if (s.attributes['fntrace.init'] !== 'true' || !spanAt.has(spanKey(t.traceId, s.parentSpanId))) continue;
      initsOf.set(s.parentSpanId, [...(initsOf.get(s.parentSpanId) ?? []), s]);
      inits.add(s.spanId);
    }
    const banded = new Set<string>();
    let skipDeeperThan = Number.POSITIVE_INFINITY;
    for (const node of t.spans) {
      if (node.depth > skipDeeperThan) continue;
      skipDeeperThan = Number.POSITIVE_INFINITY;
      const key = spanKey(t.traceId, node.spanId);
      const collapsed = opts.collapsed.has(key);
      if (collapsed) skipDeeperThan = node.depth;
      if (node.virtual) {
        rows.push({
          kind: 'orphan',
          key,
          traceId: t.traceId,
          node,
          depth: node.depth,
          collapsible: node.childCount > 0,
          collapsed,
        });
        continue;
      }
      if (inits.has(node.spanId)) continue;
      const inv = node.invocationId ? invocations.get(node.invocationId) : undefined;
      const start = spanStart(node, opts.skew);
      const before = initsOf.get(node.spanId) ?? [];
      if (inv && !banded.has(inv.invocationId)) {
        banded.add(inv.invocationId);
        // the band spans the init phase and the invocation
        const from = Math.min(start, ...before.map((i) => spanStart(i, opts.skew)));
        rows.push({
          kind: 'band',
          key: `band:${t.traceId}:${inv.invocationId}`,
          traceId: t.traceId,
          invocation: inv,
          platform: platformName(node.resource),
          depth: node.depth,
          startMs: from,
          durationMs: start + node.durationMs - from,
        });
      }
      for (const e of hopsInto.get(key) ?? []) {
        const producer = spanAt.get(spanKey(e.fromTraceId, e.fromSpanId));
        const from = producer ? spanStart(producer, opts.skew) + producer.durationMs : start - (e.dwellMs ?? 0);
        rows.push({
          kind: 'hop',
          key: `hop:${e.messageId}:${key}`,
          traceId: t.traceId,
          edge: e,
          depth: node.depth,
          startMs: from,
          durationMs: Math.max(0, start - from),
        });
      }
      for (const init of before) {
        rows.push({
          kind: 'span',
          key: spanKey(t.traceId, init.spanId),
          traceId: t.traceId,
          span: init,
          depth: node.depth,
          startMs: spanStart(init, opts.skew),
          durationMs: init.durationMs,
          skewMs: opts.skew ? init.skewAdjustedMs : undefined,
          error: init.status.code === 'Error',
          timeout: false,
          collapsible: false,
          collapsed: false,
          phase: 'init',
        });
      }
      const timeout = node.attributes['fntrace.timeout'] === 'true';
      rows.push({
        kind: 'span',
        key,
        traceId: t.traceId,
        span: node,
        depth: node.depth,
        startMs: start,
        durationMs: node.durationMs,
        skewMs: opts.skew ? node.skewAdjustedMs : undefined,
        error: node.status.code === 'Error',
        timeout,
        collapsible: node.childCount > 0,
        collapsed,
      });
    }
  }
  if (!Number.isFinite(startMs)) {
    startMs = 0;
    endMs = 1;
  }
  return { rows, startMs, endMs: Math.max(endMs, startMs + 0.001) };
}

function firstStart(t: TraceView, skew: boolean): number {
  let min = Number.POSITIVE_INFINITY;
  for (const s of t.spans) if (!s.virtual) min = Math.min(min, spanStart(s, skew));
  return min;
}

/** Rows in [first, last) of a window `heightPx` tall scrolled to `scrollTop`, with `overscan` rows either side. */
export function visibleRange(
  total: number,
  rowHeight: number,
  scrollTop: number,
  heightPx: number,
  overscan = 10,
): [number, number] {
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(total, Math.ceil((scrollTop + heightPx) / rowHeight) + overscan);
  return [first, last];
}

/** Toggle one span's collapsed state. Returns a new set; the input is left alone. */
export function toggle(collapsed: ReadonlySet<string>, key: string): Set<string> {
  const next = new Set(collapsed);
  if (next.has(key)) next.delete(key);
  else next.add(key);
  return next;
}
