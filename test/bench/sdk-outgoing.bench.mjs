// What fntrace's outgoing instrumentation adds to a call: a wrapped handler calls a loopback
// HTTP server (in this process) CALLS times per invocation, with `fetch` and with node:http,
// once with the instrumentation on (a CLIENT span and W3C headers per call) and once with it
// off (FNTRACE_OUTGOING=false: the same wrapped handler, calls untouched). Each variant runs
// in its own child process; the figure is µs per call, from the request to the end of the
// response body, median of the rounds of every process. Ratio = instrumented / plain.
//
//   node test/bench/sdk-outgoing.bench.mjs
import { createServer } from 'node:http';
import { join } from 'node:path';
import {
  buildFntraceRuntime,
  fmt,
  fmtRatio,
  isMain,
  LIB_DIR,
  lambdaEnv,
  median,
  round,
  runChild,
  stderrNotes,
  textTable,
  writeResult,
} from './lib/common.mjs';

const N = Number(process.env.BENCH_OUTGOING_N ?? 500);
const ROUNDS = Number(process.env.BENCH_OUTGOING_ROUNDS ?? 5);
const WARMUP = Number(process.env.BENCH_OUTGOING_WARMUP ?? 200);
const CALLS = Number(process.env.BENCH_OUTGOING_CALLS ?? 10);
const PASSES = Number(process.env.BENCH_OUTGOING_PASSES ?? 3);
const GOAL = 1.15;
const VARIANTS = ['fetch-plain', 'fetch-instrumented', 'http-plain', 'http-instrumented'];
const LABELS = {
  'fetch-plain': '`fetch`, instrumentation off',
  'fetch-instrumented': '`fetch`, instrumented (CLIENT span + W3C headers)',
  'http-plain': 'node:http, instrumentation off',
  'http-instrumented': 'node:http, instrumented',
};

export async function main() {
  const bundle = await buildFntraceRuntime();
  const server = createServer((req, res) => {
    req.resume();
    res.end('ok');
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  server.keepAliveTimeout = 60_000;
  const target = `http://127.0.0.1:${server.address().port}/downstream`;
  const rounds = Object.fromEntries(VARIANTS.map((v) => [v, []]));
  const notes = [];
  try {
    for (let pass = 0; pass < PASSES; pass++) {
      const order = VARIANTS.map((_, i) => VARIANTS[(i + pass) % VARIANTS.length]);
      for (const variant of order) {
        const [via, mode] = variant.split('-');
        process.stdout.write(`  outgoing: pass ${pass + 1}/${PASSES} ${variant} ...`);
        const env = lambdaEnv({
          BENCH_FNTRACE_BUNDLE: bundle,
          BENCH_TARGET: target,
          BENCH_N: String(N),
          BENCH_ROUNDS: String(ROUNDS),
          BENCH_WARMUP: String(WARMUP),
          BENCH_CALLS: String(CALLS),
          FNTRACE_OUTGOING: mode === 'instrumented' ? 'true' : 'false',
        });
        const { result, stderr } = await runChild([join(LIB_DIR, 'outgoing-child.mjs'), via], env, {
          name: `outgoing-${variant}`,
        });
        rounds[variant].push(...result.rounds);
        for (const line of stderrNotes(stderr)) notes.push(`${variant}: ${line}`);
        process.stdout.write(` ${fmt(median(result.rounds))} µs/call\n`);
      }
    }
  } finally {
    server.close();
  }
  const stats = Object.fromEntries(
    VARIANTS.map((v) => [v, { medianUs: round(median(rounds[v]), 3), minUs: round(Math.min(...rounds[v]), 3) }]),
  );
  const ratios = {
    fetch: round(stats['fetch-instrumented'].medianUs / stats['fetch-plain'].medianUs, 3),
    http: round(stats['http-instrumented'].medianUs / stats['http-plain'].medianUs, 3),
  };
  const result = {
    bench: 'sdk-outgoing',
    params: {
      invocationsPerRound: N,
      rounds: ROUNDS,
      warmup: WARMUP,
      callsPerInvocation: CALLS,
      processesPerVariant: PASSES,
    },
    variants: stats,
    labels: LABELS,
    addedUs: {
      fetch: round(stats['fetch-instrumented'].medianUs - stats['fetch-plain'].medianUs, 3),
      http: round(stats['http-instrumented'].medianUs - stats['http-plain'].medianUs, 3),
    },
    ratios,
    goal: GOAL,
    notes,
  };
  const file = writeResult('sdk-outgoing', result);
  console.log('\nsdk-outgoing: µs per call (median round)');
  console.log(
    textTable(
      ['variant', 'µs/call', 'fastest round'],
      VARIANTS.map((v) => [LABELS[v], fmt(stats[v].medianUs), fmt(stats[v].minUs)]),
    ),
  );
  console.log(
    `ratio fetch instrumented / plain: ${fmtRatio(ratios.fetch)} (goal ≤ ${GOAL}×); node:http ${fmtRatio(ratios.http)}`,
  );
  if (notes.length) console.log(`stderr of the children:\n  ${notes.join('\n  ')}`);
  console.log(`result: ${file}\n`);
  return result;
}

if (isMain(import.meta.url)) await main();
