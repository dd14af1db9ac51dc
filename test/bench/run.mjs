// `npm run bench`: runs the three SDK benchmarks in sequence (each in its own node
// process, printing its table), then writes docs/benchmarks.md from their JSON results
// in .bench-tmp/ and prints it, and updates the README's performance table. There are
// no pass/fail thresholds: a bench fails only when it cannot run.
//   npm run bench               run all three, then write the reports
//   npm run bench -- --report   only rewrite the reports from the last run's JSON
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_DIR, fmt, fmtRatio, machine, markdownTable, peerVersions, ROOT, TMP } from './lib/common.mjs';

const BENCHES = ['sdk-overhead', 'sdk-coldstart', 'sdk-flush'];
const PEERS = [
  '@opentelemetry/api',
  '@opentelemetry/sdk-trace-base',
  '@opentelemetry/sdk-trace-node',
  '@opentelemetry/context-async-hooks',
  '@opentelemetry/exporter-trace-otlp-http',
  '@opentelemetry/instrumentation',
  '@opentelemetry/instrumentation-aws-lambda',
  'pino',
  'esbuild',
  'fastify',
];

const started = Date.now();
const reportOnly = process.argv.includes('--report');
if (process.argv.includes('--help')) {
  console.log(
    'usage: npm run bench [-- --report]\n  --report  rewrite docs/benchmarks.md and the README table from .bench-tmp/*.json',
  );
  process.exit(0);
}
for (const name of reportOnly ? [] : BENCHES) {
  console.log(`\n=== ${name} ===`);
  const r = spawnSync(process.execPath, [join(BENCH_DIR, `${name}.bench.mjs`)], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`${name} failed (exit ${r.status ?? r.signal})`);
    process.exit(1);
  }
}
const results = Object.fromEntries(
  BENCHES.map((name) => [name, JSON.parse(readFileSync(join(TMP, `${name}.json`), 'utf8'))]),
);

const verdict = (ok) => (ok ? 'met' : 'not met');

const n = (x) => x.toLocaleString('en-US');
/** One paragraph from pieces, so no source line runs past the formatter's width. */
const para = (...pieces) => pieces.join(' ');

function overheadSection(r) {
  const order = ['bare', 'fntrace', 'stock', 'fntrace-noexport', 'stock-otlpjson'].filter((v) => r.variants[v]);
  const rows = order.map((v) => [
    r.labels[v],
    fmt(r.variants[v].medianUs),
    fmt(r.variants[v].minUs),
    v === 'bare' ? '—' : fmt(r.overheadUs[v]),
  ]);
  const p = r.params;
  return [
    '## Per-invocation overhead (`test/bench/sdk-overhead.bench.mjs`)',
    '',
    markdownTable(['variant', 'µs / invocation (median round)', 'fastest round', 'overhead vs bare, µs'], rows),
    '',
    para(
      `**Ratio fntrace overhead / stock overhead: ${fmtRatio(r.ratio)}**`,
      `— goal ≤ ${r.goal}× (${verdict(r.ratio <= r.goal)}).`,
      `Breakdown rows: with both sides encoding OTLP/JSON ${fmtRatio(r.breakdownRatios.bothEncodingOtlpJson)};`,
      `with neither encoding (fntrace export disabled vs stock) ${fmtRatio(r.breakdownRatios.neitherEncoding)}.`,
    ),
    '',
    para(
      'Method: each variant runs the same handler (three pino lines, an HTTP result) in its own child process',
      'with stdout on /dev/null, invoked sequentially with an API Gateway HTTP API v2 event and a fake Lambda context:',
      `${n(p.warmup)} warm-up invocations, then ${p.rounds} rounds of ${n(p.invocationsPerRound)},`,
      `in ${p.processesPerVariant} processes per variant (order rotated); the figure is the median round.`,
      'fntrace is bundled from sdk/src with its HTTP transport replaced by an in-memory one (so the span and the three',
      'log records are still encoded as OTLP/JSON); stock is @opentelemetry/instrumentation-aws-lambda patching the',
      'handler module (`_HANDLER`), NodeTracerProvider + SimpleSpanProcessor with an in-memory exporter that answers',
      'at once (the shipped InMemorySpanExporter answers through `setTimeout(0)`, which would add a ≥ 1 ms timer to',
      "every invocation's forceFlush), the AsyncLocalStorage context manager, and pino with a trace-id mixin.",
    ),
  ].join('\n');
}

function coldstartSection(r) {
  const order = ['bare', 'pino', 'fntrace', 'stock'].filter((v) => r.variants[v]);
  const rows = order.map((v) => [
    r.labels[v],
    fmt(r.variants[v].medianMs),
    fmt(r.variants[v].p90Ms),
    n(r.variants[v].bytes),
    n(r.variants[v].gzipBytes),
  ]);
  const p = r.params;
  return [
    '## Cold-start load cost (`test/bench/sdk-coldstart.bench.mjs`)',
    '',
    markdownTable(['variant', 'require, median ms', 'require, p90 ms', 'bundle bytes', 'gzip bytes'], rows),
    '',
    para(
      `**Ratio fntrace / stock: ${fmtRatio(r.ratio)}** (median; p90 ${fmtRatio(r.ratioP90)},`,
      `net of the bare handler ${fmtRatio(r.ratioNetOfBare)}, bundle bytes ${fmtRatio(r.ratioBytes)})`,
      `— goal ≤ ${r.goal}× (${verdict(r.ratio <= r.goal)}).`,
    ),
    '',
    para(
      `Method: each variant wraps a trivial handler and is bundled with esbuild (${p.esbuild}) as users deploy it;`,
      `each bundle is required in ${p.processesPerVariant} fresh \`node\` processes`,
      `(after ${p.warmupProcesses} discarded rounds), variants alternating, and the child times the \`require\``,
      'with `process.hrtime`. The stock stack is BasicTracerProvider + BatchSpanProcessor + OTLPTraceExporter',
      '(OTLP/JSON over HTTP) + AsyncLocalStorageContextManager + pino with a trace-id mixin.',
    ),
  ].join('\n');
}

function flushSection(r) {
  const rows = ['fntrace', 'stock'].map((v) => [
    r.labels[v],
    fmt(r.variants[v].flush.p50Ms, 3),
    fmt(r.variants[v].flush.p90Ms, 3),
    fmt(r.variants[v].flush.p99Ms, 3),
    fmt(r.variants[v].flush.maxMs, 3),
    fmt(r.variants[v].total.p50Ms, 3),
  ]);
  const p = r.params;
  const p50 = r.variants.fntrace.flush.p50Ms;
  return [
    '## Flush at the end of an invocation (`test/bench/sdk-flush.bench.mjs`)',
    '',
    markdownTable(
      ['variant', 'flush p50 ms', 'flush p90 ms', 'flush p99 ms', 'flush max ms', 'whole invocation p50 ms'],
      rows,
    ),
    '',
    para(
      `**fntrace flush p50: ${fmt(p50, 3)} ms** — goal ≤ ${r.goalP50Ms} ms (${verdict(p50 <= r.goalP50Ms)}).`,
      `Ratio fntrace / stock: p50 ${fmtRatio(r.ratio)}, p90 ${fmtRatio(r.ratioP90)}, p99 ${fmtRatio(r.ratioP99)}.`,
    ),
    '',
    para(
      'Method: an OTLP/HTTP receiver (fastify on 127.0.0.1, answering 200) runs in the bench process; each variant',
      `runs in its own child process with stdout on /dev/null, ${p.warmup} warm-up invocations`,
      `then ${n(p.invocationsPerProcess)} timed ones, in ${p.processesPerVariant} processes per variant`,
      '(after one discarded run each to warm the receiver). The handler logs three lines and records',
      '`performance.now()` just before returning; the flush time is from then until the wrapped call resolves.',
      'fntrace exports the span and the three log records (two requests over node:http keep-alive);',
      'stock (BasicTracerProvider + BatchSpanProcessor(OTLPTraceExporter), span started and ended by hand,',
      'then `await provider.forceFlush()` as the OTel Lambda layer does) exports the span only.',
    ),
  ].join('\n');
}

const m = machine();
const peers = peerVersions(PEERS);
const md = [
  '# fntrace SDK benchmarks',
  '',
  para(
    `Generated ${new Date().toISOString().slice(0, 10)} by \`npm run bench\` from the repository root`,
    reportOnly ? '(report rewritten from the last run).' : `(${Math.round((Date.now() - started) / 1000)} s).`,
    `Each bench compares \`@fntrace/sdk\` with the stock`,
    'OpenTelemetry packages in the same run; the goals are those of the issue, and nothing fails when one is not met.',
  ),
  '',
  `Machine: Node ${m.node}, ${m.cpuModel} × ${m.cpuCount}, ${m.memoryGiB} GiB, ${m.platform}.`,
  '',
  `Peers: ${Object.entries(peers)
    .map(([name, v]) => `\`${name}@${v}\``)
    .join(', ')}.`,
  '',
  overheadSection(results['sdk-overhead']),
  '',
  coldstartSection(results['sdk-coldstart']),
  '',
  flushSection(results['sdk-flush']),
  '',
  'Raw figures (every round and sample) are in `.bench-tmp/sdk-*.json` after a run.',
  '',
].join('\n');

const out = join(ROOT, 'docs/benchmarks.md');
writeFileSync(out, md);
console.log(`\n=== summary (written to ${out}) ===\n`);
console.log(md);

// The README's performance table is this run's headline figures, between two markers.
function readmeSummary() {
  const o = results['sdk-overhead'];
  const c = results['sdk-coldstart'];
  const f = results['sdk-flush'];
  const kb = (bytes) => `${Math.round(bytes / 1024)} KB`;
  const rows = [
    [
      'per-invocation overhead (span + 3 log lines)',
      `${fmt(o.overheadUs.fntrace)} µs`,
      `${fmt(o.overheadUs.stock)} µs`,
      `${fmtRatio(o.ratio)} (both encoding OTLP/JSON: ${fmtRatio(o.breakdownRatios.bothEncodingOtlpJson)})`,
      `≤ ${o.goal}× — ${verdict(o.ratio <= o.goal)}`,
    ],
    [
      'cold start: load the bundled, minified SDK',
      `${fmt(c.variants.fntrace.medianMs)} ms, ${kb(c.variants.fntrace.bytes)}`,
      `${fmt(c.variants.stock.medianMs)} ms, ${kb(c.variants.stock.bytes)}`,
      fmtRatio(c.ratio),
      `≤ ${c.goal}× — ${verdict(c.ratio <= c.goal)}`,
    ],
    [
      'flush added to an invocation, loopback collector, p50',
      `${fmt(f.variants.fntrace.flush.p50Ms, 3)} ms`,
      `${fmt(f.variants.stock.flush.p50Ms, 3)} ms`,
      fmtRatio(f.ratio),
      `≤ ${f.goalP50Ms} ms — ${verdict(f.variants.fntrace.flush.p50Ms <= f.goalP50Ms)}`,
    ],
  ];
  return markdownTable(['measure', 'fntrace', 'stock OpenTelemetry', 'ratio', 'goal'], rows);
}

const readmePath = join(ROOT, 'README.md');
const START = '<!-- bench:summary:start -->';
const END = '<!-- bench:summary:end -->';
const readme = readFileSync(readmePath, 'utf8');
const a = readme.indexOf(START);
const b = readme.indexOf(END);
if (a >= 0 && b > a) {
  writeFileSync(readmePath, `${readme.slice(0, a + START.length)}\n${readmeSummary()}\n${readme.slice(b)}`);
  console.log(`README.md performance table updated (${new Date().toISOString().slice(0, 10)})`);
}
