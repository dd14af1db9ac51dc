// Cold-start load cost: each stack bundled as users deploy it (esbuild, minified, platform
// node, cjs) around a trivial handler, then required in fresh `node` processes, the
// variants alternating. The child times the require with hrtime.
//   bare     the handler alone (baseline)
//   pino     the handler logging with pino, nothing else (reference row)
//   fntrace     `wrap` + `logger` from the SDK (bundled from sdk/src), its outgoing
//               instrumentation (fetch, node:http, AWS SDK) in it
//   stock-full  like for like: traces and logs exported as OTLP/JSON, W3C propagators, the
//               http, undici, aws-sdk and pino instrumentations (coldstart-stock-full.mjs)
//   stock       breakdown row: BasicTracerProvider + BatchSpanProcessor + OTLPTraceExporter
//               (OTLP/JSON over HTTP) + AsyncLocalStorageContextManager + pino with a
//               trace-id mixin — spans only, no instrumentation
//
//   node test/bench/sdk-coldstart.bench.mjs
import { join } from 'node:path';
import { alternating, bundleSizes, loadRatios, loadStats, loadTable } from './lib/cold-loads.mjs';
import { bundle, fmtRatio, isMain, LIB_DIR, lambdaEnv, round, runChild, TMP, writeResult } from './lib/common.mjs';

const RUNS = Number(process.env.BENCH_COLDSTART_RUNS ?? 60);
const WARMUP_RUNS = 2;
const GOAL = 0.3;
const VARIANTS = ['bare', 'pino', 'fntrace', 'stock-full', 'stock'];
const LABELS = {
  bare: 'bare handler',
  pino: 'reference: pino only',
  fntrace: 'fntrace (wrap + logger, outgoing instrumentation in it)',
  'stock-full': 'stock OTel, like for like (traces + logs exporters, http/undici/aws-sdk/pino instrumentations)',
  stock: 'breakdown: stock OTel, spans only (sdk-trace-base + exporter-trace-otlp-http + pino)',
};

async function buildBundles() {
  const out = {};
  for (const v of VARIANTS) {
    const outfile = join(TMP, `coldstart-${v}.cjs`);
    await bundle({
      entryPoints: [join(LIB_DIR, `coldstart-${v}.mjs`)],
      bundle: true,
      minify: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      outfile,
    });
    out[v] = bundleSizes(outfile);
  }
  return out;
}

export async function main() {
  const bundles = await buildBundles();
  const env = lambdaEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' });
  const handlerTypes = {};
  const samples = await alternating(
    `coldstart: ${RUNS} fresh processes per variant`,
    VARIANTS,
    { runs: RUNS, warmup: WARMUP_RUNS },
    async (v) => {
      const { result } = await runChild([join(LIB_DIR, 'coldstart-child.cjs'), bundles[v].file], env, {
        name: `coldstart-${v}`,
        timeoutMs: 30_000,
      });
      handlerTypes[v] = result.handler;
      return result.requireMs;
    },
  );
  const stats = Object.fromEntries(VARIANTS.map((v) => [v, loadStats(samples[v], bundles[v])]));
  const peer = stats['stock-full'];
  const { ratio, ratioP90, ratioNetOfBare, ratioBytes } = loadRatios(stats.fntrace, peer, stats.bare);
  const ratioVsSpanOnly = round(stats.fntrace.medianMs / stats.stock.medianMs, 3);
  const result = {
    bench: 'sdk-coldstart',
    params: { processesPerVariant: RUNS, warmupProcesses: WARMUP_RUNS, esbuild: 'minify, platform node, cjs, node20' },
    labels: LABELS,
    variants: stats,
    ratio,
    ratioP90,
    ratioNetOfBare,
    ratioBytes,
    ratioVsSpanOnly,
    goal: GOAL,
    checks: { handlerExported: handlerTypes },
  };
  const file = writeResult('sdk-coldstart', result);

  console.log('\nsdk-coldstart: time to require the bundle in a fresh node process');
  console.log(loadTable(VARIANTS, LABELS, stats));
  console.log(
    `ratio fntrace / like-for-like stock: median ${fmtRatio(ratio)}, p90 ${fmtRatio(ratioP90)}, ` +
      `net of bare ${fmtRatio(ratioNetOfBare)}, bytes ${fmtRatio(ratioBytes)} (goal ≤ ${GOAL}×); ` +
      `vs the spans-only stock ${fmtRatio(ratioVsSpanOnly)}`,
  );
  console.log(`result: ${file}\n`);
  return result;
}

if (isMain(import.meta.url)) await main();
