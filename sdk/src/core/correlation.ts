import { context, propagation } from '@opentelemetry/api';
import { getInvocation, getRecord } from './invocation-state.js';

/**
 * The correlation id of the current invocation — or, inside `records()`, of the current
 * record when it carried its own. Taken from `x-correlation-id` / `x-request-id` headers,
 * a `correlation_id` baggage member or message attribute, else the platform request id.
 * Undefined outside a wrapped handler.
 *
 * @example
 * await fetch(url, { headers: { 'x-correlation-id': correlationId() ?? '' } });
 */
export function correlationId(): string | undefined {
  const ctx = context.active();
  return getRecord(ctx)?.correlationId ?? getInvocation(ctx)?.correlationId;
}

/**
 * W3C headers (`traceparent`, `tracestate`, `baggage` with `correlation_id`) for an outgoing
 * request, so the next function continues this trace. Instrumented HTTP clients add them
 * on their own; use this with a bare `fetch` or a message attribute map.
 *
 * @example
 * await fetch(url, { headers: { ...traceHeaders() } });
 */
export function traceHeaders(): Record<string, string> {
  const headers: Record<string, string> = {};
  propagation.inject(context.active(), headers);
  return headers;
}
