// Child process of the query bench: owns one embedded ClickHouse (chDB) data directory.
// Creates fntrace's schema (the collector's own migrations, from source) and, in database
// `exporter`, the OpenTelemetry Collector ClickHouse exporter's default trace tables;
// generates the spans inside the engine into fntrace.otel_traces (its materialized views
// fill the other tables), the same rows into exporter.otel_traces, then times the
// query API's functions against their exporter-schema equivalents, and looks at what the
// engine read. Parameters come in BENCH_* variables; the result goes to BENCH_OUT.
import { rmSync } from 'node:fs';
import { writeChildResult } from './common.mjs';
import { EXPORTER_COLUMNS, exporterStatements, generateSelect } from './query-data.mjs';
import {
  exporterAttrSearch,
  exporterFunctionMetrics,
  exporterPoints,
  exporterRecent,
  exporterSearch,
  exporterServiceMap,
  exporterTraceById,
} from './query-sql.mjs';

const src = await import(process.env.BENCH_SRC);
const dir = process.env.BENCH_DIR;
const SPANS = Math.floor(Number(process.env.BENCH_SPANS) / 10) * 10;
const RUNS = Number(process.env.BENCH_RUNS);
const CHUNK = Number(process.env.BENCH_CHUNK);
const BLOCK_ROWS = Number(process.env.BENCH_BLOCK_ROWS);
const INSERT_MEMORY = Number(process.env.BENCH_INSERT_MEMORY);
const HOUR_MS = 3_600_000;
const DAY_NS = 86_400_000_000_000;
const EXPORTER_DB = 'exporter';

const log = (msg) => process.stderr.write(`  query: ${msg}\n`);
const since = (t) => performance.now() - t;

rmSync(dir, { recursive: true, force: true });
const options = src.resolveCollectorOptions({ data: dir });
const store = await src.openStore(options);
const client = store.client;
const db = `\`${store.database}\``;
const rows = async (query, query_params, clickhouse_settings) =>
  (await client.query({ query, query_params, clickhouse_settings, format: 'JSONEachRow' })).json();

// ——— schema ———
await src.migrate(store, options.retentionDays);
for (const statement of exporterStatements(EXPORTER_DB)) await client.command({ query: statement });

// ——— load ———
// Bounded inserts: rows are generated and written `BLOCK_ROWS` at a time (one part each),
// one thread, under a memory cap; each INSERT of `CHUNK` rows fires the views per block.
const insertSettings = {
  max_memory_usage: String(INSERT_MEMORY),
  max_threads: '2',
  max_insert_threads: '1',
  max_block_size: String(Math.min(65_536, BLOCK_ROWS)),
  min_insert_block_size_rows: String(BLOCK_ROWS),
  min_insert_block_size_bytes: '0',
};
const anchorMs = Date.now();
const baseNs = BigInt(anchorMs) * 1_000_000n - BigInt(DAY_NS);
const spanColumns = src.SPAN_COLUMNS.map(([name]) => name);
const traces = SPANS / 10;
const tLoad = performance.now();
for (let offset = 0; offset < SPANS; offset += CHUNK) {
  const count = Math.min(CHUNK, SPANS - offset);
  const select = generateSelect({ columns: spanColumns, offset, count, traces, baseNs, windowNs: DAY_NS });
  await client.command({
    query: `INSERT INTO ${db}.otel_traces (${src.columnList(src.SPAN_COLUMNS)}) ${select}`,
    clickhouse_settings: insertSettings,
  });
  log(`generated ${(offset + count).toLocaleString('en-US')} / ${SPANS.toLocaleString('en-US')} spans`);
}
const loadFntraceMs = since(tLoad);

// The same rows into the exporter's table, by the same generator SELECT and the same chunks
// and blocks (the columns the exporter has), so both tables' parts cover the same time
// ranges, as time-ordered ingest makes them. (INSERT … SELECT FROM fntrace.otel_traces would
// read that table in its (ServiceName, SpanName, time) order and give the exporter's parts
// the whole time range of each source part, so every time-window query would read more of
// the exporter's table than of fntrace's.) A checksum below shows the rows are the same.
const exporterCols = EXPORTER_COLUMNS.map((c) => `\`${c}\``).join(', ');
const tExporter = performance.now();
for (let offset = 0; offset < SPANS; offset += CHUNK) {
  const count = Math.min(CHUNK, SPANS - offset);
  const select = generateSelect({ columns: spanColumns, offset, count, traces, baseNs, windowNs: DAY_NS });
  await client.command({
    query: `INSERT INTO ${EXPORTER_DB}.otel_traces (${exporterCols}) SELECT ${exporterCols} FROM (${select})`,
    clickhouse_settings: insertSettings,
  });
}
const loadExporterMs = since(tExporter);
log(`loaded in ${(loadFntraceMs / 1000).toFixed(1)} s, exporter in ${(loadExporterMs / 1000).toFixed(1)} s`);
const checksum = async (table) => {
  const [r] = await rows(
    `SELECT count() AS n, toString(groupBitXor(cityHash64(TraceId, SpanId, toUnixTimestamp64Nano(Timestamp), Duration,
       StatusCode, SpanName, ServiceName, toString(SpanAttributes), toString(ResourceAttributes)))) AS h FROM ${table}`,
  );
  return `${r.n}:${r.h}`;
};
const sameRows = (await checksum(`${db}.otel_traces`)) === (await checksum(`${EXPORTER_DB}.otel_traces`));
log(`exporter rows the same as fntrace's (count and checksum): ${sameRows ? 'yes' : 'NO'}`);

/** Wait (up to `maxMs`) for background merges to finish, so they do not run beside the timed queries. */
async function settle(maxMs = 90_000) {
  const t = performance.now();
  for (;;) {
    const [m] = await rows('SELECT count() AS n FROM system.merges');
    if (Number(m.n) === 0 || since(t) > maxMs) return { ms: Math.round(since(t)), mergesLeft: Number(m.n) };
    await new Promise((r) => setTimeout(r, 500));
  }
}
const settled = await settle();
log(`merges settled after ${(settled.ms / 1000).toFixed(1)} s (${settled.mergesLeft} still running)`);

async function tableStats() {
  const r = await rows(
    `SELECT database, table, count() AS parts, sum(rows) AS rows, sum(bytes_on_disk) AS bytes
     FROM system.parts WHERE active AND database IN ({a:String}, {b:String}) GROUP BY database, table ORDER BY database, table`,
    { a: store.database, b: EXPORTER_DB },
  );
  return r.map((x) => ({
    table: `${x.database}.${x.table}`,
    parts: Number(x.parts),
    rows: Number(x.rows),
    bytes: Number(x.bytes),
  }));
}
const tables = await tableStats();

// ——— parameters: values that exist in the data, one more than RUNS (the last warms up) ———
const nsOf = (ms) => `${Math.floor(ms / 1000)}.${String(ms % 1000).padStart(3, '0')}000000`;
const lastHour = { startMs: anchorMs - HOUR_MS, endMs: anchorMs };
const win = (w) => ({ start: nsOf(w.startMs), end: nsOf(w.endMs) });
const apiRange = (w) => ({ start: String(w.startMs), end: String(w.endMs) });
const windowOf = `Timestamp >= {start:DateTime64(9)} AND Timestamp <= {end:DateTime64(9)}`;
const N = RUNS + 1;

const traceIds = (
  await rows(
    `SELECT TraceId AS id FROM ${db}.otel_traces_trace_id_ts ORDER BY cityHash64(TraceId, 7) LIMIT {n:UInt32}`,
    {
      n: N,
    },
  )
).map((r) => r.id);
const services = (
  await rows(
    `SELECT ServiceName AS s, count() AS c FROM ${db}.otel_traces WHERE ${windowOf} GROUP BY s ORDER BY c DESC LIMIT {n:UInt32}`,
    { ...win(lastHour), n: N },
  )
).map((r) => r.s);
const searchParams = services.map((service, i) => ({ service, minDurationMs: i % 2 === 0 ? 100 : 250 }));
const users = (
  await rows(
    `SELECT DISTINCT SpanAttributes['user.id'] AS u FROM ${db}.otel_traces WHERE ${windowOf} AND ParentSpanId = ''
     ORDER BY cityHash64(u) LIMIT {n:UInt32}`,
    { ...win(lastHour), n: N },
  )
).map((r) => r.u);
const tenants = (
  await rows(
    `SELECT SpanAttributes['app.tenant.id'] AS t, count() AS c FROM ${db}.otel_traces WHERE ${windowOf} AND t != ''
     GROUP BY t ORDER BY c DESC LIMIT {n:UInt32}`,
    { ...win(lastHour), n: N },
  )
).map((r) => r.t);
// one-hour windows ending every 30 minutes back from now (what a user paging back through the day asks)
const hourWindows = Array.from({ length: N }, (_, i) => ({
  startMs: anchorMs - i * 30 * 60_000 - HOUR_MS,
  endMs: anchorMs - i * 30 * 60_000,
}));

const VIEW_OPTIONS = { orphanGraceMs: 300_000, prices: src.DEFAULT_PRICES };

/**
 * The measured cases: the API's own function (`fntrace(store, p)`) and, where it makes
 * sense, the exporter-schema equivalent (`exporter(client, p)`); both take the client
 * through an argument so diagnostics can record their SQL.
 */
const cases = [
  {
    id: 'traceById',
    label: 'trace by id',
    fntraceLabel: 'GET /api/traces/:id (lookup, spans, invocations, summary; stitched)',
    exporterLabel: 'trace_id_ts lookup + SELECT * by TraceId and time (Grafana)',
    params: traceIds,
    paramNote: `trace ids picked at random over the 24 hours`,
    fntrace: (st, id) => src.traceView(st, id, VIEW_OPTIONS),
    exporter: (cl, id) => exporterTraceById(cl, EXPORTER_DB, id),
    check: (f, e) => `${f?.spans?.length ?? 0} spans / ${e.length} spans`,
    goal: { medianMs: 50, ratio: 0.5 },
  },
  {
    id: 'traceSpans',
    label: 'trace by id, spans only',
    fntraceLabel: 'loadTraceSpans (lookup + spans query)',
    exporterLabel: 'same as above',
    params: traceIds,
    fntrace: (st, id) => src.loadTraceSpans(st, id),
    exporter: (cl, id) => exporterTraceById(cl, EXPORTER_DB, id),
    check: (f, e) => `${f.length} / ${e.length} spans`,
  },
  {
    id: 'search',
    label: 'search: service + error + min duration, last hour',
    fntraceLabel: 'GET /api/traces?service&status=error&minDurationMs',
    exporterLabel: 'spans of the service, Error, Duration ≥ min; GROUP BY TraceId',
    params: searchParams,
    paramNote: 'a different service each run (the busiest of the last hour first), min duration 100 / 250 ms',
    fntrace: (st, p) =>
      src.searchTraces(st, {
        ...apiRange(lastHour),
        service: p.service,
        status: 'error',
        minDurationMs: p.minDurationMs,
      }),
    exporter: (cl, p) => exporterSearch(cl, EXPORTER_DB, { ...win(lastHour), ...p }),
    check: (f, e) => `${f.traces.length} / ${e.length} traces`,
    goal: { medianMs: 150 },
  },
  {
    id: 'recent',
    label: 'recent traces, no filter, newest first, one hour',
    fntraceLabel: "GET /api/traces (the dashboard's default list)",
    exporterLabel: 'spans of the hour; GROUP BY TraceId ORDER BY start DESC',
    params: hourWindows,
    paramNote: 'one-hour windows ending every 30 min back from now',
    fntrace: (st, w) => src.searchTraces(st, apiRange(w)),
    exporter: (cl, w) => exporterRecent(cl, EXPORTER_DB, win(w)),
    check: (f, e) => `${f.traces.length} / ${e.length} traces`,
  },
  {
    id: 'points',
    label: 'scatter points, no filter, one hour (1,000 of ~42,000 traces)',
    fntraceLabel: "GET /api/traces/points (the Traces page's scatter)",
    exporterLabel: 'spans of the hour; GROUP BY TraceId, slowest 100 + hash sample',
    params: hourWindows,
    paramNote: 'one-hour windows ending every 30 min back from now',
    fntrace: (st, w) => src.tracePoints(st, apiRange(w)),
    exporter: (cl, w) => exporterPoints(cl, EXPORTER_DB, win(w)),
    check: (f, e) => `${f.points.length} / ${e.length} points`,
  },
  {
    id: 'attrUser',
    label: 'attribute search: user.id = one user (high cardinality), last hour',
    fntraceLabel: 'GET /api/traces?attr=user.id=…',
    exporterLabel: "SpanAttributes['user.id'] = v; GROUP BY TraceId",
    params: users,
    paramNote: 'user ids seen in the last hour (200,000 users in all)',
    fntrace: (st, u) => src.searchTraces(st, { ...apiRange(lastHour), attr: `user.id=${u}` }),
    exporter: (cl, u) => exporterAttrSearch(cl, EXPORTER_DB, { ...win(lastHour), key: 'user.id', value: u }),
    check: (f, e) => `${f.traces.length} / ${e.length} traces`,
    goal: { medianMs: 500, ratio: 0.5 },
  },
  {
    id: 'attrTenant',
    label: 'attribute search: app.tenant.id = one tenant (low cardinality), last hour',
    fntraceLabel: 'GET /api/traces?attr=app.tenant.id=…',
    exporterLabel: "SpanAttributes['app.tenant.id'] = v; GROUP BY TraceId",
    params: tenants,
    paramNote: 'the busiest tenants of the last hour first (Zipf over 40: the first has ~23 % of spans)',
    fntrace: (st, t) => src.searchTraces(st, { ...apiRange(lastHour), attr: `app.tenant.id=${t}` }),
    exporter: (cl, t) => exporterAttrSearch(cl, EXPORTER_DB, { ...win(lastHour), key: 'app.tenant.id', value: t }),
    check: (f, e) => `${f.traces.length} / ${e.length} traces`,
    goal: { medianMs: 500, ratio: 0.5 },
  },
  {
    id: 'metricsService',
    label: 'metrics, 1 hour, by service, 60 buckets',
    fntraceLabel: 'GET /api/metrics?groupBy=service',
    exporterLabel: 'the same SQL on the exporter table',
    params: hourWindows,
    paramNote: 'one-hour windows ending every 30 min back from now',
    fntrace: (st, w) => src.metrics(st, { ...apiRange(w), groupBy: 'service' }),
    exporter: (cl, w) =>
      src.metrics({ ...store, client: cl, database: EXPORTER_DB }, { ...apiRange(w), groupBy: 'service' }),
    check: (f, e) => `${f.series.length} / ${e.series.length} series`,
    goal: { medianMs: 200 },
  },
  {
    id: 'metricsFunction',
    label: 'metrics, 1 hour, by function (cold starts, cost)',
    fntraceLabel: 'GET /api/metrics?groupBy=function (fntrace_invocations)',
    exporterLabel: 'invocation spans of otel_traces, attributes from the maps',
    params: hourWindows,
    fntrace: (st, w) => src.metrics(st, { ...apiRange(w), groupBy: 'function' }),
    exporter: (cl, w) => exporterFunctionMetrics(cl, EXPORTER_DB, { ...win(w), step: 60 }),
    check: (f, e) => `${f.series.length} series / ${e.length} rows`,
    goal: { medianMs: 200 },
  },
  {
    id: 'serviceMap',
    label: 'service map, 1 hour',
    fntraceLabel: 'GET /api/map (5 queries in parallel)',
    exporterLabel: 'the same 5 queries; dwell and function name from the maps',
    params: hourWindows,
    fntrace: (st, w) => src.serviceMap(st, apiRange(w)),
    exporter: (cl, w) => exporterServiceMap(cl, EXPORTER_DB, win(w)),
    check: (f, e) => `${f.edges.length} edges / ${e[0].length + e[1].length + e[2].length} edges`,
    goal: { medianMs: 500 },
  },
];

async function timeOne(fn) {
  const t = performance.now();
  const out = await fn();
  return { ms: since(t), out };
}

function stats(ms) {
  const s = [...ms].sort((a, b) => a - b);
  const q = (p) => {
    const pos = (s.length - 1) * p;
    const lo = Math.floor(pos);
    return s[lo] + (s[Math.ceil(pos)] - s[lo]) * (pos - lo);
  };
  return { medianMs: q(0.5), p95Ms: q(0.95), minMs: s[0], maxMs: s.at(-1), runs: s.length };
}

/**
 * Times `fntrace` and `exporter` (functions of one parameter) over the case's RUNS
 * parameters, alternating which goes first, after two calls with the spare parameter.
 * Every timed call has parameters no earlier call had, so the engine's query condition
 * cache (on by default) answers none of them from an earlier run.
 */
async function measure(c, fntrace, exporter) {
  const f = [];
  const e = [];
  let sample;
  const warm = c.params[RUNS];
  for (let w = 0; w < 2; w++) {
    await fntrace(warm);
    if (exporter) await exporter(warm);
  }
  for (const [i, p] of c.params.slice(0, RUNS).entries()) {
    const order = i % 2 === 0 ? ['f', 'e'] : ['e', 'f'];
    const got = {};
    for (const side of order) {
      if (side === 'f') {
        const r = await timeOne(() => fntrace(p));
        f.push(r.ms);
        got.f = r.out;
      } else if (exporter) {
        const r = await timeOne(() => exporter(p));
        e.push(r.ms);
        got.e = r.out;
      }
    }
    if (i === 0 && exporter && c.check) sample = c.check(got.f, got.e);
  }
  return { fntrace: stats(f), exporter: exporter ? stats(e) : undefined, sample, fntraceMs: f, exporterMs: e };
}

const results = {};
for (const c of cases) {
  const t = performance.now();
  results[c.id] = await measure(
    c,
    (p) => c.fntrace(store, p),
    (p) => c.exporter(client, p),
  );
  const r = results[c.id];
  log(
    `${c.id}: fntrace median ${r.fntrace.medianMs.toFixed(1)} ms, exporter ${r.exporter.medianMs.toFixed(1)} ms` +
      ` (${r.sample}) in ${(since(t) / 1000).toFixed(1)} s`,
  );
}

// ——— what the engine read: each statement of one call, run again alone ———
// chDB has no system.query_log; the process-wide ProfileEvents counters (system.events)
// are read before and after each statement instead. The query condition cache is off for
// these runs, so the figures are what a first run reads.
const EVENTS = ['SelectedParts', 'SelectedMarks', 'SelectedRows', 'SelectedBytes'];
async function events() {
  const r = await rows('SELECT event, value FROM system.events WHERE event IN {e:Array(String)}', { e: EVENTS });
  return Object.fromEntries(EVENTS.map((e) => [e, Number(r.find((x) => x.event === e)?.value ?? 0)]));
}

function recordingClient(base) {
  const statements = [];
  return {
    statements,
    client: {
      query: (args) => {
        statements.push({ query: args.query, query_params: args.query_params });
        return base.query(args);
      },
    },
  };
}

async function readStats(statement) {
  const before = await events();
  const t = performance.now();
  await rows(statement.query, statement.query_params, { use_query_condition_cache: 0 });
  const ms = since(t);
  const after = await events();
  return {
    ms: Math.round(ms * 10) / 10,
    parts: after.SelectedParts - before.SelectedParts,
    marks: after.SelectedMarks - before.SelectedMarks,
    readRows: after.SelectedRows - before.SelectedRows,
    readBytes: after.SelectedBytes - before.SelectedBytes,
  };
}

async function explain(statement) {
  try {
    const r = await client.query({
      query: `EXPLAIN indexes = 1 ${statement.query}`,
      query_params: statement.query_params,
      format: 'TabSeparatedRaw',
    });
    return (await r.text()).split('\n').filter((l) => l.trim() && !l.includes('Output:'));
  } catch (err) {
    return [`EXPLAIN failed: ${err.message.split('\n')[0].slice(0, 200)}`];
  }
}

const shortSql = (sql) => sql.replace(/\s+/g, ' ').trim().slice(0, 200);
async function statementsOf(call) {
  const rec = recordingClient(client);
  await call(rec.client);
  const out = [];
  for (const s of rec.statements) {
    out.push({ sql: shortSql(s.query), ...(await readStats(s)), explain: await explain(s) });
  }
  return out;
}

const diagnostics = {};
function withNoCache(args) {
  return { ...args, clickhouse_settings: { ...(args.clickhouse_settings ?? {}), use_query_condition_cache: 0 } };
}
for (const c of cases) {
  const p = c.params[0];
  diagnostics[c.id] = {
    fntrace: await statementsOf((cl) => c.fntrace({ ...store, client: { query: (a) => cl.query(withNoCache(a)) } }, p)),
    exporter: await statementsOf((cl) => c.exporter({ query: (a) => cl.query(withNoCache(a)) }, p)),
  };
}
log('diagnostics done');

await client.close();
writeChildResult({
  spans: SPANS,
  traces,
  runs: RUNS,
  anchor: new Date(anchorMs).toISOString(),
  load: {
    fntraceMs: Math.round(loadFntraceMs),
    fntraceRowsPerSec: Math.round(SPANS / (loadFntraceMs / 1000)),
    exporterMs: Math.round(loadExporterMs),
    exporterRowsPerSec: Math.round(SPANS / (loadExporterMs / 1000)),
    exporterSameRows: sameRows,
    chunkRows: CHUNK,
    blockRows: BLOCK_ROWS,
    insertMemoryBytes: INSERT_MEMORY,
    settle: settled,
    optimizeFinal: false,
  },
  tables,
  params: {
    traceIds: traceIds.slice(0, RUNS),
    search: searchParams.slice(0, RUNS),
    users: users.slice(0, RUNS),
    tenants: tenants.slice(0, RUNS),
    hourWindowsEnd: hourWindows.slice(0, RUNS).map((w) => new Date(w.endMs).toISOString()),
  },
  paramNotes: Object.fromEntries(cases.filter((c) => c.paramNote).map((c) => [c.id, c.paramNote])),
  cases: cases.map((c) => ({
    id: c.id,
    label: c.label,
    fntraceLabel: c.fntraceLabel,
    exporterLabel: c.exporterLabel,
    goal: c.goal,
    ...results[c.id],
  })),
  diagnostics,
  maxRssBytes: process.resourceUsage().maxRSS * 1024,
});
