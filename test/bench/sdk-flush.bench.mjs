// Flush added to an invocation, against a loopback OTLP/HTTP receiver (fastify on
// 127.0.0.1, in this process). Each variant runs in its own child process (stdout on
// /dev/null): the handler logs three lines and records performance.now() just before it
// returns; the time from then until the wrapped call resolves is the flush time.
//   fntrace  wrap() + logger, real node:http keep-alive transport: span end, then one
//            OTLP/JSON traces request and one logs request (1 span, 3 log records)
//   stock    BasicTracerProvider + BatchSpanProcessor(OTLPTraceExporter, OTLP/JSON over
//            HTTP), span started and ended by hand, then `await provider.forceFlush()`
//            (what the OTel Lambda layer does); logs go to stdout only
//
//   node test/bench/sdk-flush.bench.mjs
import { join } from 'node:path';
import {
  buildFntraceRuntime,
  fmt,
  fmtRatio,
  isMain,
  LIB_DIR,
  lambdaEnv,
  quantile,
  round,
  runChild,
  stderrNotes,
  textTable,
  writeResult,
} from './lib/common.mjs';
import { startReceiver } from './lib/receiver.mjs';

const N = Number(process.env.BENCH_FLUSH_N ?? 1000);
const WARMUP = Number(process.env.BENCH_FLUSH_WARMUP ?? 200);
const PASSES = Number(process.env.BENCH_FLUSH_PASSES ?? 3);
const GOAL_P50_MS = 2;
const VARIANTS = ['fntrace', 'stock'];
const LABELS = {
  fntrace: 'fntrace (1 span + 3 log records, 2 requests)',
  stock: 'stock OTel (1 span, BatchSpanProcessor.forceFlush)',
};

function summarize(values) {
  return {
    p50Ms: round(quantile(values, 0.5), 3),
    p90Ms: round(quantile(values, 0.9), 3),
    p99Ms: round(quantile(values, 0.99), 3),
    maxMs: round(Math.max(...values), 3),
  };
}

export async function main() {
  const bundle = await buildFntraceRuntime();
  const receiver = await startReceiver();
  const samples = Object.fromEntries(VARIANTS.map((v) => [v, { flushMs: [], totalMs: [] }]));
  const received = Object.fromEntries(VARIANTS.map((v) => [v, []]));
  const notes = [];
  try {
    const env = lambdaEnv({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      BENCH_FNTRACE_BUNDLE: bundle,
      BENCH_N: String(N),
      BENCH_WARMUP: String(WARMUP),
    });
    // one short discarded run per variant first, so the receiver (this process) is warm
    for (const v of VARIANTS) {
      await runChild([join(LIB_DIR, 'flush-child.mjs'), v], { ...env, BENCH_N: '300' }, { name: `flush-${v}` });
    }
    for (let pass = 0; pass < PASSES; pass++) {
      const order = pass % 2 === 0 ? VARIANTS : [...VARIANTS].reverse();
      for (const v of order) {
        process.stdout.write(`  flush: pass ${pass + 1}/${PASSES} ${v} ...`);
        receiver.reset();
        const { result, stderr } = await runChild([join(LIB_DIR, 'flush-child.mjs'), v], env, { name: `flush-${v}` });
        samples[v].flushMs.push(...result.flushMs);
        samples[v].totalMs.push(...result.totalMs);
        received[v].push({ invocations: result.invocations, ...receiver.counts });
        for (const line of stderrNotes(stderr)) notes.push(`${v}: ${line}`);
        process.stdout.write(` p50 ${fmt(quantile(result.flushMs, 0.5), 3)} ms\n`);
      }
    }
  } finally {
    await receiver.close();
  }

  const stats = {};
  for (const v of VARIANTS) stats[v] = { flush: summarize(samples[v].flushMs), total: summarize(samples[v].totalMs) };
  const ratio = round(stats.fntrace.flush.p50Ms / stats.stock.flush.p50Ms, 3);
  const ratioP90 = round(stats.fntrace.flush.p90Ms / stats.stock.flush.p90Ms, 3);
  const ratioP99 = round(stats.fntrace.flush.p99Ms / stats.stock.flush.p99Ms, 3);
  const result = {
    bench: 'sdk-flush',
    params: { invocationsPerProcess: N, warmup: WARMUP, processesPerVariant: PASSES },
    labels: LABELS,
    variants: stats,
    ratio,
    ratioP90,
    ratioP99,
    goalP50Ms: GOAL_P50_MS,
    checks: { received },
    notes,
  };
  const file = writeResult('sdk-flush', result);

  console.log('\nsdk-flush: ms from the handler returning to the wrapped call resolving (loopback collector)');
  console.log(
    textTable(
      ['variant', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'whole invocation p50 ms'],
      VARIANTS.map((v) => [
        LABELS[v],
        fmt(stats[v].flush.p50Ms, 3),
        fmt(stats[v].flush.p90Ms, 3),
        fmt(stats[v].flush.p99Ms, 3),
        fmt(stats[v].flush.maxMs, 3),
        fmt(stats[v].total.p50Ms, 3),
      ]),
    ),
  );
  console.log(
    `ratio fntrace / stock: p50 ${fmtRatio(ratio)}, p90 ${fmtRatio(ratioP90)}, p99 ${fmtRatio(ratioP99)}; ` +
      `goal fntrace p50 ≤ ${GOAL_P50_MS} ms`,
  );
  console.log(`received: ${JSON.stringify(received)}`);
  if (notes.length) console.log(`stderr of the children:\n  ${notes.join('\n  ')}`);
  console.log(`result: ${file}\n`);
  return result;
}

if (isMain(import.meta.url)) await main();
