// The query API's latency at scale, beside the OpenTelemetry Collector ClickHouse
// exporter's default schema. One child process (lib/query-child.mjs) owns a fresh embedded
// ClickHouse (chDB) data directory: it creates fntrace's schema (the collector's own
// migrations, bundled from source) and, in database `exporter`, the exporter's default
// otel_traces + otel_traces_trace_id_ts (+ view); generates BENCH_QUERY_SPANS spans (about
// ten a trace, the last 24 hours) inside the engine into fntrace.otel_traces, whose views
// fill fntrace's other tables, and the same rows (same SELECT) into exporter.otel_traces. Then
// each query runs BENCH_QUERY_RUNS times with different parameter values picked from the
// data: the API's own functions (trace view, search, metrics, service map) against what a
// user of the exporter's tables runs for the same answer. Last, what the engine read for
// each.
//
//   node test/bench/query.bench.mjs
//   BENCH_QUERY_SPANS=2000000 node test/bench/query.bench.mjs     smaller, quicker
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  bundleSource,
  ensureTmp,
  fmt,
  fmtRatio,
  isMain,
  LIB_DIR,
  ROOT,
  round,
  TMP,
  textTable,
  writeResult,
} from './lib/common.mjs';

const SPANS = Number(process.env.BENCH_QUERY_SPANS ?? 10_000_000);
const RUNS = Number(process.env.BENCH_QUERY_RUNS ?? 20);
const CHUNK = Number(process.env.BENCH_QUERY_CHUNK ?? 1_000_000);
const BLOCK_ROWS = Number(process.env.BENCH_QUERY_BLOCK_ROWS ?? 262_144);
const INSERT_MEMORY = Number(process.env.BENCH_QUERY_INSERT_MEMORY ?? 4 * 2 ** 30);
const KEEP = process.env.BENCH_QUERY_KEEP === '1';
const DATA_DIR = join(TMP, 'query-data');

/** The exporter schema's published query figures (4-core server, 10 M spans), for the note. */
export const PUBLISHED = {
  server: '4-core ClickHouse server, 10 M spans',
  traceByIdMs: 100,
  searchMs: 140,
  attrSearchMs: 1800,
};

/** The child, with its progress lines (stderr) passed through; its result comes back in a file. */
function runQueryChild(env) {
  const out = join(ensureTmp(), `query-child-${process.pid}-${Date.now()}.json`);
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [join(LIB_DIR, 'query-child.mjs')], {
      cwd: ROOT,
      env: { ...process.env, ...env, BENCH_OUT: out },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30 * 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code !== 0) {
        reject(new Error(`query child exited with ${code ?? signal}`));
        return;
      }
      try {
        resolvePromise(JSON.parse(readFileSync(out, 'utf8')));
      } catch (err) {
        reject(new Error(`query child wrote no result: ${err.message}`));
      } finally {
        rmSync(out, { force: true });
      }
    });
  });
}

const MB = (b) => fmt(b / 2 ** 20, 1);

/** Met / not met for a row's median (and its ratio to the exporter's median, when the goal has one). */
export function verdictOf(goal, medianMs, ratio) {
  if (!goal) return '';
  const parts = [];
  let ok = true;
  if (goal.medianMs !== undefined) {
    parts.push(`≤ ${goal.medianMs} ms`);
    ok &&= medianMs <= goal.medianMs;
  }
  if (goal.ratio !== undefined) {
    parts.push(`≤ ${goal.ratio}×`);
    ok &&= Number.isFinite(ratio) && ratio <= goal.ratio;
  }
  return `${parts.join(', ')}: ${ok ? 'met' : 'not met'}`;
}

/** Sums of what the engine read over one call's statements. */
function readTotals(list) {
  return list.reduce(
    (a, s) => ({
      statements: a.statements + 1,
      rows: a.rows + s.readRows,
      bytes: a.bytes + s.readBytes,
      marks: a.marks + s.marks,
    }),
    { statements: 0, rows: 0, bytes: 0, marks: 0 },
  );
}

export async function main() {
  const src = join(TMP, 'query-collector-src.mjs');
  await bundleSource(join(LIB_DIR, 'query-src-entry.mjs'), src);
  const started = performance.now();
  console.log(`  query: ${SPANS.toLocaleString('en-US')} spans, ${RUNS} runs a query; data in ${DATA_DIR}`);
  let child;
  try {
    child = await runQueryChild({
      BENCH_SRC: src,
      BENCH_DIR: DATA_DIR,
      BENCH_SPANS: String(SPANS),
      BENCH_RUNS: String(RUNS),
      BENCH_CHUNK: String(CHUNK),
      BENCH_BLOCK_ROWS: String(BLOCK_ROWS),
      BENCH_INSERT_MEMORY: String(INSERT_MEMORY),
    });
  } finally {
    if (!KEEP) rmSync(DATA_DIR, { recursive: true, force: true });
  }
  const seconds = (performance.now() - started) / 1000;

  const cases = child.cases.map((c) => ({
    ...c,
    ratio: c.exporter ? round(c.fntrace.medianMs / c.exporter.medianMs, 3) : undefined,
  }));
  for (const c of cases) c.verdict = verdictOf(c.goal, c.fntrace.medianMs, c.ratio);
  const read = Object.fromEntries(
    Object.entries(child.diagnostics).map(([id, d]) => [
      id,
      { fntrace: readTotals(d.fntrace), exporter: readTotals(d.exporter) },
    ]),
  );
  const l = child.load;
  const result = {
    bench: 'query',
    params: {
      spans: child.spans,
      traces: child.traces,
      runsPerQuery: child.runs,
      chunkRows: l.chunkRows,
      blockRows: l.blockRows,
      insertMemoryBytes: l.insertMemoryBytes,
      optimizeFinal: l.optimizeFinal,
    },
    load: l,
    tables: child.tables,
    peakRssBytes: child.maxRssBytes,
    seconds: round(seconds, 1),
    cases,
    read,
    diagnostics: child.diagnostics,
    paramNotes: child.paramNotes,
    sampleParams: child.params,
    published: PUBLISHED,
    anchor: child.anchor,
  };
  const file = writeResult('query', result);

  const tableOf = (name) => child.tables.find((t) => t.table === name);
  console.log(
    `\nquery: ${child.spans.toLocaleString('en-US')} spans in ${child.traces.toLocaleString('en-US')} traces over 24 h, ` +
      `generated inside the engine in chunks of ${l.chunkRows.toLocaleString('en-US')} rows ` +
      `(blocks of ${l.blockRows.toLocaleString('en-US')}, max_memory_usage ${MB(l.insertMemoryBytes)} MiB, no OPTIMIZE FINAL)`,
  );
  console.log(
    textTable(
      ['load', 'seconds', 'spans/s', 'otel_traces parts', 'otel_traces MiB on disk'],
      [
        [
          'fntrace.otel_traces + its 5 views',
          fmt(l.fntraceMs / 1000, 1),
          fmt(l.fntraceRowsPerSec, 0),
          tableOf('fntrace.otel_traces')?.parts ?? '?',
          MB(tableOf('fntrace.otel_traces')?.bytes ?? 0),
        ],
        [
          `exporter.otel_traces + its view (same rows: ${l.exporterSameRows ? 'yes' : 'NO'})`,
          fmt(l.exporterMs / 1000, 1),
          fmt(l.exporterRowsPerSec, 0),
          tableOf('exporter.otel_traces')?.parts ?? '?',
          MB(tableOf('exporter.otel_traces')?.bytes ?? 0),
        ],
      ],
    ),
  );
  console.log(`peak RSS of the chDB process: ${MB(child.maxRssBytes)} MiB\n`);

  const rows = [];
  for (const c of cases) {
    rows.push([
      c.label,
      fmt(c.fntrace.medianMs, 1),
      fmt(c.fntrace.p95Ms, 1),
      c.exporter ? fmt(c.exporter.medianMs, 1) : '—',
      c.exporter ? fmt(c.exporter.p95Ms, 1) : '—',
      c.exporter ? fmtRatio(c.ratio) : '—',
      c.verdict || '—',
    ]);
  }
  console.log(`query: ms per API call, ${child.runs} runs each with different parameters (median, p95)`);
  console.log(
    textTable(['query', 'fntrace med', 'p95', 'exporter med', 'p95', 'fntrace/exporter', 'goal (fntrace)'], rows),
  );
  console.log(
    `note: the exporter schema's published figures (${PUBLISHED.server}): trace by id ~${PUBLISHED.traceByIdMs} ms, ` +
      `multi-filter search ~${PUBLISHED.searchMs} ms, attribute search ~${fmt(PUBLISHED.attrSearchMs / 1000, 1)} s.`,
  );

  console.log(
    '\nwhat the engine read for one call (first parameter; system.events SelectedRows/Bytes, no condition cache)',
  );
  console.log(
    textTable(
      ['query', 'fntrace stmts', 'rows', 'MiB', 'exporter stmts', 'rows', 'MiB'],
      cases.map((c) => [
        c.id,
        read[c.id].fntrace.statements,
        fmt(read[c.id].fntrace.rows, 0),
        MB(read[c.id].fntrace.bytes),
        read[c.id].exporter.statements,
        fmt(read[c.id].exporter.rows, 0),
        MB(read[c.id].exporter.bytes),
      ]),
    ),
  );
  console.log(`\nquery bench: ${fmt(seconds, 0)} s; result: ${file}\n`);
  return result;
}

if (isMain(import.meta.url)) await main();
