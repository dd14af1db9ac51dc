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
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  bundle,
  fmt,
  fmtRatio,
  isMain,
  LIB_DIR,
  lambdaEnv,
  median,
  quantile,
  round,
  runChild,
  TMP,
  textTable,
  writeResult,
} from './lib/common.mjs';

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
    const bytes = readFileSync(outfile);
    out[v] = { file: outfile, bytes: bytes.length, gzipBytes: gzipSync(bytes).length };
  }
  return out;
}

export async function main() {
  const bundles = await buildBundles();
  const env = lambdaEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' });
  const samples = Object.fromEntries(VARIANTS.map((v) => [v, []]));
  const handlerTypes = {};
  process.stdout.write(`  coldstart: ${RUNS} fresh processes per variant `);
  for (let run = -WARMUP_RUNS; run < RUNS; run++) {
    // alternate the variants, and rotate which one goes first
    const order = VARIANTS.map((_, i) => VARIANTS[(i + Math.max(run, 0)) % VARIANTS.length]);
    for (const v of order) {
      const { result } = await runChild([join(LIB_DIR, 'coldstart-child.cjs'), bundles[v].file], env, {
        name: `coldstart-${v}`,
        timeoutMs: 30_000,
      });
      handlerTypes[v] = result.handler;
      if (run >= 0) samples[v].push(result.requireMs);
    }
    if (run >= 0 && run % 5 === 4) process.stdout.write('.');
  }
  process.stdout.write('\n');

  const stats = {};
  for (const v of VARIANTS) {
    stats[v] = {
      medianMs: round(median(samples[v]), 3),
      p90Ms: round(quantile(samples[v], 0.9), 3),
      minMs: round(Math.min(...samples[v]), 3),
      bytes: bundles[v].bytes,
      gzipBytes: bundles[v].gzipBytes,
      samplesMs: samples[v].map((s) => round(s, 3)),
    };
  }
  const peer = stats['stock-full'];
  const ratio = round(stats.fntrace.medianMs / peer.medianMs, 3);
  const ratioP90 = round(stats.fntrace.p90Ms / peer.p90Ms, 3);
  const ratioNetOfBare = round(
    (stats.fntrace.medianMs - stats.bare.medianMs) / (peer.medianMs - stats.bare.medianMs),
    3,
  );
  const ratioBytes = round(stats.fntrace.bytes / peer.bytes, 3);
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
  console.log(
    textTable(
      ['variant', 'median ms', 'p90 ms', 'bundle bytes', 'gzip bytes'],
      VARIANTS.map((v) => [
        LABELS[v],
        fmt(stats[v].medianMs),
        fmt(stats[v].p90Ms),
        stats[v].bytes.toLocaleString('en-US'),
        stats[v].gzipBytes.toLocaleString('en-US'),
      ]),
    ),
  );
  console.log(
    `ratio fntrace / like-for-like stock: median ${fmtRatio(ratio)}, p90 ${fmtRatio(ratioP90)}, ` +
      `net of bare ${fmtRatio(ratioNetOfBare)}, bytes ${fmtRatio(ratioBytes)} (goal ≤ ${GOAL}×); ` +
      `vs the spans-only stock ${fmtRatio(ratioVsSpanOnly)}`,
  );
  console.log(`result: ${file}\n`);
  return result;
}

if (isMain(import.meta.url)) await main();
