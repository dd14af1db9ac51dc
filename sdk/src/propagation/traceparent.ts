import { type SpanContext, TraceFlags } from '@opentelemetry/api';
import { parseTracestate } from './tracestate.js';

/**
 * W3C Trace Context Level 2 (https://www.w3.org/TR/trace-context-2/) `traceparent`
 * parsing and formatting. Written here rather than taken from `@opentelemetry/core`
 * because loading that package costs ~12 ms of cold start (measured, see
 * docs/benchmarks.md) for ~40 lines of parsing.
 *
 * Rules followed (section numbers of the Level 2 text):
 * - §3.2.2: `version-traceid-parentid-flags`, lower-case hex only (HEXDIGLC); leading and
 *   trailing spaces and tabs (OWS) are ignored.
 * - §3.2.2.1: version `ff` is invalid. Version `00` has exactly four fields. A higher version
 *   is parsed as far as version 00 goes: the value must be at least 55 characters, and a
 *   longer one must continue with `-` after the flags (§3.2.4 "Versioning").
 * - §3.2.2.3/4: an all-zero trace-id or parent-id is invalid.
 * - §3.2.2.5: flags are 8 bits; fntrace knows `sampled` (0x01) and Level 2's `random`
 *   (0x02), and drops the others when propagating, as the text asks of unknown flags.
 * - §3.3.1 (via tracestate.ts): a `tracestate` is parsed only when `traceparent` is valid.
 */
export const FLAG_SAMPLED = TraceFlags.SAMPLED;
/** Level 2 `random-trace-id` flag: at least the right-most 7 bytes of the trace-id are random. */
export const FLAG_RANDOM = 0x02;
const KNOWN_FLAGS = FLAG_SAMPLED | FLAG_RANDOM;

const HEX_LC = /^[0-9a-f]+$/;
const ZERO = /^0+$/;

/** Parse a `traceparent` (and optional `tracestate`) into a remote span context, or undefined. */
export function parseTraceparent(header: string | undefined, tracestate?: string): SpanContext | undefined {
  if (typeof header !== 'string') return undefined;
  const value = header.replace(/^[ \t]+|[ \t]+$/g, '');
  if (value.length < 55) return undefined;
  const version = value.slice(0, 2);
  if (!HEX_LC.test(version) || version === 'ff') return undefined;
  if (value[2] !== '-' || value[35] !== '-' || value[52] !== '-') return undefined;
  if (version === '00' ? value.length !== 55 : value.length > 55 && value[55] !== '-') return undefined;
  const traceId = value.slice(3, 35);
  const spanId = value.slice(36, 52);
  const flags = value.slice(53, 55);
  if (!HEX_LC.test(traceId) || ZERO.test(traceId)) return undefined;
  if (!HEX_LC.test(spanId) || ZERO.test(spanId)) return undefined;
  if (!HEX_LC.test(flags)) return undefined;
  const ctx: SpanContext = {
    traceId,
    spanId,
    traceFlags: Number.parseInt(flags, 16) & KNOWN_FLAGS,
    isRemote: true,
  };
  const state = parseTracestate(tracestate);
  if (state) ctx.traceState = state;
  return ctx;
}

/** Format a span context as a version-00 `traceparent` header value. */
export function formatTraceparent(ctx: SpanContext): string {
  const flags = (ctx.traceFlags & KNOWN_FLAGS).toString(16).padStart(2, '0');
  return `00-${ctx.traceId}-${ctx.spanId}-${flags}`;
}
