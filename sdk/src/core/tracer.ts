import {
  context as apiContext,
  type Context,
  type Span,
  type SpanOptions,
  TraceFlags,
  type Tracer,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import { FLAG_RANDOM } from '../propagation/traceparent.js';
import { newSpanId, newTraceId } from './ids.js';
import { getInvocation, getRecord } from './invocation-state.js';
import type { KeyMatcher } from './redaction.js';
import { SdkSpan } from './span.js';

/**
 * fntrace's tracer: the part of an OpenTelemetry SDK a function needs (sampling, ids,
 * recording spans, handing ended spans to the exporter) and nothing else, so it loads
 * in a fraction of `@opentelemetry/sdk-trace-base`'s time. Spans started inside a
 * wrapped invocation are tracked there so the timeout guard can end them.
 */
export interface TracerHooks {
  sample(parent: import('@opentelemetry/api').SpanContext | undefined, traceId: string): boolean;
  onEnd(span: SdkSpan): void;
  isSecret: KeyMatcher;
}

export class SdkTracer implements Tracer {
  private readonly scope: { name: string; version: string | undefined };
  private readonly hooks: TracerHooks;
  private readonly spanHooks: { onEnd(span: SdkSpan): void; isSecret: KeyMatcher };

  constructor(name: string, version: string | undefined, hooks: TracerHooks) {
    this.scope = { name, version };
    this.hooks = hooks;
    this.spanHooks = {
      isSecret: hooks.isSecret,
      onEnd: (span) => {
        span.openIn?.delete(span);
        hooks.onEnd(span);
      },
    };
  }

  startSpan(name: string, options: SpanOptions = {}, ctx: Context = apiContext.active()): Span {
    const parent = options.root ? undefined : trace.getSpanContext(ctx);
    const validParent = parent && trace.isSpanContextValid(parent) ? parent : undefined;
    const traceId = validParent?.traceId ?? newTraceId();
    const spanId = newSpanId();
    // Level 2's random flag: ours are random; a continued trace keeps what its parent said
    const random = validParent ? validParent.traceFlags & FLAG_RANDOM : FLAG_RANDOM;
    if (!this.hooks.sample(validParent, traceId)) {
      return trace.wrapSpanContext({ traceId, spanId, traceFlags: random, traceState: validParent?.traceState });
    }
    const span = new SdkSpan({
      name,
      context: { traceId, spanId, traceFlags: TraceFlags.SAMPLED | random, traceState: validParent?.traceState },
      parentSpanId: validParent?.spanId,
      parentIsRemote: validParent?.isRemote,
      kind: options.kind,
      scope: this.scope,
      startTime: options.startTime,
      attributes: options.attributes,
      links: options.links,
      hooks: this.spanHooks,
    });
    const invocation = getInvocation(ctx);
    if (invocation) {
      // every span of an invocation carries its correlation id (the record's inside records())
      if (!('fntrace.correlation_id' in span.attributes)) {
        span.setAttribute('fntrace.correlation_id', getRecord(ctx)?.correlationId ?? invocation.correlationId);
      }
      if (!invocation.ended) {
        invocation.openSpans.add(span);
        span.openIn = invocation.openSpans;
      }
    }
    return span;
  }

  startActiveSpan<F extends (span: Span) => unknown>(name: string, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(name: string, options: SpanOptions, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(
    name: string,
    options: SpanOptions,
    ctx: Context,
    fn: F,
  ): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(
    name: string,
    a?: SpanOptions | F,
    b?: Context | F,
    c?: F,
  ): ReturnType<F> {
    let options: SpanOptions = {};
    let ctx = apiContext.active();
    let fn: F;
    if (typeof a === 'function') fn = a;
    else if (typeof b === 'function') {
      options = a ?? {};
      fn = b;
    } else {
      options = a ?? {};
      ctx = b ?? ctx;
      fn = c as F;
    }
    const span = this.startSpan(name, options, ctx);
    return apiContext.with(trace.setSpan(ctx, span), () => fn(span)) as ReturnType<F>;
  }
}

export class SdkTracerProvider implements TracerProvider {
  private readonly tracers = new Map<string, SdkTracer>();
  constructor(private readonly hooks: TracerHooks) {}

  getTracer(name: string, version?: string): Tracer {
    const key = `${name}@${version ?? ''}`;
    let tracer = this.tracers.get(key);
    if (!tracer) {
      tracer = new SdkTracer(name, version, this.hooks);
      this.tracers.set(key, tracer);
    }
    return tracer;
  }
}
