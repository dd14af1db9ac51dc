import {
  type Attributes,
  type Context,
  createContextKey,
  defaultTextMapSetter,
  type Span,
  type SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { getInvocation } from '../core/invocation-state.js';
import { currentSdk } from '../core/setup.js';
import { SdkSpan } from '../core/span.js';
import { W3CPropagator } from '../propagation/propagator.js';

/**
 * What every outgoing call shares: a span for it when the call is made inside a wrapped
 * invocation, the W3C headers that carry that span onwards, and a way for one layer to
 * say "already traced" to the layers below it (an AWS SDK call is one PRODUCER or CLIENT
 * span, not that span plus an HTTP span for the request it makes).
 *
 * Outgoing spans end when their call ends; one still open when the invocation finishes (a
 * response body nobody read) is ended then, so it is exported with the invocation.
 */
const SUPPRESSED = createContextKey('fntrace.outgoing.suppressed');
const w3c = new W3CPropagator();

/** `ctx` with outgoing instrumentation turned off below it. */
export function suppressOutgoing(ctx: Context): Context {
  return ctx.setValue(SUPPRESSED, true);
}

export interface Outgoing {
  span: Span;
  /** The caller's context with `span` active: inject from it, run the call in it. */
  context: Context;
}

/** The context outgoing instrumentation should act in, or undefined outside a live invocation. */
export function activeInvocationContext(): Context | undefined {
  const sdk = currentSdk();
  if (!sdk) return undefined;
  const ctx = sdk.contextManager.active();
  const invocation = getInvocation(ctx);
  if (!invocation || invocation.ended || ctx.getValue(SUPPRESSED) === true) return undefined;
  return ctx;
}

/** Start the span of an outgoing call in `parent` (see activeInvocationContext). */
export function startOutgoing(parent: Context, name: string, kind: SpanKind, attributes: Attributes): Outgoing {
  const sdk = currentSdk()!;
  const span = sdk.tracer.startSpan(name, { kind, attributes }, parent);
  if (span instanceof SdkSpan) span.endsWithInvocation = true;
  return { span, context: trace.setSpan(parent, span) };
}

/** `traceparent`, `tracestate` and `baggage` (with the correlation id) for a call made in `ctx`. */
export function contextHeaders(ctx: Context): Record<string, string> {
  const headers: Record<string, string> = {};
  w3c.inject(ctx, headers, defaultTextMapSetter);
  return headers;
}

/** Mark `span` failed by `err` (a thrown error or an error status), as the OTel conventions ask. */
export function failSpan(span: Span, errorType: string, err?: unknown): void {
  span.setAttribute('error.type', errorType);
  if (err instanceof Error) span.recordException(err);
  span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : undefined });
}

/** The name of an error for `error.type`: its `name`, else its `code`, else `_OTHER`. */
export function errorName(err: unknown): string {
  if (err && typeof err === 'object') {
    const e = err as { name?: unknown; code?: unknown };
    if (typeof e.code === 'string' && e.code) return e.code;
    if (typeof e.name === 'string' && e.name && e.name !== 'Error') return e.name;
  }
  return '_OTHER';
}
