import { isSpanContextValid, type SpanContext, TraceFlags } from '@opentelemetry/api';

/**
 * AWS X-Ray trace header (`Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1`),
 * as found in `_X_AMZN_TRACE_ID`, the `X-Amzn-Trace-Id` HTTP header and SQS's `AWSTraceHeader`.
 * Used only when no W3C context travelled. Lambda sets this header on every invocation, sampled
 * or not; adopting an unsampled one would silently turn tracing off, so only `Sampled=1` with a
 * parent id yields a context.
 */
export function parseXrayHeader(header: string | undefined): SpanContext | undefined {
  if (typeof header !== 'string' || header.length === 0) return undefined;
  let root: string | undefined;
  let parent: string | undefined;
  let sampled: string | undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 'Root') root = value;
    else if (key === 'Parent') parent = value;
    else if (key === 'Sampled') sampled = value;
  }
  if (sampled !== '1' || !root || !parent) return undefined;
  const m = /^1-([0-9a-f]{8})-([0-9a-f]{24})$/.exec(root.toLowerCase());
  if (!m || !/^[0-9a-f]{16}$/.test(parent.toLowerCase())) return undefined;
  const ctx: SpanContext = {
    traceId: `${m[1]}${m[2]}`,
    spanId: parent.toLowerCase(),
    traceFlags: TraceFlags.SAMPLED,
    isRemote: true,
  };
  return isSpanContextValid(ctx) ? ctx : undefined;
}
