// sdk-coldstart entry, like for like: the stock OpenTelemetry stack that does what fntrace does
// — spans and log records exported as OTLP/JSON over HTTP, W3C trace context and baggage, and
// the instrumentations for outgoing HTTP (node:http, fetch/undici) and the AWS SDK, plus pino's
// (trace ids on each line, records sent to the logs SDK) — wrapping a trivial handler by hand,
// as a bundled function must (the instrumentations' require-hooks cannot see bundled modules,
// but they are loaded and registered all the same).
import { context, propagation, trace } from '@opentelemetry/api';
import { logs } from '@opentelemetry/api-logs';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { AwsInstrumentation } from '@opentelemetry/instrumentation-aws-sdk';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PinoInstrumentation } from '@opentelemetry/instrumentation-pino';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import pino from 'pino';
import { stockHandler } from './coldstart-stock-wrap.mjs';

const provider = new BasicTracerProvider({
  spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
});
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
trace.setGlobalTracerProvider(provider);
propagation.setGlobalPropagator(
  new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
);
logs.setGlobalLoggerProvider(
  new LoggerProvider({ processors: [new SimpleLogRecordProcessor({ exporter: new OTLPLogExporter() })] }),
);
registerInstrumentations({
  instrumentations: [
    new HttpInstrumentation(),
    new UndiciInstrumentation(),
    new AwsInstrumentation(),
    new PinoInstrumentation(),
  ],
  tracerProvider: provider,
});
const logger = pino(pino.destination({ dest: 1, sync: true }));

export const handler = stockHandler(provider, logger);
