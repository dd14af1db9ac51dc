import { type Baggage, type Context, propagation, ROOT_CONTEXT, type SpanContext, trace } from '@opentelemetry/api';
import { lowerCaseGetter, W3CPropagator } from '../../propagation/propagator.js';
import { FLAG_SAMPLED } from '../../propagation/traceparent.js';
import { parseCloudTraceContext, sameSpan } from './cloud-trace.js';

/**
 * The parent context of a Google Cloud invocation, and where it came from
 * (`fntrace.parent.source`).
 *
 * Cloud Run's front end puts its own span in every request it routes: an
 * `X-Cloud-Trace-Context` and a `traceparent` naming the same span (continuing the caller's
 * trace when the caller sent one), sampled for Cloud Trace at most 0.1 request/s per instance.
 * That span never reaches an OpenTelemetry collector, and its sampled flag is Cloud Trace's
 * budget, not the caller's decision. So, as the Lambda adapter does with X-Ray's header:
 * - a `traceparent` that is not the front end's is the parent (`http-headers`), sampled or not;
 * - the front end's span (a `traceparent` naming the same span as `X-Cloud-Trace-Context`, or
 *   that header alone) is the parent only when it says sampled (`x-cloud-trace-context`);
 *   otherwise the invocation starts a trace of its own (baggage still applies).
 */
const w3c = new W3CPropagator();

export interface Parent {
  context: Context;
  source: string | undefined;
}

const sampled = (sc: SpanContext) => (sc.traceFlags & FLAG_SAMPLED) === FLAG_SAMPLED;

/** From lower-cased HTTP headers. */
export function parentFromHeaders(headers: Record<string, string>): Parent {
  let ctx = w3c.extract(ROOT_CONTEXT, headers, lowerCaseGetter);
  const w3cParent = trace.getSpanContext(ctx);
  const cloud = parseCloudTraceContext(headers['x-cloud-trace-context']);
  if (w3cParent && !(cloud && sameSpan(w3cParent, cloud))) return { context: ctx, source: 'http-headers' };
  if (w3cParent) {
    if (sampled(w3cParent)) return { context: ctx, source: 'x-cloud-trace-context' };
    return { context: trace.deleteSpan(ctx), source: undefined };
  }
  if (cloud && sampled(cloud)) {
    ctx = trace.setSpanContext(ctx, cloud);
    return { context: ctx, source: 'x-cloud-trace-context' };
  }
  return { context: ctx, source: undefined };
}

/** A producer's context read from a message, with its baggage. */
export function withParent(
  ctx: Context,
  parent: SpanContext | undefined,
  baggage: Baggage | undefined,
): { context: Context; found: boolean } {
  let out = baggage ? propagation.setBaggage(ctx, baggage) : ctx;
  if (parent) out = trace.setSpanContext(out, parent);
  return { context: out, found: parent !== undefined };
}
