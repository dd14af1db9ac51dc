import {
  type Context,
  propagation,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
  trace,
} from '@opentelemetry/api';
import { getInvocation, getRecord } from '../core/invocation-state.js';
import { formatBaggage, parseBaggage } from './baggage.js';
import { formatTraceparent, parseTraceparent } from './traceparent.js';

/**
 * The propagator fntrace registers globally: W3C `traceparent`/`tracestate` and `baggage`,
 * in and out. Instrumented HTTP clients use it through `@opentelemetry/api`.
 *
 * On the way out, the current correlation id (the record's inside `records()`, else the
 * invocation's) is added to the baggage as `correlation_id`. Adding it here, when a call
 * actually leaves, rather than building a baggage object for every invocation keeps the
 * per-invocation cost down.
 */
export class W3CPropagator implements TextMapPropagator {
  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    const span = trace.getSpanContext(context);
    if (span && trace.isSpanContextValid(span)) {
      setter.set(carrier, 'traceparent', formatTraceparent(span));
      const ts = span.traceState?.serialize();
      if (ts) setter.set(carrier, 'tracestate', ts);
    }
    let baggage = propagation.getBaggage(context);
    const correlationId = getRecord(context)?.correlationId ?? getInvocation(context)?.correlationId;
    if (correlationId && !baggage) {
      // the common case, once per outgoing call: no other baggage, so no Baggage object to build
      setter.set(carrier, 'baggage', correlationBaggage(correlationId));
      return;
    }
    if (correlationId) baggage = baggage!.setEntry('correlation_id', { value: correlationId });
    if (baggage && baggage.getAllEntries().length > 0) {
      setter.set(carrier, 'baggage', formatBaggage(baggage));
    }
  }

  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    let ctx = context;
    const first = (key: string): string | undefined => {
      const v = getter.get(carrier, key);
      return Array.isArray(v) ? v[0] : v;
    };
    const parent = parseTraceparent(first('traceparent'), first('tracestate'));
    if (parent) ctx = trace.setSpanContext(ctx, parent);
    const baggage = parseBaggage(first('baggage'));
    if (baggage) ctx = propagation.setBaggage(ctx, baggage);
    return ctx;
  }

  fields(): string[] {
    return ['traceparent', 'tracestate', 'baggage'];
  }
}

let lastId: string | undefined;
let lastHeader = '';

/** `correlation_id=<id>`, percent-encoded, remembered for the invocation's next call. */
function correlationBaggage(id: string): string {
  if (id !== lastId) {
    lastId = id;
    lastHeader = `correlation_id=${encodeURIComponent(id)}`;
  }
  return lastHeader;
}

/** A getter over a header map whose keys are already lower-case. */
export const lowerCaseGetter: TextMapGetter<Record<string, string> | undefined> = {
  keys: (carrier) => (carrier ? Object.keys(carrier) : []),
  get: (carrier, key) => carrier?.[key],
};
