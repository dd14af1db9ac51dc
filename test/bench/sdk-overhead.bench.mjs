// Per-invocation overhead of fntrace vs the stock OpenTelemetry Lambda instrumentation.
//
// Variants of the same handler (three pino lines, an HTTP result), each in its own child
// process with stdout on /dev/null, invoked sequentially with an API Gateway HTTP API v2
// event and a fake Lambda context:
//   bare        no telemetry: plain pino
//   fntrace     wrap() + fntrace's logger; an in-memory transport (the span and the three log
//               records are still encoded as OTLP/JSON)
//   stock-full  like for like: @opentelemetry/instrumentation-aws-lambda patching the handler
//               module, NodeTracerProvider + SimpleSpanProcessor and LoggerProvider +
//               SimpleLogRecordProcessor, each with an in-memory exporter that encodes
//               OTLP/JSON (the serializers OTLPTraceExporter and OTLPLogExporter use) and
//               answers at once; @opentelemetry/instrumentation-pino adding the trace ids to
//               each line and sending each record to the logs SDK. Simple processors, because
//               the Lambda instrumentation force-flushes traces only: batched log records
//               would still be waiting when the platform freezes the process.
// Overhead = instrumented − bare; ratio = fntrace overhead / stock-full overhead.
// Breakdown rows, not part of the headline ratio:
//   stock             spans only, not encoded (in-memory exporter), pino with a trace-id mixin
//   fntrace-noexport  fntrace with OTEL_SDK_DISABLED=true: nothing queued, nothing encoded
//   stock-otlpjson    stock, its in-memory exporter also encoding each span as OTLP/JSON
//
//   node test/bench/sdk-overhead.bench.mjs
import { join } from 'node:path';
import {
  buildFntraceRuntime,
  fmt,
  fmtRatio,
  isMain,
  LIB_DIR,
  lambdaEnv,
  median,
  quantile,
  round,
  runChild,
  stderrNotes,
  textTable,
  writeResult,
} from './lib/common.mjs';

const N = Number(process.env.BENCH_OVERHEAD_N ?? 10_000);
const ROUNDS = Number(process.env.BENCH_OVERHEAD_ROUNDS ?? 5);
const WARMUP = Number(process.env.BENCH_OVERHEAD_WARMUP ?? 3000);
const PASSES = Number(process.env.BENCH_OVERHEAD_PASSES ?? 3);
const GOAL = 1.0;
const VARIANTS = ['bare', 'fntrace', 'stock-full', 'stock', 'fntrace-noexport', 'stock-otlpjson'];
const LABELS = {
  bare: 'bare handler (pino, no telemetry)',
  fntrace: 'fntrace (wrap + logger, in-memory transport)',
  'stock-full': 'stock OTel, like for like (span + 3 log records as OTLP/JSON, instrumentation-pino)',
  stock: 'breakdown: stock OTel, span only and not encoded (pino mixin)',
  'fntrace-noexport': 'breakdown: fntrace, OTEL_SDK_DISABLED (no OTLP encoding)',
  'stock-otlpjson': 'breakdown: stock OTel + OTLP/JSON encoding of the span',
};

export async function main() {
  const bundle = await buildFntraceRuntime();
  const env = lambdaEnv({
    BENCH_FNTRACE_BUNDLE: bundle,
    BENCH_N: String(N),
    BENCH_ROUNDS: String(ROUNDS),
    BENCH_WARMUP: String(WARMUP),
  });
  const rounds = Object.fromEntries(VARIANTS.map((v) => [v, []]));
  const checks = {};
  const notes = [];
  for (let pass = 0; pass < PASSES; pass++) {
    // rotate the order so no variant always runs first on a cold machine
    const order = VARIANTS.map((_, i) => VARIANTS[(i + pass) % VARIANTS.length]);
    for (const variant of order) {
      process.stdout.write(`  overhead: pass ${pass + 1}/${PASSES} ${variant} ...`);
      const { result, stderr } = await runChild([join(LIB_DIR, 'overhead-child.mjs'), variant], env, {
        name: `overhead-${variant}`,
      });
      rounds[variant].push(...result.rounds);
      checks[variant] = result.check;
      for (const line of stderrNotes(stderr)) notes.push(`${variant}: ${line}`);
      process.stdout.write(` ${fmt(median(result.rounds))} µs/invocation\n`);
    }
  }

  const stats = {};
  for (const v of VARIANTS) {
    stats[v] = {
      medianUs: round(median(rounds[v]), 3),
      minUs: round(Math.min(...rounds[v]), 3),
      p75Us: round(quantile(rounds[v], 0.75), 3),
      rounds: rounds[v].map((r) => round(r, 3)),
    };
  }
  const overhead = {};
  for (const v of VARIANTS.slice(1)) overhead[v] = round(stats[v].medianUs - stats.bare.medianUs, 3);
  const ratio = round(overhead.fntrace / overhead['stock-full'], 3);
  const breakdownRatios = {
    vsSpanOnlyStock: round(overhead.fntrace / overhead.stock, 3),
    bothEncodingOtlpJson: round(overhead.fntrace / overhead['stock-otlpjson'], 3),
    neitherEncoding: round(overhead['fntrace-noexport'] / overhead.stock, 3),
  };
  const result = {
    bench: 'sdk-overhead',
    params: { invocationsPerRound: N, rounds: ROUNDS, warmup: WARMUP, processesPerVariant: PASSES },
    variants: stats,
    labels: LABELS,
    overheadUs: overhead,
    ratio,
    breakdownRatios,
    goal: GOAL,
    checks,
    notes,
  };
  const file = writeResult('sdk-overhead', result);

  console.log('\nsdk-overhead: µs per invocation (median round)');
  console.log(
    textTable(
      ['variant', 'µs/invocation', 'min round', 'overhead vs bare'],
      VARIANTS.map((v) => [
        LABELS[v],
        fmt(stats[v].medianUs),
        fmt(stats[v].minUs),
        v === 'bare' ? '—' : fmt(overhead[v]),
      ]),
    ),
  );
  console.log(`ratio fntrace overhead / like-for-like stock overhead: ${fmtRatio(ratio)} (goal ≤ ${GOAL}×)`);
  console.log(
    `breakdown: vs a stock that exports the span only, unencoded ${fmtRatio(breakdownRatios.vsSpanOnlyStock)}; ` +
      `both encoding the span as OTLP/JSON, fntrace also its logs ${fmtRatio(breakdownRatios.bothEncodingOtlpJson)}; ` +
      `neither encoding ${fmtRatio(breakdownRatios.neitherEncoding)}`,
  );
  if (notes.length) console.log(`stderr of the children:\n  ${notes.join('\n  ')}`);
  console.log(`result: ${file}\n`);
  return result;
}

if (isMain(import.meta.url)) await main();
