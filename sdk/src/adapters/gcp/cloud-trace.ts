import type { SpanContext } from '@opentelemetry/api';
import { FLAG_SAMPLED } from '../../propagation/traceparent.js';

/**
 * Google Cloud's own trace header, `X-Cloud-Trace-Context: TRACE_ID/SPAN_ID;o=OPTIONS`
 * (https://cloud.google.com/trace/docs/trace-context#legacy-http-header): a 32-hex-digit trace
 * id, a *decimal* unsigned 64-bit span id, and options whose bit 0 says the request is traced.
 * Cloud Run's front end sets it (and a `traceparent` naming the same span) on every request.
 *
 * Returns the remote span context it names, with the span id in hex, or undefined when the
 * header is missing or malformed, or names no span (span id 0).
 */
const HEADER = /^([0-9a-fA-F]{32})\/(\d{1,20})(?:;o=(\d+))?$/;
const MAX_U64 = (1n << 64n) - 1n;

export function parseCloudTraceContext(header: string | undefined): SpanContext | undefined {
  if (typeof header !== 'string') return undefined;
  const m = HEADER.exec(header.trim());
  if (!m) return undefined;
  const traceId = m[1]!.toLowerCase();
  if (/^0+$/.test(traceId)) return undefined;
  const span = BigInt(m[2]!);
  if (span === 0n || span > MAX_U64) return undefined;
  const options = m[3] === undefined ? 0 : Number(m[3]);
  return {
    traceId,
    spanId: span.toString(16).padStart(16, '0'),
    traceFlags: (options & 1) === 1 ? FLAG_SAMPLED : 0,
    isRemote: true,
  };
}

/** Two span contexts naming the same span of the same trace. */
export const sameSpan = (a: SpanContext, b: SpanContext): boolean => a.traceId === b.traceId && a.spanId === b.spanId;
