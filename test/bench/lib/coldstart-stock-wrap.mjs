// The hand-made Lambda wrapper of the stock sdk-coldstart entries: a SERVER span around the
// handler, then forceFlush before returning, as the OpenTelemetry Lambda layer does.
import { context, SpanKind, trace } from '@opentelemetry/api';

export function stockHandler(provider, logger) {
  const tracer = provider.getTracer('orders-api');
  const wrap = (fn) => async (event, ctx) => {
    const span = tracer.startSpan(ctx?.functionName ?? 'handler', { kind: SpanKind.SERVER });
    try {
      return await context.with(trace.setSpan(context.active(), span), () => fn(event, ctx));
    } finally {
      span.end();
      await provider.forceFlush();
    }
  };
  return wrap(async (event) => {
    logger.info({ path: event?.rawPath }, 'hello');
    return { statusCode: 200 };
  });
}
