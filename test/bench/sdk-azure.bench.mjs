// Azure Functions adapter: the size and load time of a function app bundled as users deploy it
// (esbuild, minified, platform node, cjs, `@azure/functions` inside), required in fresh `node`
// processes, the variants alternating. The child (lib/coldstart-child.cjs) times the require;
// each process first gets the `@azure/functions-core` module the Node.js worker provides, so the
// app's `app.http(...)` registers as it does on Azure.
//   bare     examples/azure's orders-api function, not wrapped (baseline)
//   fntrace  examples/azure/src/functions/orders-api.js as it is: `@fntrace/sdk/azure` (bundled
//            from sdk/src), outgoing instrumentation in it, spans and logs exported
//   stock    the same function with the stock OpenTelemetry set-up for Node.js functions:
//            NodeTracerProvider (sdk-trace-node) + BatchSpanProcessor + OTLPTraceExporter
//            (exporter-trace-otlp-http) + the http instrumentation, pino with a trace-id mixin,
//            and a hand-made wrapper (SERVER span, parent from the host's trace context or the
//            request's headers, forceFlush before returning) — spans only, no log export
//
//   node test/bench/sdk-azure.bench.mjs
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { alternating, bundleSizes, loadRatios, loadStats } from './lib/cold-loads.mjs';
import * as lib from './lib/common.mjs';

const RUNS = Number(process.env.BENCH_AZURE_RUNS ?? 40);
const WARMUP_RUNS = 2;
const VARIANTS = ['bare', 'fntrace', 'stock'];
const LABELS = {
  bare: 'bare function app (no tracing)',
  fntrace: 'fntrace (@fntrace/sdk/azure: wrap + logger, outgoing instrumentation, logs exported)',
  stock: 'stock OTel (sdk-trace-node + exporter-trace-otlp-http + instrumentation-http + pino), spans only',
};
const EXAMPLE_DIR = join(lib.ROOT, 'examples/azure/src/functions');
// the host's variables for a Consumption-plan app, as the adapter's tests give them
const APP_ENV = JSON.parse(readFileSync(join(lib.ROOT, 'test/sdk/platforms/azure/consumption-env.json'), 'utf8'));

// The example's handler body, for the variants that are not the example file itself.
const handlerBody = (wrapName, headersExpr) => `
const ordersQueue = output.storageQueue({ queueName: 'orders', connection: 'AzureWebJobsStorage' });
app.http('orders-api', {
  methods: ['POST'],
  route: 'orders',
  extraOutputs: [ordersQueue],
  handler: ${wrapName}(async (request, context) => {
    const order = await request.json().catch(() => undefined);
    if (!order?.sku) {
      logger.warn('order without a sku');
      return { status: 400, jsonBody: { error: 'sku is required' } };
    }
    const orderId = crypto.randomUUID();
    context.extraOutputs.set(ordersQueue, { orderId, sku: order.sku, quantity: order.quantity ?? 1, ...${headersExpr} });
    logger.info({ orderId, sku: order.sku }, 'order accepted');
    return { status: 202, jsonBody: { orderId } };
  }),
});
`;

const SOURCES = {
  bare: `
import { app, output } from '@azure/functions';
import pino from 'pino';
const logger = pino(pino.destination({ dest: 1, sync: true }));
const plain = (fn) => fn;
${handlerBody('plain', '{}')}`,
  stock: `
import { app, output } from '@azure/functions';
import { context as otelContext, propagation, ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { stockLogger } from ${JSON.stringify(join(lib.LIB_DIR, 'stock-logger.cjs'))};

const provider = new NodeTracerProvider({ spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())] });
provider.register();
registerInstrumentations({ instrumentations: [new HttpInstrumentation()], tracerProvider: provider });
const tracer = provider.getTracer('orders-app');
const logger = stockLogger();
// by hand: the host's context (or the request's headers) as parent, a SERVER span, a flush before answering
const traced = (fn) => async (request, context) => {
  const carrier = {};
  if (context.traceContext?.traceParent) carrier.traceparent = context.traceContext.traceParent;
  for (const [k, v] of request.headers ?? []) if (k === 'traceparent' || k === 'tracestate') carrier[k] = v;
  const parent = propagation.extract(ROOT_CONTEXT, carrier);
  const attributes = { 'faas.trigger': 'http', 'faas.invocation_id': context.invocationId };
  const span = tracer.startSpan(context.functionName, { kind: SpanKind.SERVER, attributes }, parent);
  try {
    return await otelContext.with(trace.setSpan(parent, span), () => fn(request, context));
  } finally {
    span.end();
    await provider.forceFlush();
  }
};
const headers = () => {
  const out = {};
  propagation.inject(otelContext.active(), out);
  return out;
};
${handlerBody('traced', 'headers()')}`,
};

// What the Node.js worker gives every app before loading it (see test/sdk/platforms/azure/worker.mjs)
const CORE_MODULE = `data:text/javascript,${encodeURIComponent(`
import Module from 'node:module';
const core = { version: '3.12.0', setProgrammingModel() {}, registerFunction() {}, registerHook() {}, log() {} };
const original = Module.prototype.require;
Module.prototype.require = function (id, ...rest) {
  return id === '@azure/functions-core' ? core : original.call(this, id, ...rest);
};`)}`;

/** `@fntrace/sdk/azure` from the source tree, as the other SDK benches measure it. */
const sdkFromSource = {
  name: 'fntrace-sdk-source',
  setup(build) {
    build.onResolve({ filter: /^@fntrace\/sdk\/azure$/ }, () => ({ path: join(lib.SDK_SRC, 'azure.ts') }));
  },
};

/** Bundle one variant as a user deploys it; its file and sizes. */
async function bundleVariant(v) {
  const outfile = join(lib.TMP, `azure-${v}.cjs`);
  const entry =
    v === 'fntrace'
      ? { entryPoints: [join(EXAMPLE_DIR, 'orders-api.js')] }
      : { stdin: { contents: SOURCES[v], resolveDir: EXAMPLE_DIR, sourcefile: `azure-${v}.mjs`, loader: 'js' } };
  // `@azure/functions-core` is provided by the worker at run time, never installed
  const options = { bundle: true, minify: true, platform: 'node', format: 'cjs', target: 'node20' };
  await lib.bundle({ ...entry, ...options, external: ['@azure/functions-core'], plugins: [sdkFromSource], outfile });
  return bundleSizes(outfile);
}

export async function main() {
  const built = {};
  for (const v of VARIANTS) built[v] = await bundleVariant(v);
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'production',
    ...APP_ENV,
    OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318',
  };
  const times = await alternating(
    `azure: ${RUNS} fresh processes per variant`,
    VARIANTS,
    { runs: RUNS, warmup: WARMUP_RUNS },
    async (v) => {
      const args = ['--import', CORE_MODULE, join(lib.LIB_DIR, 'coldstart-child.cjs'), built[v].file];
      const { result } = await lib.runChild(args, env, { name: `azure-${v}`, timeoutMs: 30_000 });
      return result.requireMs;
    },
  );
  const stats = Object.fromEntries(VARIANTS.map((v) => [v, loadStats(times[v], built[v])]));
  const { bare, fntrace, stock } = stats;
  const result = {
    bench: 'sdk-azure',
    params: {
      processesPerVariant: RUNS,
      warmupProcesses: WARMUP_RUNS,
      esbuild: 'minify, platform node, cjs, node20; @azure/functions bundled, @azure/functions-core external',
    },
    labels: LABELS,
    variants: stats,
    peer: 'stock',
    ...loadRatios(fntrace, stock, bare),
    addedBytes: { fntrace: fntrace.bytes - bare.bytes, stock: stock.bytes - bare.bytes },
  };
  const file = lib.writeResult('sdk-azure', result);

  const kb = (n) => `${lib.fmt(n / 1024, 1)} KB`;
  console.log('\nsdk-azure: a function app bundle, required in a fresh node process');
  const rows = VARIANTS.map((v) => {
    const s = stats[v];
    const added = v === 'bare' ? '' : `+${kb(s.bytes - bare.bytes)}`;
    return [LABELS[v], lib.fmt(s.medianMs), lib.fmt(s.p90Ms), kb(s.bytes), kb(s.gzipBytes), added];
  });
  console.log(lib.textTable(['variant', 'median ms', 'p90 ms', 'bundle', 'gzip', 'added to bare'], rows));
  console.log(
    `ratio fntrace / stock: load median ${lib.fmtRatio(result.ratio)}, p90 ${lib.fmtRatio(result.ratioP90)}, ` +
      `net of bare ${lib.fmtRatio(result.ratioNetOfBare)}; bytes ${lib.fmtRatio(result.ratioBytes)}, ` +
      `gzip ${lib.fmtRatio(result.ratioGzipBytes)}`,
  );
  console.log(`result: ${file}\n`);
  return result;
}

if (lib.isMain(import.meta.url)) await main();
