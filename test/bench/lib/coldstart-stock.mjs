// sdk-coldstart entry: the stock OpenTelemetry stack a Lambda user assembles by hand —
// BasicTracerProvider + BatchSpanProcessor + OTLPTraceExporter (OTLP/JSON over HTTP), an
// AsyncLocalStorage context manager, pino with a trace-id mixin — wrapping a trivial handler.
import { context, SpanKind, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import pino from 'pino';

const provider = new BasicTracerProvider({
  spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
});
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
trace.setGlobalTracerProvider(provider);
const tracer = provider.getTracer('orders-api');

const logger = pino(
  {
    mixin() {
      const span = trace.getSpan(context.active());
      if (!span) return {};
      const { traceId, spanId, traceFlags } = span.spanContext();
      return { trace_id: traceId, span_id: spanId, trace_flags: traceFlags };
    },
  },
  pino.destination({ dest: 1, sync: true }),
);

const wrap = (fn) => async (event, ctx) => {
  const span = tracer.startSpan(ctx?.functionName ?? 'handler', { kind: SpanKind.SERVER });
  try {
    return await context.with(trace.setSpan(context.active(), span), () => fn(event, ctx));
  } finally {
    span.end();
    await provider.forceFlush();
  }
};

export const handler = wrap(async (event) => {
  logger.info({ path: event?.rawPath }, 'hello');
  return { statusCode: 200 };
});
