import type { ApiSpan, Journey, LogRecord, TraceView } from './types.js';
import { spanKey, spanStart } from './waterfall.js';

/**
 * What the trace page's header says: the facts of what the waterfall shows — one trace, or
 * every trace of the journey that is drawn — with times as drawn (skew-corrected, or raw with
 * correction off), so the header and the bars never disagree.
 */
export interface ShownFacts {
  traces: number;
  startMs: number;
  durationMs: number;
  spans: number;
  errors: number;
  invocations: number;
  coldStarts: number;
  costUsd: number;
  services: string[];
}

export function shownFacts(views: readonly TraceView[], skew: boolean): ShownFacts {
  let start = Number.POSITIVE_INFINITY;
  let end = Number.NEGATIVE_INFINITY;
  let spans = 0;
  let errors = 0;
  const services = new Set<string>();
  // an invocation is counted once even if two traces of the journey both name it
  const invocations = new Map<string, TraceView['invocations'][number]>();
  for (const v of views) {
    for (const node of v.spans) {
      if (node.virtual) continue;
      const s = node as ApiSpan;
      spans++;
      if (s.status.code === 'Error') errors++;
      services.add(s.service);
      const at = spanStart(s, skew);
      start = Math.min(start, at);
      end = Math.max(end, at + s.durationMs);
    }
    for (const i of v.invocations) invocations.set(i.invocationId, i);
  }
  const inv = [...invocations.values()];
  return {
    traces: views.length,
    startMs: Number.isFinite(start) ? start : 0,
    durationMs: Number.isFinite(start) ? end - start : 0,
    spans,
    errors,
    invocations: inv.length,
    coldStarts: inv.filter((i) => i.coldStart).length,
    costUsd: inv.reduce((sum, i) => sum + i.costUsd, 0),
    services: [...services].sort(),
  };
}

/** The logs of every trace shown, one list in time order (each trace's list is in time order already). */
export function mergeLogs(lists: readonly (readonly LogRecord[])[]): LogRecord[] {
  return lists
    .flat()
    .map((l, i) => ({ l, i, t: BigInt(l.timeUnixNano) }))
    .sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : a.i - b.i))
    .map((x) => x.l);
}

/** Whether a log line was written in the span `selected` (a `spanKey`). */
export const ofSpan = (l: LogRecord, selected: string | undefined) =>
  !!selected && !!l.spanId && spanKey(l.traceId, l.spanId) === selected;

/** What the clock-skew correction did to the traces shown: spans moved, shifts, and their range. */
export interface SkewMoves {
  spans: number;
  shifts: number;
  minMs: number;
  maxMs: number;
}

export function skewMoves(views: readonly TraceView[]): SkewMoves {
  const shifts = views.flatMap((v) => v.clockShifts);
  const offsets = shifts.map((s) => s.offsetMs);
  return {
    spans: shifts.reduce((n, s) => n + s.spans, 0),
    shifts: shifts.length,
    minMs: offsets.length ? Math.min(...offsets) : 0,
    maxMs: offsets.length ? Math.max(...offsets) : 0,
  };
}

/**
 * The other traces of a journey to draw beside `traceId`, at most `max`: nearest first (the
 * traces its own links and messages reach, then theirs), by start time within one distance.
 * A batch consumer's invocation sits in a trace one link away from the checkout that sent
 * the message; ordered by start time alone, the batch's other producers (older) could fill
 * the page first and leave that invocation out.
 */
export function journeyTracesToDraw(journey: Journey, traceId: string, max: number): string[] {
  const next = new Map<string, string[]>();
  const join = (a: string, b: string) => {
    const list = next.get(a);
    if (list) list.push(b);
    else next.set(a, [b]);
  };
  for (const e of journey.edges) {
    join(e.fromTraceId, e.toTraceId);
    join(e.toTraceId, e.fromTraceId);
  }
  const distance = new Map<string, number>([[traceId, 0]]);
  for (let frontier = [traceId]; frontier.length > 0; ) {
    const reached: string[] = [];
    for (const id of frontier)
      for (const to of next.get(id) ?? [])
        if (!distance.has(to)) {
          distance.set(to, distance.get(id)! + 1);
          reached.push(to);
        }
    frontier = reached;
  }
  const far = Number.MAX_SAFE_INTEGER;
  return journey.traces
    .map((t, order) => ({ id: t.traceId, order, d: distance.get(t.traceId) ?? far }))
    .filter((t) => t.id !== traceId)
    .sort((a, b) => a.d - b.d || a.order - b.order)
    .slice(0, max)
    .map((t) => t.id);
}
