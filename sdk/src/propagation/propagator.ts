import {
  type Context,
  propagation,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
  trace,
} from '@opentelemetry/api';
import { formatBaggage, parseBaggage } from './baggage.js';
import { formatTraceparent, parseTraceparent } from './traceparent.js';

/**
 * The propagator fntrace registers globally: W3C `traceparent`/`tracestate` and `baggage`,
 * in and out. Instrumented HTTP clients use it through `@opentelemetry/api`.
 */
export class W3CPropagator implements TextMapPropagator {
  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    const span = trace.getSpanContext(context);
    if (span && trace.isSpanContextValid(span)) {
      setter.set(carrier, 'traceparent', formatTraceparent(span));
      const ts = span.traceState?.serialize();
      if (ts) setter.set(carrier, 'tracestate', ts);
    }
    const baggage = propagation.getBaggage(context);
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

/** A getter over a plain header object whose keys may be in any case. */
export const caseInsensitiveGetter: TextMapGetter<Record<string, unknown> | undefined> = {
  keys: (carrier) => (carrier ? Object.keys(carrier) : []),
  get(carrier, key) {
    if (!carrier) return undefined;
    const direct = carrier[key];
    if (typeof direct === 'string') return direct;
    const lower = key.toLowerCase();
    for (const k of Object.keys(carrier)) {
      if (k.toLowerCase() === lower) {
        const v = carrier[k];
        if (typeof v === 'string') return v;
        if (Array.isArray(v) && typeof v[0] === 'string') return v[0];
      }
    }
    return undefined;
  },
};
