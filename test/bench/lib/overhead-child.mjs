// One variant of sdk-overhead in its own process (stdout is /dev/null): set up, warm up,
// then ROUNDS rounds of N sequential invocations; writes µs per invocation of each round.
//   node overhead-child.mjs bare|fntrace|stock
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { apiGatewayEvent, LIB_DIR, lambdaContext, writeChildResult } from './common.mjs';

const require = createRequire(import.meta.url);
const variant = process.argv[2];
const N = Number(process.env.BENCH_N ?? 5000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2000);

const { makeHandler } = require('./handler-body.cjs');
let handler;
let afterRound = () => {};
let check = () => ({});

if (variant === 'bare') {
  const pino = require('pino');
  handler = makeHandler(pino(pino.destination({ dest: 1, sync: true })));
} else if (variant === 'fntrace' || variant === 'fntrace-noexport') {
  // fntrace-noexport: OTEL_SDK_DISABLED=true, so nothing is queued or encoded (a breakdown row)
  if (variant === 'fntrace-noexport') process.env.OTEL_SDK_DISABLED = 'true';
  const sdk = await import(process.env.BENCH_FNTRACE_BUNDLE);
  // in-memory transport: the flush still encodes OTLP/JSON, it just does not send it
  const sent = { requests: 0, bytes: 0, last: {} };
  const memoryTransport = {
    send(url, body) {
      sent.requests++;
      sent.bytes += body.length;
      sent.last[url.endsWith('/v1/logs') ? 'logs' : 'traces'] = body;
      return Promise.resolve({ ok: true, retryable: false });
    },
  };
  sdk.initSdk({ ...sdk.lambdaPlatform, transport: memoryTransport });
  handler = sdk.wrap(makeHandler(sdk.logger));
  check = () => {
    const traces = JSON.parse(sent.last.traces ?? '{}');
    const logs = JSON.parse(sent.last.logs ?? '{}');
    const span = traces.resourceSpans?.[0]?.scopeSpans?.[0]?.spans?.[0];
    return {
      requests: sent.requests,
      bytesPerInvocation: sent.bytes / (sent.requests / 2),
      spansInLastFlush: traces.resourceSpans?.[0]?.scopeSpans?.flatMap((s) => s.spans).length ?? 0,
      logsInLastFlush: logs.resourceLogs?.[0]?.scopeLogs?.[0]?.logRecords?.length ?? 0,
      spanName: span?.name,
      traceId: span?.traceId,
      dropped: sdk.droppedCounts(),
    };
  };
} else if (variant === 'stock' || variant === 'stock-otlpjson') {
  process.env.LAMBDA_TASK_ROOT = LIB_DIR;
  process.env._HANDLER = 'stock-handler.handler';
  const { NodeTracerProvider } = require('@opentelemetry/sdk-trace-node');
  const { SimpleSpanProcessor, InMemorySpanExporter } = require('@opentelemetry/sdk-trace-base');
  // InMemorySpanExporter as shipped answers export() through setTimeout(0), which adds a
  // ≥1 ms timer turn to every invocation's forceFlush; this one answers at once, like
  // fntrace's in-memory transport does.
  // stock-otlpjson (a breakdown row) also encodes each export as OTLP/JSON, as
  // OTLPTraceExporter would before sending, to compare with fntrace's in-memory transport.
  const serializer =
    variant === 'stock-otlpjson'
      ? createRequire(require.resolve('@opentelemetry/exporter-trace-otlp-http'))('@opentelemetry/otlp-transformer')
          .JsonTraceSerializer
      : undefined;
  class PromptInMemorySpanExporter extends InMemorySpanExporter {
    export(spans, resultCallback) {
      if (serializer) this.lastBody = serializer.serializeRequest(spans);
      this.getFinishedSpans().push(...spans);
      resultCallback({ code: 0 });
    }
  }
  const { registerInstrumentations } = require('@opentelemetry/instrumentation');
  const { AwsLambdaInstrumentation } = require('@opentelemetry/instrumentation-aws-lambda');
  const exporter = new PromptInMemorySpanExporter();
  const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  // AsyncLocalStorageContextManager + W3C trace context and baggage propagators
  provider.register();
  registerInstrumentations({ instrumentations: [new AwsLambdaInstrumentation()], tracerProvider: provider });
  const mod = require(join(LIB_DIR, 'stock-handler.cjs'));
  handler = mod.handler;
  let total = 0;
  afterRound = () => {
    total += exporter.getFinishedSpans().length;
    exporter.reset();
  };
  check = () => ({
    patched: handler.name === 'patchedHandlerWithCallback' || handler.name === 'patchedHandler',
    handlerName: handler.name,
    spans: total + exporter.getFinishedSpans().length,
    traceId: exporter.getFinishedSpans().at(-1)?.spanContext().traceId,
    bytesPerInvocation: exporter.lastBody?.length,
  });
} else if (variant === 'stock-full') {
  // Like for like: the span and the three log records both exported, as OTLP/JSON, through the
  // stock SDKs — the logs SDK fed by @opentelemetry/instrumentation-pino's log sending.
  process.env.LAMBDA_TASK_ROOT = LIB_DIR;
  process.env._HANDLER = 'stock-logs-handler.handler';
  const { NodeTracerProvider } = require('@opentelemetry/sdk-trace-node');
  const { SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-base');
  const { LoggerProvider, SimpleLogRecordProcessor } = require('@opentelemetry/sdk-logs');
  const { logs } = require('@opentelemetry/api-logs');
  const transformer = createRequire(require.resolve('@opentelemetry/exporter-trace-otlp-http'))(
    '@opentelemetry/otlp-transformer',
  );
  // exporters that encode what OTLPTraceExporter / OTLPLogExporter would send, and answer at once
  const sent = { spans: 0, logs: 0, bytes: 0, lastLogs: undefined };
  const spanExporter = {
    export(spans, done) {
      const body = transformer.JsonTraceSerializer.serializeRequest(spans);
      sent.spans += spans.length;
      sent.bytes += body.length;
      done({ code: 0 });
    },
    shutdown: () => Promise.resolve(),
    forceFlush: () => Promise.resolve(),
  };
  const logExporter = {
    export(records, done) {
      const body = transformer.JsonLogsSerializer.serializeRequest(records);
      sent.logs += records.length;
      sent.bytes += body.length;
      sent.lastLogs = body;
      done({ code: 0 });
    },
    shutdown: () => Promise.resolve(),
    forceFlush: () => Promise.resolve(),
  };
  const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spanExporter)] });
  provider.register();
  logs.setGlobalLoggerProvider(
    new LoggerProvider({ processors: [new SimpleLogRecordProcessor({ exporter: logExporter })] }),
  );
  const { registerInstrumentations } = require('@opentelemetry/instrumentation');
  const { AwsLambdaInstrumentation } = require('@opentelemetry/instrumentation-aws-lambda');
  const { PinoInstrumentation } = require('@opentelemetry/instrumentation-pino');
  registerInstrumentations({
    instrumentations: [new AwsLambdaInstrumentation(), new PinoInstrumentation()],
    tracerProvider: provider,
  });
  handler = require(join(LIB_DIR, 'stock-logs-handler.cjs')).handler;
  check = () => {
    const last = JSON.parse(new TextDecoder().decode(sent.lastLogs ?? new Uint8Array()) || '{}');
    return {
      patched: handler.name === 'patchedHandlerWithCallback' || handler.name === 'patchedHandler',
      spans: sent.spans,
      logRecords: sent.logs,
      bytesPerInvocation: sent.bytes / Math.max(1, sent.spans),
      lastLogHasTraceId: Boolean(last.resourceLogs?.[0]?.scopeLogs?.[0]?.logRecords?.[0]?.traceId),
    };
  };
} else {
  throw new Error(`unknown variant ${variant}`);
}

const event = apiGatewayEvent();
let seq = 0;
for (let i = 0; i < WARMUP; i++) await handler(event, lambdaContext(seq++));
afterRound();

const rounds = [];
for (let r = 0; r < ROUNDS; r++) {
  const ctxs = Array.from({ length: N }, () => lambdaContext(seq++));
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) await handler(event, ctxs[i]);
  const t1 = process.hrtime.bigint();
  rounds.push(Number(t1 - t0) / 1e3 / N);
  if (r === ROUNDS - 1) {
    // keep the last round's spans for the check
    const c = check();
    afterRound();
    writeChildResult({ variant, n: N, rounds: rounds, check: c, invocations: seq });
  } else {
    afterRound();
  }
}
