// `npm run bench`: runs the SDK benchmarks (the platform adapters' included) and the collector's
// in sequence (each in its own node process, printing its table), then writes
// docs/benchmarks.md from their JSON results in .bench-tmp/ and prints it, and updates the
// README's performance table. There are no pass/fail thresholds: a bench fails only when
// it cannot run.
//   npm run bench               run them all, then write the reports
//   npm run bench -- --report   only rewrite the reports from the last run's JSON
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_DIR, fmt, fmtRatio, machine, markdownTable, peerVersions, ROOT, TMP } from './lib/common.mjs';
import { dashboardSection, dashboardSummaryRow } from './lib/dashboard-report.mjs';
import {
  BYTES_HEADERS,
  bytesRows,
  bytesVerdict,
  collectorRows,
  columnRows,
  ingestVerdicts,
  PROFILE_HEADERS,
  profileRows,
  THROUGHPUT_HEADERS,
  throughputTable,
} from './lib/ingest-report.mjs';
import { azureSection, cloudflareSection, gcpSection, platformSummaryRows } from './lib/platform-report.mjs';

const BENCHES = [
  'sdk-overhead',
  'sdk-coldstart',
  'sdk-flush',
  'sdk-outgoing',
  'sdk-gcp',
  'sdk-azure',
  'sdk-cloudflare',
  'decode',
  'ingest',
  'query',
  'alert-latency',
  'tail-sampling',
  'dashboard-render',
];
const PEERS = [
  '@opentelemetry/api',
  '@opentelemetry/sdk-trace-base',
  '@opentelemetry/sdk-trace-node',
  '@opentelemetry/context-async-hooks',
  '@opentelemetry/exporter-trace-otlp-http',
  '@opentelemetry/instrumentation',
  '@opentelemetry/instrumentation-aws-lambda',
  '@opentelemetry/instrumentation-pino',
  '@opentelemetry/instrumentation-http',
  '@microlabs/otel-cf-workers',
  'miniflare',
  '@opentelemetry/sdk-logs',
  'pino',
  'esbuild',
  'fastify',
  '@opentelemetry/otlp-transformer',
  '@clickhouse/client',
  'chdb',
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
  BENCHES.flatMap((name) => {
    // --report with a bench that has not run yet: its section is left out
    try {
      return [[name, JSON.parse(readFileSync(join(TMP, `${name}.json`), 'utf8'))]];
    } catch {
      return [];
    }
  }),
);

const verdict = (ok) => (ok ? 'met' : 'not met');

const n = (x) => x.toLocaleString('en-US');
/** One paragraph from pieces, so no source line runs past the formatter's width. */
const para = (...pieces) => pieces.join(' ');

function overheadSection(r) {
  const order = ['bare', 'fntrace', 'stock-full', 'stock', 'fntrace-noexport', 'stock-otlpjson'].filter(
    (v) => r.variants[v],
  );
  const rows = order.map((v) => [
    r.labels[v],
    fmt(r.variants[v].medianUs),
    fmt(r.variants[v].minUs),
    v === 'bare' ? '—' : fmt(r.overheadUs[v]),
  ]);
  const p = r.params;
  const b = r.breakdownRatios;
  return [
    '## Per-invocation overhead (`test/bench/sdk-overhead.bench.mjs`)',
    '',
    markdownTable(['variant', 'µs / invocation (median round)', 'fastest round', 'overhead vs bare, µs'], rows),
    '',
    para(
      `**Ratio fntrace overhead / like-for-like stock overhead: ${fmtRatio(r.ratio)}**`,
      `— goal ≤ ${r.goal}× (${verdict(r.ratio <= r.goal)}).`,
      b.vsSpanOnlyStock !== undefined
        ? `Breakdown: against a stock set-up that exports the span only, unencoded, ${fmtRatio(b.vsSpanOnlyStock)};`
        : '',
      `with both sides encoding the span as OTLP/JSON (fntrace its logs too) ${fmtRatio(b.bothEncodingOtlpJson)};`,
      `with neither encoding (fntrace export disabled vs span-only stock) ${fmtRatio(b.neitherEncoding)}.`,
    ),
    '',
    para(
      'Method: each variant runs the same handler (three pino lines, an HTTP result) in its own child process',
      'with stdout on /dev/null, invoked sequentially with an API Gateway HTTP API v2 event and a fake Lambda context:',
      `${n(p.warmup)} warm-up invocations, then ${p.rounds} rounds of ${n(p.invocationsPerRound)},`,
      `in ${p.processesPerVariant} processes per variant (order rotated); the figure is the median round.`,
      'fntrace is bundled from sdk/src with its HTTP transport replaced by an in-memory one (so the span and the three',
      'log records are still encoded as OTLP/JSON). The like-for-like stock set-up is',
      '@opentelemetry/instrumentation-aws-lambda patching the handler module (`_HANDLER`), NodeTracerProvider +',
      'SimpleSpanProcessor and LoggerProvider + SimpleLogRecordProcessor with in-memory exporters that encode',
      "OTLP/JSON with the OTLP exporters' own serializers and answer at once, and @opentelemetry/instrumentation-pino",
      'adding the trace ids to each line and sending each record to the logs SDK (simple processors: the Lambda',
      'instrumentation force-flushes traces only, so batched log records would still be waiting at the freeze).',
      'The span-only stock row is the same without the logs SDK and without encoding; the shipped',
      'InMemorySpanExporter is not used because it answers through `setTimeout(0)`, adding a ≥ 1 ms timer to every',
      "invocation's forceFlush.",
    ),
  ].join('\n');
}

function outgoingSection(r) {
  const order = ['fetch-plain', 'fetch-instrumented', 'http-plain', 'http-instrumented'];
  const rows = order.map((v) => [r.labels[v], fmt(r.variants[v].medianUs), fmt(r.variants[v].minUs)]);
  const p = r.params;
  return [
    '## Outgoing calls (`test/bench/sdk-outgoing.bench.mjs`)',
    '',
    markdownTable(['variant', 'µs / call (median round)', 'fastest round'], rows),
    '',
    para(
      `**Ratio \`fetch\` instrumented / plain: ${fmtRatio(r.ratios.fetch)}**`,
      `(+${fmt(r.addedUs.fetch)} µs a call) — goal ≤ ${r.goal}× (${verdict(r.ratios.fetch <= r.goal)});`,
      `node:http ${fmtRatio(r.ratios.http)} (+${fmt(r.addedUs.http)} µs).`,
    ),
    '',
    para(
      `Method: a wrapped handler calls a loopback HTTP server ${p.callsPerInvocation} times per invocation,`,
      'timing each call from the request to the end of its body; the same handler runs with the instrumentation on',
      '(a CLIENT span and W3C headers per call) and off (`FNTRACE_OUTGOING=false`), each in its own process:',
      `${n(p.warmup)} warm-up invocations, then ${p.rounds} rounds of ${n(p.invocationsPerRound)},`,
      `${p.processesPerVariant} processes per variant (order rotated); the figure is the median round.`,
      'The spans are encoded at each flush but not sent (the flush bench measures sending).',
    ),
  ].join('\n');
}

function coldstartSection(r) {
  const order = ['bare', 'pino', 'fntrace', 'stock-full', 'stock'].filter((v) => r.variants[v]);
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
      `**Ratio fntrace / like-for-like stock: ${fmtRatio(r.ratio)}** (median; p90 ${fmtRatio(r.ratioP90)},`,
      `net of the bare handler ${fmtRatio(r.ratioNetOfBare)}, bundle bytes ${fmtRatio(r.ratioBytes)})`,
      `— goal ≤ ${r.goal}× (${verdict(r.ratio <= r.goal)}).`,
      r.ratioVsSpanOnly !== undefined ? `Against the spans-only stock set-up: ${fmtRatio(r.ratioVsSpanOnly)}.` : '',
    ),
    '',
    para(
      `Method: each variant wraps a trivial handler and is bundled with esbuild (${p.esbuild}) as users deploy it;`,
      `each bundle is required in ${p.processesPerVariant} fresh \`node\` processes`,
      `(after ${p.warmupProcesses} discarded rounds), variants alternating, and the child times the \`require\``,
      "with `process.hrtime`, after loading `node:http` as Lambda's runtime client has before it loads a handler.",
      'fntrace carries its outgoing instrumentation (fetch, node:http, AWS SDK). The like-for-like stock stack',
      'exports spans (BasicTracerProvider + BatchSpanProcessor + OTLPTraceExporter) and log records (LoggerProvider +',
      'SimpleLogRecordProcessor + OTLPLogExporter) as OTLP/JSON, with the AsyncLocalStorage context manager, the W3C',
      'trace-context and baggage propagators, and the http, undici, aws-sdk and pino instrumentations registered;',
      'the spans-only row is BasicTracerProvider + BatchSpanProcessor + OTLPTraceExporter +',
      'AsyncLocalStorageContextManager + pino with a trace-id mixin.',
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

function ingestSection(r) {
  const p = r.params;
  const e = r.e2e;
  const sections = [
    '## Collector ingest (`test/bench/ingest.bench.mjs`)',
    '',
    markdownTable(THROUGHPUT_HEADERS, throughputTable(r)),
    '',
    ...ingestVerdicts(r)
      .map((l) => `**${l}**`)
      .flatMap((l) => [l, '']),
    markdownTable(['the collector during the end-to-end run', 'value'], collectorRows(r)),
    '',
  ];
  if (e.profile) {
    sections.push(
      'Collector CPU profile of that run (`--cpu-prof`, main thread, top self time; the engine runs on other threads):',
      '',
      markdownTable(PROFILE_HEADERS, profileRows(r)),
      '',
    );
  }
  sections.push(
    `### Bytes per span on disk (${n(r.bytes.rows)} spans, each table merged to one part)`,
    '',
    markdownTable(BYTES_HEADERS, bytesRows(r)),
    '',
    `**${bytesVerdict(r)}**`,
    '',
    markdownTable(['compressed bytes a span, by column', 'fntrace', 'exporter'], columnRows(r.bytes)),
    '',
    para(
      `Method: ${n(p.spans)} spans (serverless traces: API Gateway, SQS, schedule and DynamoDB-stream invocations`,
      `of 12 functions, a root span and 3–9 children each), every span with ${p.attributesPerSpan} string attributes`,
      '(http.*, faas.*, cloud.*, rpc.*, messaging.*, user and tenant ids, request ids), a resource of 13',
      `attributes, encoded by the OTel JS exporter's \`ProtobufTraceSerializer\` in requests of ${p.spansPerRequest}`,
      `(${fmt(p.wireBytesPerSpan, 0)} B a span on the wire, ${fmt(p.jsonBytesPerRow, 0)} B a row in the spool's JSONEachRow).`,
      `End-to-end: \`node collector/dist/cli.js collector\` with default options and a fresh data dir in a child process;`,
      `the bench sends the pre-encoded requests from ${p.concurrency} keep-alive HTTP senders and measures from the first`,
      'send to the last 200 (acknowledged) and to the first /readyz that shows an empty spool (stored); VmRSS is read',
      'from /proc every 100 ms; after SIGTERM another process opens the data dir and counts the rows.',
      ...(r.e2e.runs?.length > 1
        ? [
            `This is done ${r.e2e.runs.length} times, each with a fresh data dir: the figures are the median run's,`,
            "the memory goal is judged on the highest peak of all runs, and every run's rows are counted.",
          ]
        : []),
      `Engine limit: in a fresh chDB dir with the collector's schema (table and materialized views),`,
      `\`INSERT … SELECT … FROM numbers(${n(p.engineRows)})\` of rows of the same shape (20-entry maps, hex ids, one`,
      `root in 7) in ${n(p.engineBlockRows)}-row blocks; also in blocks of one default spool segment`,
      `(${n(p.segmentBytes / 2 ** 20)} MiB, ${n(p.segmentRows)} rows) and into otel_traces without its views.`,
      'Writer path: the same spans as the collector spools them, in JSONEachRow files of',
      `${r.writerPath.map((w) => `${n(w.segmentBytes / 2 ** 20)} MiB`).join(' and ')}`,
      "inserted one after the other with writer.ts's `INSERT … SELECT … FROM file()` and settings.",
      `Naive writer: the same rows through \`@clickhouse/client\` \`insert()\`, JSONEachRow, ${n(p.naiveBatch)} rows a call.`,
      `Bytes: the naive writer's ${n(r.bytes.rows)} rows after \`OPTIMIZE TABLE … FINAL\`, copied (INSERT … SELECT) into`,
      "the OpenTelemetry Collector ClickHouse exporter's default otel_traces (its published columns, codecs, indexes",
      "and engine) and into fntrace's DDL with each storage tweak, each merged to one part; bytes_on_disk of the",
      'active parts. Every chDB directory is opened by one process at a time. The engine limit is measured right after',
      "each end-to-end run, and the end-to-end / engine ratio is the median of each run's ratio to its own engine run",
      "(this machine's speed drifts by up to 2× within minutes; a pair is measured at one speed). The other engine",
      `and writer-path figures are the better of ${r.params.tries ?? 1} runs (they vary with when background merges start).`,
      '"other processes, cores" is the CPU that processes outside the measurement used meanwhile (/proc/stat): on',
      '2 cores any of it lowers the figure; "I/O stalled" is the share of the time in which every runnable task,',
      "the measurement's included, waited for the disk (/proc/pressure/io, full).",
    ),
  );
  return sections.join('\n');
}

const m = machine();
const peers = peerVersions(PEERS);
function decodeSection(r) {
  if (!r) return '';
  return [
    '## OTLP protobuf decoding (`test/bench/decode.bench.mjs`)',
    '',
    markdownTable(
      ['decoder', 'spans/s (median round)'],
      [
        ["fntrace's hand-written decoder (protobufjs Reader → rows)", n(r.variants.fntrace.spansPerSecond)],
        ['protobufjs from the .proto (decode + toObject, rows not built)', n(r.variants.protobufjs.spansPerSecond)],
      ],
    ),
    '',
    para(
      `**Ratio ${fmtRatio(r.ratio)}** — ${n(r.params.spans)} spans of ${r.params.attributesPerSpan} attributes (${n(r.params.bodyBytes)} bytes).`,
      'Method: both decode the same ExportTraceServiceRequest body in one process, median of',
      `${r.params.rounds} rounds after warm-up; the peer stops at plain objects, so its figure is a lower bound for that approach.`,
    ),
  ].join('\n');
}

function querySection(r) {
  if (!r) return '';
  const rows = r.cases.map((c) => [
    c.label,
    `${fmt(c.fntrace.medianMs, 1)} / ${fmt(c.fntrace.p95Ms, 1)}`,
    c.exporter ? `${fmt(c.exporter.medianMs, 1)} / ${fmt(c.exporter.p95Ms, 1)}` : '—',
    c.ratio !== undefined ? fmtRatio(c.ratio) : '—',
    c.verdict || '',
  ]);
  const read = Object.entries(r.read ?? {}).map(([id, x]) => [
    r.cases.find((c) => c.id === id)?.label ?? id,
    `${x.fntrace.statements}; ${n(x.fntrace.rows)}; ${fmt(x.fntrace.bytes / 2 ** 20, 1)}`,
    `${x.exporter.statements}; ${n(x.exporter.rows)}; ${fmt(x.exporter.bytes / 2 ** 20, 1)}`,
  ]);
  return [
    '## Queries at scale (`test/bench/query.bench.mjs`)',
    '',
    para(
      `${n(r.params.spans)} spans in ${n(r.params.traces)} traces generated inside the embedded engine over 24 hours`,
      `(${n(r.load.fntraceRowsPerSec)} rows/s into fntrace's tables with their materialized views), and the same rows copied into the`,
      `exporter's default \`otel_traces\` in the same engine. Each query ${r.params.runsPerQuery} times with different values.`,
    ),
    '',
    markdownTable(['query', 'fntrace median / p95 ms', "exporter's schema median / p95 ms", 'ratio', 'goal'], rows),
    '',
    read.length
      ? markdownTable(
          ['what the engine read for one call', 'fntrace: statements; rows; MiB', 'exporter: statements; rows; MiB'],
          read,
        )
      : '',
    '',
    para(
      "fntrace's `otel_traces` is ordered by (ten-minute bucket, TraceId) in 2048-row granules and 16 KiB",
      'compressed blocks, with plain Map columns (the default; `--map-buckets` is not on here); the trace summary',
      'is ordered by (ten-minute bucket,',
      "TraceId). The exporter's table is ordered by (ServiceName, SpanName, time). Trace by id is one statement",
      '(the invocations and summary are derived from the spans). A search sorted by start reads newest first, in',
      'slices of ten-minute buckets back from the end, and stops when a slice fills the page; without a span',
      "filter a slice finds the page's ids from four summary columns first, then reads the whole summaries of",
      'those ids only. An attribute',
      'filter first tries the rare case in one statement (the ids of every matching trace in the window, then',
      'their summaries): a rare value (a user id) is answered there, a common one (a tenant) goes on to the',
      'slices, and its key is remembered as common for ten minutes. Scatter points aggregate the summaries of',
      'the whole hour (and its look-back) and keep the 100 slowest and a hash sample of the rest; the exporter',
      "computes the same from the hour's spans. The exporter's search is one bloom-filtered",
      'scan of the spans, with no summaries to read. Its figures move between runs (its low-cardinality',
      'attribute search by up to 2×) with how its parts were merged when the timing starts.',
    ),
    '',
    para(
      `Published reference for the exporter's schema on a 4-core ClickHouse server at 10 M spans: trace by id ~${r.published?.traceByIdMs ?? 100} ms,`,
      `multi-filter search ~${r.published?.searchMs ?? 140} ms, attribute search ~${r.published?.attrSearchMs ?? 1800} ms.`,
    ),
  ].join('\n');
}

function alertSection(r) {
  if (!r) return '';
  const secs = (xs) => xs.map((s) => `${(s / 1000).toFixed(1)} s`).join(', ');
  return [
    '## Alert latency (`test/bench/alert-latency.bench.mjs`)',
    '',
    para(
      `First bad span to the webhook call at the default settings (evaluation every ${r.params.interval}, ${r.params.window} window,`,
      `ingest-lag floor ${r.params.minLagMs / 1000} s, for ${r.params.for}), slow spans sent at a random point of the cycle:`,
      `${secs(r.samplesMs)}. The bound is the lag floor plus one interval.`,
      ...(r.noDataMs
        ? [
            `Last bad span to the notification that ends the episode: no data (nothing follows; noData ${r.params.noData})`,
            `${secs(r.noDataMs)}; resolved (fast spans keep coming) ${secs(r.resolvedMs)}. The bound is the window plus the`,
            `lag floor plus one interval (${(r.boundsMs.end / 1000).toFixed(0)} s).`,
          ]
        : []),
    ),
  ].join('\n');
}

function samplingSection(r) {
  const a = r.all;
  const s = r.sampled;
  const x = (v) => `${v}×`;
  return [
    '## Tail sampling (`test/bench/tail-sampling.bench.mjs`)',
    '',
    para(
      `${n(r.params.journeys)} journeys of three traces joined by message ids (${r.params.spansPerJourney} spans each,`,
      `${r.params.failingShare * 100} % failing at the third hop), stored once with \`--tail-sampling\` (errors, cold starts,`,
      `timeouts and ${r.params.percent} % of the rest; decision delay ${r.params.decisionDelay}) and once without, each in`,
      'its own process with the embedded engine; medians of three runs each, alternating.',
      `Kept: ${(r.keptShare * 100).toFixed(1)} % of the spans.`,
    ),
    '',
    markdownTable(
      ['figure', 'everything', 'tail sampling', 'sampled ÷ everything'],
      [
        [
          '`otel_traces` bytes / original span',
          fmt(a.tracesBytesPerSpan, 1),
          fmt(s.tracesBytesPerSpan, 1),
          x(r.ratios.tracesBytes),
        ],
        [
          'all retained tables, bytes / original span',
          fmt(a.retainedBytesPerSpan, 1),
          fmt(s.retainedBytesPerSpan, 1),
          x(r.ratios.retainedBytes),
        ],
        ['search page, ms', fmt(a.queries.search), fmt(s.queries.search), x(r.ratios.search)],
        ['trace by id, ms', fmt(a.queries.traceById), fmt(s.queries.traceById), x(r.ratios.traceById)],
        [
          'function metrics, ms',
          fmt(a.queries.functionMetrics),
          fmt(s.queries.functionMetrics),
          x(r.ratios.functionMetrics),
        ],
        ['ingest, spans/s', n(a.spansPerSecond), n(s.spansPerSecond), x(r.ratios.ingest)],
      ],
    ),
    '',
    para(
      `Goals: ≤ 0.2× the bytes — \`otel_traces\` ${verdict(r.ratios.tracesBytes <= 0.2)}; every retained table together`,
      `${verdict(r.ratios.retainedBytes <= 0.2)}: invocations, trace summaries, the message and trace-id indexes are`,
      'kept for every span (that is what keeps metrics and cost exact) and are the floor. Ingest ≥ 0.9× —',
      `${verdict(r.ratios.ingest >= 0.9)}${a.ingestRuns ? ` (each run, spans/s: everything ${a.ingestRuns.map(n).join(', ')}; sampled ${s.ingestRuns.map(n).join(', ')} — on this shared machine the spread between runs of one mode is wider than the difference)` : ''}. Function metrics (counts, percentiles, cold starts, cost) identical:`,
      `${r.metricsIdentical ? 'yes' : 'no'}. Decision lag: every journey decided ${fmt(s.decidedMs / 1000, 1)} s after the last`,
      `span was stored; the sampler's lag (its decision minus the last ingest of what it decided) ${fmt(s.samplerLagMs / 1000, 1)} s`,
      'at a 1 s decision delay (the floor is the delay plus up to one tick: a fifth of the delay, at least 1 s).',
    ),
  ].join('\n');
}

/** A section whose bench JSON does not match this report (an older run) is left out, with a note. */
function safe(name, fn, r) {
  if (!r) return '';
  try {
    return fn(r);
  } catch (err) {
    return `## ${name}\n\n_The last ${name} run's results do not match this report (${err.message}); run the bench again._`;
  }
}

const md = [
  '# fntrace benchmarks',
  '',
  para(
    `Generated ${new Date().toISOString().slice(0, 10)} by \`npm run bench\` from the repository root`,
    reportOnly ? '(report rewritten from the last run).' : `(${Math.round((Date.now() - started) / 1000)} s).`,
    `The SDK benches compare \`@fntrace/sdk\` with the stock OpenTelemetry packages in the same run; the ingest`,
    "bench compares the collector with the embedded engine's own write limit, a naive writer and the OpenTelemetry",
    "Collector ClickHouse exporter's default table. The goals are those of the issues, and nothing fails when one is",
    'not met.',
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
  results['sdk-outgoing'] ? outgoingSection(results['sdk-outgoing']) : '',
  '',
  safe('sdk-gcp', gcpSection, results['sdk-gcp']),
  '',
  safe('sdk-azure', azureSection, results['sdk-azure']),
  '',
  safe('sdk-cloudflare', cloudflareSection, results['sdk-cloudflare']),
  '',
  safe('decode', decodeSection, results.decode),
  '',
  safe('ingest', ingestSection, results.ingest),
  '',
  safe('query', querySection, results.query),
  '',
  safe('alert-latency', alertSection, results['alert-latency']),
  '',
  safe('tail-sampling', samplingSection, results['tail-sampling']),
  '',
  safe('dashboard-render', dashboardSection, results['dashboard-render']),
  '',
  'Raw figures (every round and sample) are in `.bench-tmp/*.json` after a run.',
  '',
].join('\n');

const out = join(ROOT, 'docs/benchmarks.md');
writeFileSync(out, md);
console.log(`\n=== summary (written to ${out}) ===\n`);
console.log(md);

// The README's performance table is this run's headline figures, between two markers.
function readmeSummary() {
  try {
    return readmeRows();
  } catch (err) {
    return `_The summary could not be built from the last runs (${err.message}); run \`npm run bench\` again._`;
  }
}

function readmeRows() {
  const o = results['sdk-overhead'];
  const c = results['sdk-coldstart'];
  const f = results['sdk-flush'];
  const g = results.ingest;
  const kb = (bytes) => `${Math.round(bytes / 1024)} KB`;
  const rows = [
    [
      'per-invocation overhead, span + 3 log records exported as OTLP/JSON',
      `${fmt(o.overheadUs.fntrace)} µs`,
      `${fmt(o.overheadUs['stock-full'] ?? o.overheadUs.stock)} µs`,
      `${fmtRatio(o.ratio)} (vs span-only stock: ${fmtRatio(o.breakdownRatios.vsSpanOnlyStock ?? o.ratio)})`,
      `≤ ${o.goal}× — ${verdict(o.ratio <= o.goal)}`,
    ],
    ...(results['sdk-outgoing']
      ? [
          [
            '`fetch` call from a wrapped handler, loopback server',
            `${fmt(results['sdk-outgoing'].variants['fetch-instrumented'].medianUs)} µs instrumented`,
            `${fmt(results['sdk-outgoing'].variants['fetch-plain'].medianUs)} µs plain`,
            fmtRatio(results['sdk-outgoing'].ratios.fetch),
            `≤ ${results['sdk-outgoing'].goal}× — ${verdict(results['sdk-outgoing'].ratios.fetch <= results['sdk-outgoing'].goal)}`,
          ],
        ]
      : []),
    [
      'cold start: load the bundled, minified SDK',
      `${fmt(c.variants.fntrace.medianMs)} ms, ${kb(c.variants.fntrace.bytes)}`,
      `${fmt((c.variants['stock-full'] ?? c.variants.stock).medianMs)} ms, ${kb((c.variants['stock-full'] ?? c.variants.stock).bytes)}`,
      fmtRatio(c.ratio),
      `≤ ${c.goal}× — ${verdict(c.ratio <= c.goal)}`,
    ],
    // the platform adapters' cold starts beside the stock set-up of each platform
    ...platformSummaryRows(results),
    [
      'flush added to an invocation, loopback collector, p50',
      `${fmt(f.variants.fntrace.flush.p50Ms, 3)} ms`,
      `${fmt(f.variants.stock.flush.p50Ms, 3)} ms`,
      fmtRatio(f.ratio),
      `≤ ${f.goalP50Ms} ms — ${verdict(f.variants.fntrace.flush.p50Ms <= f.goalP50Ms)}`,
    ],
    [
      'ingest end-to-end, OTLP protobuf, 20-attribute spans',
      `${n(Math.round(g.e2e.storedSpansPerSec))} spans/s${g.e2e.runs?.length > 1 ? ` (median of ${g.e2e.runs.length})` : ''}, peak RSS ${n(Math.round((g.e2e.peakRssMaxBytes ?? g.e2e.peakRssBytes) / 1e6))} MB`,
      `engine limit ${n(Math.round(g.engine.full.rowsPerSec))} rows/s`,
      `${fmt(g.ratios.e2eVsEngine, 3)}×`,
      [
        `≥ ${g.goals.vsEngine}× — ${verdict(g.ratios.e2eVsEngine >= g.goals.vsEngine)}`,
        `≥ ${n(g.goals.spansPerSec)}/s — ${verdict(g.e2e.storedSpansPerSec >= g.goals.spansPerSec)}`,
        `≤ ${n(g.goals.peakRssBytes / 1e6)} MB — ${verdict((g.e2e.peakRssMaxBytes ?? g.e2e.peakRssBytes) <= g.goals.peakRssBytes)}`,
      ].join('; '),
    ],
    [
      "bytes per span on disk vs the exporter's default schema",
      `${fmt(g.bytes.tables.fntrace.bytesPerRow, 1)} B`,
      `${fmt(g.bytes.tables.exporter.bytesPerRow, 1)} B`,
      fmtRatio(g.ratios.bytes),
      `≤ ${g.goals.bytesRatio}× — ${verdict(g.ratios.bytes <= g.goals.bytesRatio)}`,
    ],
  ];
  const q = results.query;
  // the README keeps the dashboard's everyday queries; docs/benchmarks.md has every case
  for (const id of ['traceById', 'search', 'serviceMap']) {
    const c = q?.cases.find((x) => x.id === id);
    if (!c) continue;
    rows.push([
      `query at ${n(q.params.spans)} spans: ${c.label}`,
      `${fmt(c.fntrace.medianMs, 1)} ms`,
      c.exporter ? `${fmt(c.exporter.medianMs, 1)} ms (exporter's schema)` : '—',
      c.ratio !== undefined ? fmtRatio(c.ratio) : '—',
      c.verdict || '',
    ]);
  }
  const a = results['alert-latency'];
  if (a) {
    // the slowest of the samples against each bound; every sample is in docs/benchmarks.md
    const secs = (xs) => Math.max(...xs) / 1000;
    const ended = a.noDataMs ? secs([...a.noDataMs, ...a.resolvedMs]) : undefined;
    const firing = `≤ ${a.boundsMs.firing / 1000} s — ${verdict(secs(a.samplesMs) <= a.boundsMs.firing / 1000)}`;
    rows.push([
      `alert webhook, default settings: first bad span → firing${ended ? '; last → no data / resolved' : ''}`,
      `at most ${fmt(secs(a.samplesMs), 1)} s${ended ? `; ${fmt(ended, 1)} s` : ''}`,
      '—',
      '—',
      ended ? `${firing}; ≤ ${a.boundsMs.end / 1000} s — ${verdict(ended <= a.boundsMs.end / 1000)}` : firing,
    ]);
  }
  if (results['dashboard-render']) rows.push(dashboardSummaryRow(results['dashboard-render']));
  return markdownTable(['measure', 'fntrace', 'stock OpenTelemetry / baseline', 'ratio', 'goal'], rows);
}

const readmePath = join(ROOT, 'README.md');
const START = '<!-- bench:summary:start -->';
const END = '<!-- bench:summary:end -->';
const readme = readFileSync(readmePath, 'utf8');
const a = readme.indexOf(START);
const b = readme.indexOf(END);
if (a >= 0 && b > a) {
  writeFileSync(readmePath, `${readme.slice(0, a + START.length)}\n${readmeSummary()}\n${readme.slice(b)}`);
  // keep the README as the linter formats it (npm test checks it)
  spawnSync(process.execPath, [join(ROOT, 'node_modules/@biomejs/biome/bin/biome'), 'format', '--write', readmePath], {
    stdio: 'ignore',
  });
  console.log(`README.md performance table updated (${new Date().toISOString().slice(0, 10)})`);
}
