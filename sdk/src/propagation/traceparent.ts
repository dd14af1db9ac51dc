import { createTraceState, isSpanContextValid, type SpanContext, TraceFlags } from '@opentelemetry/api';

/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/) header parsing and
 * formatting. Written here rather than taken from `@opentelemetry/core` because
 * loading that package costs ~12 ms of cold start (measured, see docs/benchmarks.md)
 * for ~40 lines of parsing.
 */
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/** Parse a `traceparent` (and optional `tracestate`) into a remote span context, or undefined. */
export function parseTraceparent(header: string | undefined, tracestate?: string): SpanContext | undefined {
  if (typeof header !== 'string') return undefined;
  const m = TRACEPARENT.exec(header.trim().toLowerCase());
  if (!m) return undefined;
  const [, version, traceId, spanId, flags, rest] = m;
  // version ff is forbidden; version 00 must have exactly four fields (spec §3.2.2.5)
  if (version === 'ff' || (version === '00' && rest)) return undefined;
  const ctx: SpanContext = {
    traceId: traceId!,
    spanId: spanId!,
    traceFlags: Number.parseInt(flags!, 16) & TraceFlags.SAMPLED,
    isRemote: true,
  };
  if (!isSpanContextValid(ctx)) return undefined;
  if (tracestate) {
    try {
      ctx.traceState = createTraceState(tracestate);
    } catch {
      // a malformed tracestate is dropped, the parent is kept (spec §3.3.1.1)
    }
  }
  return ctx;
}

/** Format a span context as a `traceparent` header value. */
export function formatTraceparent(ctx: SpanContext): string {
  const flags = (ctx.traceFlags & 0xff).toString(16).padStart(2, '0');
  return `00-${ctx.traceId}-${ctx.spanId}-${flags}`;
}
