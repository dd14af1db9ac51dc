import { instanceOf, invocationIdOf, type StoredSpan } from '../stitch/span-model.js';
import type { TraceSummary } from '../stitch/trace-facts.js';
import type { Store } from '../store/clickhouse.js';
import { loadClockSpans } from './spans.js';

/**
 * Clock-skew correction at read time, by the rule Jaeger's clock-skew adjuster documents:
 * a child span may not start before its parent nor end after it. Spans are grouped into
 * clock domains — one process's clock: the same service on the same instance (`faas.instance`,
 * `service.instance.id`, else the service) — and only a parent/child pair that crosses domains
 * is compared; a span in its parent's domain moves with its parent. When a child of a
 * synchronous parent (any kind but PRODUCER) falls outside it by more than `toleranceMs`:
 * - shorter than the parent: it is moved so that the network latency is split evenly, i.e.
 *   it starts half the difference of the two durations after the parent's start;
 * - longer than the parent (nothing can make it fit): it is moved to start with the parent
 *   when it started before it, and left alone otherwise.
 * A child of a PRODUCER parent (asynchronous: a consumer may outlive what sent the message)
 * is only moved when it starts before its producer, to start when the producer ended.
 *
 * The parent is compared at its corrected times (a walk from the roots down), so a shift
 * carries down a chain of calls. Works for any span, with or without `faas.invocation_id`.
 *
 * Returns the offset (ns) of each span that moved, and one shift per child where a domain was
 * moved: the span whose comparison moved it, how far, and how many spans moved with it.
 * Does not modify the spans.
 */
export interface SkewShift {
  /** The span whose comparison with its parent moved its domain's subtree. */
  spanId: string;
  service: string;
  instance: string;
  invocationId: string | undefined;
  offsetNs: bigint;
  /** Spans moved by this shift: the span and its descendants in its domain. */
  spans: number;
}

export function correctSkew(
  spans: readonly StoredSpan[],
  toleranceMs = 1,
): { offsets: Map<string, bigint>; shifts: SkewShift[] } {
  const tolerance = BigInt(Math.round(toleranceMs * 1e6));
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const children = new Map<string, StoredSpan[]>();
  for (const s of spans) {
    if (!byId.has(s.parentSpanId) || s.parentSpanId === s.spanId) continue;
    const list = children.get(s.parentSpanId);
    if (list) list.push(s);
    else children.set(s.parentSpanId, [s]);
  }
  const domain = (s: StoredSpan) => `${s.service}\u0000${instanceOf(s)}`;
  const offsets = new Map<string, bigint>();
  const shifts: SkewShift[] = [];

  // iterative depth-first walk from the roots (spans whose parent is not here)
  const stack: { span: StoredSpan; offset: bigint; shift: SkewShift | undefined }[] = spans
    .filter((s) => !byId.has(s.parentSpanId) || s.parentSpanId === s.spanId)
    .map((span) => ({ span, offset: 0n, shift: undefined }));
  const seen = new Set<string>();
  while (stack.length > 0) {
    const { span: parent, offset: pOffset, shift: pShift } = stack.pop()!;
    if (seen.has(parent.spanId)) continue;
    seen.add(parent.spanId);
    for (const child of children.get(parent.spanId) ?? []) {
      if (domain(child) === domain(parent)) {
        if (pOffset !== 0n) offsets.set(child.spanId, pOffset);
        if (pShift) pShift.spans++;
        stack.push({ span: child, offset: pOffset, shift: pShift });
        continue;
      }
      const offset = skewOf(child, parent, pOffset, tolerance);
      let shift: SkewShift | undefined;
      if (offset !== 0n) {
        offsets.set(child.spanId, offset);
        shift = {
          spanId: child.spanId,
          service: child.service,
          instance: instanceOf(child),
          invocationId: invocationIdOf(child),
          offsetNs: offset,
          spans: 1,
        };
        shifts.push(shift);
      }
      stack.push({ span: child, offset, shift });
    }
  }
  return { offsets, shifts };
}

/** How far `child` (at its raw times) must move to sit where its parent (shifted by `pOffset`) allows. */
function skewOf(child: StoredSpan, parent: StoredSpan, pOffset: bigint, tolerance: bigint): bigint {
  const pStart = parent.startNs + pOffset;
  const pEnd = pStart + parent.durationNs;
  const cStart = child.startNs;
  const cEnd = cStart + child.durationNs;
  if (parent.kind === 'Producer') return cStart < pStart - tolerance ? pEnd - cStart : 0n;
  if (cStart >= pStart - tolerance && cEnd <= pEnd + tolerance) return 0n;
  if (child.durationNs > parent.durationNs) return cStart < pStart ? pStart - cStart : 0n;
  // the latency is assumed split evenly between request and response
  const latency = (parent.durationNs - child.durationNs) / 2n;
  return pStart + latency - cStart;
}

/** A trace's window with clock skew corrected, and how many spans that moved. */
export interface CorrectedWindow {
  traceId: string;
  startUnixNano: string;
  startMs: number;
  durationMs: number;
  spansMoved: number;
}

/** Spans read at most to correct one page of search results; traces past it are left as they are. */
export const PAGE_SKEW_SPANS = 20_000;

/**
 * The corrected windows of a page of traces (search results), for the traces where the
 * correction moves something. A trace of one service on one instance has one clock and is not
 * read; traces are read in page order while their spans fit in `maxSpans`.
 */
export async function correctedWindows(
  store: Store,
  traces: readonly TraceSummary[],
  maxSpans = PAGE_SKEW_SPANS,
): Promise<CorrectedWindow[]> {
  const ids: string[] = [];
  let budget = maxSpans;
  for (const t of traces) {
    if (t.services.length < 2 && t.invocations < 2) continue;
    if (t.spanCount > budget) continue;
    budget -= t.spanCount;
    ids.push(t.traceId);
  }
  const byTrace = new Map<string, StoredSpan[]>();
  for (const s of await loadClockSpans(store, ids, maxSpans)) {
    const list = byTrace.get(s.traceId);
    if (list) list.push(s);
    else byTrace.set(s.traceId, [s]);
  }
  const out: CorrectedWindow[] = [];
  for (const [traceId, spans] of byTrace) {
    const { offsets } = correctSkew(spans);
    if (offsets.size === 0) continue;
    let start: bigint | undefined;
    let end: bigint | undefined;
    for (const s of spans) {
      const from = s.startNs + (offsets.get(s.spanId) ?? 0n);
      const to = from + s.durationNs;
      if (start === undefined || from < start) start = from;
      if (end === undefined || to > end) end = to;
    }
    out.push({
      traceId,
      startUnixNano: String(start),
      startMs: Number(start! / 1000n) / 1000,
      durationMs: Number((end! - start!) / 1000n) / 1000,
      spansMoved: offsets.size,
    });
  }
  return out;
}
