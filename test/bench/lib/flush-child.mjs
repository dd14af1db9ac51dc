// One variant of sdk-flush in its own process (stdout is /dev/null), exporting to the
// receiver at OTEL_EXPORTER_OTLP_ENDPOINT. The handler records performance.now() just
// before it returns; the flush time is from then until the wrapped call resolves.
//   node flush-child.mjs fntrace|stock
import { createRequire } from 'node:module';
import { apiGatewayEvent, lambdaContext, writeChildResult } from './common.mjs';

const require = createRequire(import.meta.url);
const variant = process.argv[2];
const N = Number(process.env.BENCH_N ?? 1000);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 200);
const endpoint = process.env.OTEL_EXPORTER_OTLP_ENDPOINT;

const { makeHandler } = require('./handler-body.cjs');
let returnedAt = 0;
const onReturn = () => {
  returnedAt = performance.now();
};
let wrapped;

if (variant === 'fntrace') {
  const sdk = await import(process.env.BENCH_FNTRACE_BUNDLE);
  wrapped = sdk.wrap(makeHandler(sdk.logger, onReturn));
} else if (variant === 'stock') {
  const { SpanKind, context, trace } = require('@opentelemetry/api');
  const { AsyncLocalStorageContextManager } = require('@opentelemetry/context-async-hooks');
  const { BasicTracerProvider, BatchSpanProcessor } = require('@opentelemetry/sdk-trace-base');
  const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http');
  const { stockLogger } = require('./stock-logger.cjs');
  const provider = new BasicTracerProvider({
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${endpoint}/v1/traces` }))],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(provider);
  const tracer = provider.getTracer('orders-api');
  const handler = makeHandler(stockLogger(), onReturn);
  // what the OTel Lambda layer does: span around the handler, forceFlush before returning
  wrapped = async (event, ctx) => {
    const span = tracer.startSpan(ctx.functionName, {
      kind: SpanKind.SERVER,
      attributes: { 'faas.invocation_id': ctx.awsRequestId, 'cloud.resource_id': ctx.invokedFunctionArn },
    });
    try {
      return await context.with(trace.setSpan(context.active(), span), () => handler(event, ctx));
    } finally {
      span.end();
      await provider.forceFlush();
    }
  };
} else {
  throw new Error(`unknown variant ${variant}`);
}

const event = apiGatewayEvent();
let seq = 0;
for (let i = 0; i < WARMUP; i++) await wrapped(event, lambdaContext(seq++));

const flushMs = [];
const totalMs = [];
for (let i = 0; i < N; i++) {
  const ctx = lambdaContext(seq++);
  const t0 = performance.now();
  await wrapped(event, ctx);
  const t1 = performance.now();
  flushMs.push(t1 - returnedAt);
  totalMs.push(t1 - t0);
}
writeChildResult({ variant, n: N, flushMs, totalMs, invocations: seq });
