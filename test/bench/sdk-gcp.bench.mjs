// The Google Cloud adapter's cold-start cost: the CloudEvent example function
// (examples/gcp/order-events.mjs) bundled as its README deploys it (esbuild, minified, platform
// node, cjs) with `@fntrace/sdk/gcp` from sdk/src, beside the stock OpenTelemetry set-up a Cloud
// Functions user assembles by hand around a function, then each bundle required in
// fresh `node` processes, the variants alternating (lib/coldstart-child.cjs times the require).
//   bare     the function alone, logging with console (baseline)
//   fntrace  the example as it is: `wrap` + `logger` from @fntrace/sdk/gcp
//   stock    NodeTracerProvider (@opentelemetry/sdk-trace-node: AsyncLocalStorage context, W3C
//            propagators) + BatchSpanProcessor + OTLPTraceExporter (OTLP/JSON over HTTP) + the
//            http instrumentation, pino with a trace-id mixin, and the hand-made span-and-flush
//            wrapper of the other cold-start bench around a trivial function (lib/)
//
//   node test/bench/sdk-gcp.bench.mjs          (BENCH_GCP_RUNS, default 40 processes a variant)
import { join } from 'node:path';
import { alternating, bundleSizes, loadRatios, loadStats, loadTable } from './lib/cold-loads.mjs';
import { bundle, fmtRatio, isMain, LIB_DIR, ROOT, runChild, SDK_SRC, TMP, writeResult } from './lib/common.mjs';

const RUNS = Number(process.env.BENCH_GCP_RUNS ?? 40);
const WARMUP_RUNS = 2;
const VARIANTS = ['bare', 'fntrace', 'stock'];
const LABELS = {
  bare: 'bare function (console.log)',
  fntrace: 'fntrace: examples/gcp/order-events.mjs with @fntrace/sdk/gcp',
  stock: 'stock OTel: sdk-trace-node + exporter-trace-otlp-http + instrumentation-http + pino',
};
const EXAMPLE = join(ROOT, 'examples/gcp/order-events.mjs');

const ENTRIES = {
  bare: `export const handler = async (event) => console.log(JSON.stringify({ type: event?.type, msg: 'hello' }));`,
  // the example itself; `handler` is what the timing child looks for
  fntrace: `export { orderEvents as handler } from ${JSON.stringify(EXAMPLE)};`,
  // the stock set the other SDK benches use (lib/stock-logger.cjs, lib/coldstart-stock-wrap.mjs),
  // with Node's tracer provider and the http instrumentation, as a Cloud Functions user sets it up
  stock: `
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { stockHandler } from './test/bench/lib/coldstart-stock-wrap.mjs';
import { stockLogger } from './test/bench/lib/stock-logger.cjs';

const provider = new NodeTracerProvider({ spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())] });
provider.register();
registerInstrumentations({ instrumentations: [new HttpInstrumentation()], tracerProvider: provider });
export const handler = stockHandler(provider, stockLogger());`,
};

async function buildBundles() {
  const out = {};
  for (const v of VARIANTS) {
    const outfile = join(TMP, `gcp-${v}.cjs`);
    await bundle({
      stdin: { contents: ENTRIES[v], resolveDir: ROOT, sourcefile: `gcp-${v}.mjs`, loader: 'js' },
      bundle: true,
      minify: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      // the SDK from source, as the other SDK benches measure it
      alias: { '@fntrace/sdk/gcp': join(SDK_SRC, 'gcp.ts') },
      outfile,
    });
    out[v] = bundleSizes(outfile);
  }
  return out;
}

/** The environment of a Cloud Run function's process (what the platform sets). */
const gcpEnv = () => ({
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  NODE_ENV: 'production',
  K_SERVICE: 'order-events',
  K_REVISION: 'order-events-00001-abc',
  K_CONFIGURATION: 'order-events',
  FUNCTION_TARGET: 'orderEvents',
  FUNCTION_SIGNATURE_TYPE: 'cloudevent',
  PORT: '8080',
  GOOGLE_CLOUD_PROJECT: 'orders-project',
  // nothing answers there: the metadata lookup fails at once instead of waiting for a timeout
  GCE_METADATA_HOST: '127.0.0.1:9',
  OTEL_SERVICE_NAME: 'order-events',
  OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318',
});

export async function main() {
  const bundles = await buildBundles();
  const env = gcpEnv();
  const handlerTypes = {};
  const samples = await alternating(
    `gcp: ${RUNS} fresh processes per variant`,
    VARIANTS,
    { runs: RUNS, warmup: WARMUP_RUNS },
    async (v) => {
      const { result } = await runChild([join(LIB_DIR, 'coldstart-child.cjs'), bundles[v].file], env, {
        name: `gcp-${v}`,
        timeoutMs: 30_000,
      });
      handlerTypes[v] = result.handler;
      return result.requireMs;
    },
  );
  const stats = Object.fromEntries(VARIANTS.map((v) => [v, loadStats(samples[v], bundles[v])]));
  const peer = stats.stock;
  const result = {
    bench: 'sdk-gcp',
    params: { processesPerVariant: RUNS, warmupProcesses: WARMUP_RUNS, esbuild: 'minify, platform node, cjs, node20' },
    labels: LABELS,
    variants: stats,
    ...loadRatios(stats.fntrace, peer, stats.bare),
    checks: { handlerExported: handlerTypes },
  };
  const file = writeResult('sdk-gcp', result);

  console.log('\nsdk-gcp: the Google Cloud adapter, time to require the bundle in a fresh node process');
  console.log(loadTable(VARIANTS, LABELS, stats));
  console.log(
    `ratio fntrace / stock: load median ${fmtRatio(result.ratio)}, p90 ${fmtRatio(result.ratioP90)}, ` +
      `net of bare ${fmtRatio(result.ratioNetOfBare)}; bytes ${fmtRatio(result.ratioBytes)}, ` +
      `gzip ${fmtRatio(result.ratioGzipBytes)}`,
  );
  console.log(`result: ${file}\n`);
  return result;
}

if (isMain(import.meta.url)) await main();
