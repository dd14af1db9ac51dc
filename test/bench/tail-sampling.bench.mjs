// Journey-aware tail sampling (issue #18) beside storing everything, on the same spans: a
// collector with the embedded engine, once with --tail-sampling (keep errors, cold starts,
// timeouts and 10 % of the rest; decision delay 1 s) and once without, each in its own process
// (one engine per process). The journeys are three traces joined by message ids — an HTTP hop
// that publishes, a consumer that publishes again, a last consumer — five spans a journey with
// attributes like an instrumented function's; 5 % of journeys fail at the third hop.
// Figures, sampled ÷ everything:
//   - retained bytes per original span: otel_traces alone, and every table kept past the hold
//     (otel_traces, the views' tables, decisions, entry spans; the staging table expires after
//     the hold);
//   - query latency (median of repeated runs): a search page, a trace by id, function metrics;
//   - ingest throughput: spans/s from the first request to the spool empty;
//   - decision lag: from the last span stored to every journey decided, and the sampler's own
//     lag (store clock at decision minus the decided traces' last ingest; the floor is the delay).
// Also whether the function metrics (/api/metrics?groupBy=function: counts, percentiles, cost)
// are identical.
//   node test/bench/tail-sampling.bench.mjs
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  bundleSource,
  isMain,
  median,
  ROOT,
  round,
  runChild,
  textTable,
  writeChildResult,
  writeResult,
} from './lib/common.mjs';

const JOURNEYS = Number(process.env.BENCH_SAMPLING_JOURNEYS ?? 20_000);
const FAILING_EVERY = 20;
const PERCENT = 10;
const QUERY_RUNS = 15;
const PER_REQUEST = 500;
/** The decision delay; a long one leaves the sampler idle while the spans stream in. */
const DELAY = process.env.BENCH_SAMPLING_DELAY ?? '1s';

async function collectorModule() {
  // inside the collector's package, so that the packages only it installs (@fastify/static) resolve
  const outfile = join(ROOT, 'collector/node_modules/.cache/fntrace-bench/tail-sampling-collector.mjs');
  await bundleSource(join(ROOT, 'collector/src/index.ts'), outfile);
  return import(pathToFileURL(outfile).href);
}

const hex = (seed, len) => createHash('sha256').update(seed).digest('hex').slice(0, len);
const str = (key, value) => ({ key, value: { stringValue: String(value) } });

/** The spans of journey `i` as OTLP/JSON spans (deterministic: both runs get the same ids and times). */
function journeySpans(i, baseMs) {
  const failing = i % FAILING_EVERY === FAILING_EVERY - 1;
  const spans = [];
  const at = BigInt(baseMs + (i % 600_000)) * 1_000_000n;
  for (let k = 0; k < 3; k++) {
    const traceId = hex(`t-${i}-${k}`, 32);
    const hopId = hex(`s-${i}-${k}`, 16);
    const start = at + BigInt(k) * 40_000_000n;
    const duration = BigInt(20 + ((i * 7 + k * 13) % 180)) * 1_000_000n;
    spans.push({
      traceId,
      spanId: hopId,
      name: k === 0 ? 'POST /orders' : `consume orders-${k}`,
      kind: k === 0 ? 2 : 5,
      startTimeUnixNano: String(start),
      endTimeUnixNano: String(start + duration),
      status: failing && k === 2 ? { code: 2, message: 'card declined' } : {},
      attributes: [
        str('faas.name', `hop-${k}`),
        str('faas.invocation_id', hex(`inv-${i}-${k}`, 32)),
        str('faas.trigger', k === 0 ? 'http' : 'pubsub'),
        str('faas.max_memory', 536870912),
        str('faas.coldstart', 'false'),
        str('cloud.provider', 'aws'),
        str('cloud.region', 'eu-west-1'),
        str('fntrace.correlation_id', hex(`corr-${i}-${k}`, 16)),
        str('http.request.method', 'POST'),
        str('app.order.id', `order-${i}`),
        ...(k > 0 ? [str('messaging.message.id', `m-${i}-${k}`), str('messaging.system', 'aws_sqs')] : []),
      ],
    });
    if (k < 2) {
      spans.push({
        traceId,
        spanId: hex(`p-${i}-${k}`, 16),
        parentSpanId: hopId,
        name: 'publish orders',
        kind: 4,
        startTimeUnixNano: String(start + 5_000_000n),
        endTimeUnixNano: String(start + 9_000_000n),
        attributes: [
          str('messaging.message.id', `m-${i}-${k + 1}`),
          str('messaging.system', 'aws_sqs'),
          str('messaging.destination.name', `orders-${k + 1}`),
        ],
      });
    }
  }
  return spans;
}

/** One collector run (a child process): ingest every journey, wait for decisions, measure. */
async function child(mode, baseMs) {
  const { buildServer } = await collectorModule();
  const data = mkdtempSync(join(tmpdir(), `fntrace-sampling-bench-${mode}-`));
  try {
    const options = { data, logLevel: 'warn', port: 0 };
    if (mode === 'sampled') {
      options.tailSampling = join(data, 'sampling.yaml');
      writeFileSync(options.tailSampling, `decisionDelay: ${DELAY}\nhold: 1h\nkeep:\n  percent: ${PERCENT}\n`);
    }
    const server = buildServer(options);
    const url = await server.app.listen({ host: '127.0.0.1', port: 0 });
    const { spool, store } = server.parts();
    const rows = async (query, query_params = {}) =>
      (await store.client.query({ query, query_params, format: 'JSONEachRow' })).json();
    const bodies = [];
    let spans = [];
    for (let i = 0; i < JOURNEYS; i++) {
      spans.push(...journeySpans(i, baseMs));
      if (spans.length >= PER_REQUEST || i === JOURNEYS - 1) {
        bodies.push(
          JSON.stringify({
            resourceSpans: [
              {
                resource: { attributes: [str('service.name', 'shop'), str('host.arch', 'amd64')] },
                scopeSpans: [{ spans }],
              },
            ],
          }),
        );
        spans = [];
      }
    }
    const total = JOURNEYS * 5;
    const t0 = performance.now();
    // four requests in flight, as a few senders would
    let next = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < bodies.length) {
          const body = bodies[next++];
          const res = await fetch(`${url}/v1/traces`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body,
          });
          if (res.status !== 200) throw new Error(`ingest answered ${res.status}`);
        }
      }),
    );
    while (spool.totalBytes > 0) await new Promise((r) => setTimeout(r, 10));
    const ingestMs = performance.now() - t0;
    const storedAt = performance.now();
    const lags = [];
    if (mode === 'sampled') {
      const traces = JOURNEYS * 3;
      for (;;) {
        const [r] = await rows('SELECT toString(uniqExact(TraceId)) AS n FROM fntrace.fntrace_sampling_decisions');
        if (server.app.sampler.lastLagMs !== undefined) lags.push(server.app.sampler.lastLagMs);
        if (Number(r.n) >= traces) break;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const decidedMs = performance.now() - storedAt;
    // retained tables, merged as they would be a while later; the staging table expires after the hold
    const retained = [
      'otel_traces',
      'otel_traces_trace_id_ts',
      'fntrace_invocations',
      'fntrace_trace_summary',
      'fntrace_trace_edges',
      'fntrace_messages',
      'fntrace_sampling_decisions',
      'fntrace_entry_spans',
    ];
    const present = (await rows("SELECT name FROM system.tables WHERE database = 'fntrace'")).map((r) => r.name);
    for (const t of retained.filter((x) => present.includes(x)))
      await store.client.command({ query: `OPTIMIZE TABLE fntrace.\`${t}\` FINAL` });
    const bytes = Object.fromEntries(
      (
        await rows(
          `SELECT table, toString(sum(bytes_on_disk)) AS b FROM system.parts
           WHERE database = 'fntrace' AND active AND table IN {t:Array(String)} GROUP BY table`,
          { t: retained },
        )
      ).map((r) => [r.table, Number(r.b)]),
    );
    const [kept] = await rows('SELECT toString(count()) AS n FROM fntrace.otel_traces');
    const api = async (path) => {
      const res = await fetch(`${url}${path}`);
      if (res.status !== 200) throw new Error(`${path} → ${res.status}`);
      return res.json();
    };
    const from = baseMs - 60_000;
    const to = baseMs + 700_000;
    const metricsPath = `/api/metrics?groupBy=function&start=${from}&end=${to}&step=1h`;
    const metrics = await api(metricsPath);
    const timed = async (path) => {
      const ms = [];
      for (let i = 0; i < QUERY_RUNS; i++) {
        const t = performance.now();
        await api(path);
        ms.push(performance.now() - t);
      }
      return round(median(ms), 1);
    };
    // a failing journey's first trace: kept in both runs
    const traceId = hex(`t-${FAILING_EVERY - 1}-0`, 32);
    const queries = {
      search: await timed(`/api/traces?service=shop&start=${from}&end=${to}&limit=50`),
      traceById: await timed(`/api/traces/${traceId}`),
      functionMetrics: await timed(metricsPath),
    };
    await server.app.close();
    writeChildResult({
      mode,
      spans: total,
      keptSpans: Number(kept.n),
      ingestMs: round(ingestMs, 0),
      spansPerSecond: round(total / (ingestMs / 1000), 0),
      decidedMs: round(decidedMs, 0),
      samplerLagMs: lags.length ? round(median(lags), 0) : null,
      bytes,
      queries,
      metricsHash: createHash('sha256').update(JSON.stringify(metrics)).digest('hex'),
    });
  } finally {
    rmSync(data, { recursive: true, force: true });
  }
}

export async function run() {
  const baseMs = Date.now() - 900_000;
  const runs = {};
  // alternating, three times each: the machine is shared; each figure is the median of the three
  const order = ['all', 'sampled', 'sampled', 'all', 'all', 'sampled'];
  const got = { all: [], sampled: [] };
  for (const mode of order) {
    const { result } = await runChild(
      [join(ROOT, 'test/bench/tail-sampling.bench.mjs'), '--child', mode, String(baseMs)],
      { ...process.env },
      { name: `tail-sampling-${mode}`, timeoutMs: 600_000 },
    );
    got[mode].push(result);
  }
  const mid = (xs, f) => median(xs.map(f));
  for (const mode of ['all', 'sampled']) {
    const xs = got[mode];
    const sum = (b) => Object.values(b).reduce((a, n) => a + n, 0);
    runs[mode] = {
      spans: xs[0].spans,
      keptSpans: xs[0].keptSpans,
      spansPerSecond: mid(xs, (x) => x.spansPerSecond),
      ingestRuns: xs.map((x) => x.spansPerSecond),
      tracesBytesPerSpan: mid(xs, (x) => x.bytes.otel_traces / x.spans),
      retainedBytesPerSpan: mid(xs, (x) => sum(x.bytes) / x.spans),
      queries: Object.fromEntries(
        Object.keys(xs[0].queries).map((q) => [
          q,
          round(
            mid(xs, (x) => x.queries[q]),
            1,
          ),
        ]),
      ),
      decidedMs: mid(xs, (x) => x.decidedMs),
      samplerLagMs: xs[0].samplerLagMs === null ? null : mid(xs, (x) => x.samplerLagMs),
      metricsHashes: xs.map((x) => x.metricsHash),
      bytes: xs[0].bytes,
    };
  }
  const a = runs.all;
  const s = runs.sampled;
  const ratio = (x, y) => round(x / y, 3);
  const result = {
    bench: 'tail-sampling',
    params: {
      journeys: JOURNEYS,
      spansPerJourney: 5,
      failingShare: 1 / FAILING_EVERY,
      percent: PERCENT,
      decisionDelay: '1s',
    },
    all: a,
    sampled: s,
    keptShare: round(s.keptSpans / s.spans, 3),
    ratios: {
      tracesBytes: ratio(s.tracesBytesPerSpan, a.tracesBytesPerSpan),
      retainedBytes: ratio(s.retainedBytesPerSpan, a.retainedBytesPerSpan),
      search: ratio(s.queries.search, a.queries.search),
      traceById: ratio(s.queries.traceById, a.queries.traceById),
      functionMetrics: ratio(s.queries.functionMetrics, a.queries.functionMetrics),
      ingest: ratio(s.spansPerSecond, a.spansPerSecond),
    },
    metricsIdentical: new Set([...a.metricsHashes, ...s.metricsHashes]).size === 1,
  };
  console.log(
    textTable(
      ['figure', 'everything', '--tail-sampling 10 %', 'sampled ÷ everything'],
      [
        ['spans kept', `${a.keptSpans}`, `${s.keptSpans} (${(result.keptShare * 100).toFixed(1)} %)`, ''],
        [
          'otel_traces bytes / original span',
          round(a.tracesBytesPerSpan, 1),
          round(s.tracesBytesPerSpan, 1),
          `${result.ratios.tracesBytes}×`,
        ],
        [
          'retained bytes / original span',
          round(a.retainedBytesPerSpan, 1),
          round(s.retainedBytesPerSpan, 1),
          `${result.ratios.retainedBytes}×`,
        ],
        ['search page, ms', a.queries.search, s.queries.search, `${result.ratios.search}×`],
        ['trace by id, ms', a.queries.traceById, s.queries.traceById, `${result.ratios.traceById}×`],
        [
          'function metrics, ms',
          a.queries.functionMetrics,
          s.queries.functionMetrics,
          `${result.ratios.functionMetrics}×`,
        ],
        ['ingest, spans/s', a.spansPerSecond, s.spansPerSecond, `${result.ratios.ingest}×`],
        ['stored → all decided, ms', '', s.decidedMs, ''],
        ['sampler lag (decision − last ingest), ms', '', s.samplerLagMs, ''],
        ['function metrics identical', '', '', result.metricsIdentical ? 'yes' : 'NO'],
      ],
    ),
  );
  writeResult('tail-sampling', result);
  return result;
}

if (isMain(import.meta.url)) {
  const at = process.argv.indexOf('--child');
  if (at > 0) await child(process.argv[at + 1], Number(process.argv[at + 2]));
  else await run();
}
