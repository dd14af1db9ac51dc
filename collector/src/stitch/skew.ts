import { instanceOf, invocationIdOf, type StoredSpan } from './span-model.js';

/**
 * Clock-skew correction between invocations. Functions run on machines whose clocks
 * disagree; a child invocation's server/consumer span can then appear to start before the
 * client/producer span that caused it. When it falls outside what causality allows by
 * more than `toleranceMs`, every span of that invocation (same `faas.invocation_id` and
 * instance) is shifted by one offset:
 * - under a CLIENT parent (synchronous): the child is centred in the parent (or aligned to
 *   its start when it is longer than the parent);
 * - under a PRODUCER parent (asynchronous): the child is moved to start when the producer
 *   ended.
 * Invocations are visited parents first, so a shift carries down a chain of calls.
 *
 * Returns, per span id, the offset applied (ns). Does not modify the spans.
 */
export interface SkewAdjustment {
  invocationId: string;
  instance: string;
  offsetNs: bigint;
}

export function estimateSkew(
  spans: readonly StoredSpan[],
  toleranceMs = 1,
): { offsets: Map<string, bigint>; adjustments: SkewAdjustment[] } {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const offsets = new Map<string, bigint>();
  const adjustments: SkewAdjustment[] = [];
  const tolerance = BigInt(Math.round(toleranceMs * 1e6));
  const shifted = (s: StoredSpan) => s.startNs + (offsets.get(s.spanId) ?? 0n);

  // invocation entry spans, parents first (by start; a child cannot be adjusted before its parent)
  const entries = spans
    .filter((s) => (s.kind === 'Server' || s.kind === 'Consumer') && invocationIdOf(s) && byId.has(s.parentSpanId))
    .sort((a, b) => depthOf(a, byId) - depthOf(b, byId));

  for (const child of entries) {
    const parent = byId.get(child.parentSpanId)!;
    if (instanceOf(parent) === instanceOf(child) && parent.service === child.service) continue;
    const pStart = shifted(parent);
    const pEnd = pStart + parent.durationNs;
    const cStart = shifted(child);
    const cEnd = cStart + child.durationNs;
    let offset = 0n;
    if (parent.kind === 'Client') {
      if (cStart < pStart - tolerance || cEnd > pEnd + tolerance) {
        const target =
          child.durationNs <= parent.durationNs ? pStart + (parent.durationNs - child.durationNs) / 2n : pStart;
        offset = target - cStart;
      }
    } else if (parent.kind === 'Producer') {
      if (cStart < pStart - tolerance) offset = pEnd - cStart;
    }
    if (offset === 0n) continue;
    const invocationId = invocationIdOf(child)!;
    const instance = instanceOf(child);
    for (const s of spans) {
      if (invocationIdOf(s) === invocationId && instanceOf(s) === instance) {
        offsets.set(s.spanId, (offsets.get(s.spanId) ?? 0n) + offset);
      }
    }
    // spans of the invocation without the attribute (plain child spans) follow their parents
    for (const s of spans) {
      if (
        !invocationIdOf(s) &&
        isWithin(s, invocationId, byId) &&
        instanceOf(s) === instance &&
        s.service === child.service
      ) {
        offsets.set(s.spanId, (offsets.get(s.spanId) ?? 0n) + offset);
      }
    }
    adjustments.push({ invocationId, instance, offsetNs: offset });
  }
  return { offsets, adjustments };
}

function depthOf(s: StoredSpan, byId: Map<string, StoredSpan>): number {
  let d = 0;
  let cur: StoredSpan | undefined = s;
  const seen = new Set<string>();
  while (cur?.parentSpanId && byId.has(cur.parentSpanId) && !seen.has(cur.spanId)) {
    seen.add(cur.spanId);
    cur = byId.get(cur.parentSpanId);
    d++;
  }
  return d;
}

/** Whether `s` descends from a span of invocation `invocationId` without crossing another invocation. */
function isWithin(s: StoredSpan, invocationId: string, byId: Map<string, StoredSpan>): boolean {
  let cur = byId.get(s.parentSpanId);
  const seen = new Set<string>();
  while (cur && !seen.has(cur.spanId)) {
    seen.add(cur.spanId);
    const id = invocationIdOf(cur);
    if (id) return id === invocationId;
    cur = byId.get(cur.parentSpanId);
  }
  return false;
}
