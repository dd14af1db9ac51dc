// sdk-coldstart entry: the stock OpenTelemetry stack a Lambda user assembles by hand —
// BasicTracerProvider + BatchSpanProcessor + OTLPTraceExporter (OTLP/JSON over HTTP), an
// AsyncLocalStorage context manager, pino with a trace-id mixin — wrapping a trivial handler.
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import pino from 'pino';
import { stockHandler } from './coldstart-stock-wrap.mjs';

const provider = new BasicTracerProvider({
  spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
});
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
trace.setGlobalTracerProvider(provider);

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

export const handler = stockHandler(provider, logger);
