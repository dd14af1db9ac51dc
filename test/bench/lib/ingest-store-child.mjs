// Child process of the ingest bench for everything that opens an embedded ClickHouse
// (chDB) data directory: one directory per process, and never one the collector still has
// open. The collector's own code (options, store client, migrations, DDL, decoder) comes
// from the esbuild bundle named by BENCH_SRC.
//
//   node ingest-store-child.mjs inspect    rows and parts in a collector's data dir (after it exited)
//   node ingest-store-child.mjs engine     the engine's own write limit: INSERT … SELECT FROM numbers()
//   node ingest-store-child.mjs filepath   the collector's writer path alone: spool-sized JSONEachRow
//                                          files, INSERT … SELECT FROM file()
//   node ingest-store-child.mjs naive      client.insert() of JSONEachRow batches, then (same rows,
//                                          same dir) bytes per span vs the exporter's default schema
//
// Every timed mode starts from a fresh directory, so no earlier insert's merges run beside it.
// Parameters come in BENCH_* variables; the result goes to BENCH_OUT (see common.mjs).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeChildResult } from './common.mjs';
import { loadWindow } from './ingest-load.mjs';
import { EXPORTER_TRACES_DDL, engineInsert, fntraceVariants, splitAttributes } from './ingest-schemas.mjs';
import { encodeRequest } from './ingest-spans.mjs';

const src = await import(process.env.BENCH_SRC);
const mode = process.argv[2];
const dir = process.env.BENCH_DIR;

async function open(data, overrides = {}) {
  const options = src.resolveCollectorOptions({ data, ...overrides });
  const store = await src.openStore(options);
  return { store, client: store.client, options };
}

async function rows(client, query, query_params) {
  const rs = await client.query({ query, query_params, format: 'JSONEachRow' });
  return rs.json();
}

const num = (v) => Number(v);

async function partsOf(client, database) {
  const r = await rows(
    client,
    `SELECT table, count() AS parts, sum(rows) AS rows, sum(bytes_on_disk) AS bytes,
       sum(data_compressed_bytes) AS compressed, sum(data_uncompressed_bytes) AS uncompressed,
       sum(secondary_indices_compressed_bytes) AS indexBytes
     FROM system.parts WHERE active AND database = {db:String} GROUP BY table ORDER BY table`,
    { db: database },
  );
  return Object.fromEntries(
    r.map((p) => [
      p.table,
      {
        parts: num(p.parts),
        rows: num(p.rows),
        bytes: num(p.bytes),
        compressed: num(p.compressed),
        uncompressed: num(p.uncompressed),
        indexBytes: num(p.indexBytes),
      },
    ]),
  );
}

// ——— inspect: what the collector stored ———
async function inspect() {
  // every span's id of a long soak (12 M) does not fit the collector's per-query memory cap
  const { client, store } = await open(dir, { engineMemoryBytes: 8 * 2 ** 30 });
  const db = store.database;
  const [c] = await rows(
    client,
    `SELECT count() AS rows, uniqExact(TraceId, SpanId) AS distinctSpans,
       avg(length(SpanAttributes)) AS attrs FROM \`${db}\`.otel_traces`,
  );
  const parts = await partsOf(client, db);
  await client.close();
  return { rows: num(c.rows), distinctSpans: num(c.distinctSpans), attrsPerSpan: num(c.attrs), parts };
}

// ——— engine: rows of the same shape generated inside the engine ———

async function shapeOf(client, table) {
  const [s] = await rows(
    client,
    `SELECT avg(length(SpanAttributes)) AS attrs,
       avg(arraySum(arrayMap(v -> length(v), mapValues(SpanAttributes)))) AS valueBytes,
       avg(arraySum(arrayMap(k -> length(k), mapKeys(SpanAttributes)))) AS keyBytes,
       uniqExact(TraceId) AS traces, count() AS rows FROM ${table}`,
  );
  return {
    attrsPerSpan: num(s.attrs),
    valueBytesPerSpan: num(s.valueBytes),
    keyBytesPerSpan: num(s.keyBytes),
    traces: num(s.traces),
    rows: num(s.rows),
  };
}

// Rows per insert block in the engine-limit runs. The default squashing (~1M rows or 256 MiB)
// would make one block of every row, and a block of this table's rows costs the engine ~10 KB
// a row while it is sorted and indexed: 65,536-row blocks already pass the collector's default
// 768 MiB engine memory cap (--engine-memory-bytes), 32,768 stay under it.
const ENGINE_BLOCK_ROWS = 32_768;

async function engine() {
  const n = Number(process.env.BENCH_ROWS);
  const blockRows = Number(process.env.BENCH_BLOCK_ROWS ?? ENGINE_BLOCK_ROWS);
  const views = process.env.BENCH_VIEWS !== '0';
  const baseNs = BigInt(process.env.BENCH_BASE_NS);
  const windowNs = BigInt(process.env.BENCH_WINDOW_NS);
  const { client, store, options } = await open(dir);
  const db = store.database;
  if (views) await src.migrate(store, options.retentionDays);
  else {
    // otel_traces alone, without the materialized views
    const ddl = src.schemaStatements({ database: db, cluster: '', retentionDays: options.retentionDays });
    await client.command({ query: ddl[0] });
    await client.command({ query: ddl.find((s) => s.includes('.`otel_traces` (')) });
  }
  const load = loadWindow();
  const t = performance.now();
  await client.command({
    query: engineInsert(`\`${db}\`.otel_traces`, src.columnList(src.SPAN_COLUMNS), n, baseNs, windowNs),
    // one part per `blockRows` rows, as an insert of that many rows makes
    clickhouse_settings: {
      max_block_size: String(blockRows),
      min_insert_block_size_rows: String(blockRows),
      min_insert_block_size_bytes: '0',
    },
  });
  const ms = performance.now() - t;
  const out = { rows: n, blockRows, views, ms, rowsPerSec: n / (ms / 1000), ...load.end() };
  out.shape = await shapeOf(client, `\`${db}\`.otel_traces`);
  await client.close();
  return out;
}

// ——— the collector's writer path alone ———

function decodeRequests(count, baseNs) {
  const all = [];
  for (let k = 0; k < count; k++) {
    const decoded = src.decodeTracesProto(encodeRequest(k, { baseNs }));
    if (decoded.rejected) throw new Error(`request ${k}: ${decoded.rejected} spans rejected: ${decoded.errors}`);
    for (const row of decoded.rows) all.push(row);
  }
  return all;
}

/**
 * JSONEachRow files of about `segmentBytes` each, as the spool seals them (the text receiver.ts
 * appends), written request by request so this process never holds every row.
 */
function writeSegments(requests, baseNs, segDir, segmentBytes) {
  mkdirSync(segDir, { recursive: true });
  const files = [];
  let rows = 0;
  let text = '';
  const flush = () => {
    files.push(join(segDir, `${String(files.length).padStart(6, '0')}.jsonl`));
    writeFileSync(files.at(-1), text);
    text = '';
  };
  for (let k = 0; k < requests; k++) {
    const decoded = src.decodeTracesProto(encodeRequest(k, { baseNs }));
    if (decoded.rejected) throw new Error(`request ${k}: ${decoded.rejected} spans rejected: ${decoded.errors}`);
    // the receiver appends a request's rows as one piece (rowsToJsonLines), and a segment is
    // sealed once it reaches the segment size
    text += src.rowsToJsonLines(decoded.rows);
    rows += decoded.rows.length;
    if (text.length >= segmentBytes) flush();
  }
  if (text) flush();
  return { files, rows };
}

async function filepath() {
  const requests = Number(process.env.BENCH_REQUESTS);
  const segmentBytes = Number(process.env.BENCH_SEGMENT_BYTES);
  // the segment files outlive this process (BENCH_SEGMENTS), so a second try reuses them
  const segDir = process.env.BENCH_SEGMENTS;
  const listFile = join(segDir, 'segments.json');
  if (!existsSync(listFile)) {
    const made = writeSegments(requests, BigInt(process.env.BENCH_BASE_NS), segDir, segmentBytes);
    writeFileSync(listFile, JSON.stringify(made));
  }
  const { files, rows: count } = JSON.parse(readFileSync(listFile, 'utf8'));
  const { client, store, options } = await open(dir);
  await src.migrate(store, options.retentionDays);
  const cols = src.columnList(src.SPAN_COLUMNS);
  const target = `\`${store.database}\`.otel_traces`;
  const insertMs = [];
  const load = loadWindow();
  const t = performance.now();
  for (const [i, path] of files.entries()) {
    const t1 = performance.now();
    // the statement and settings of writer.ts
    await client.command({
      query: `INSERT INTO ${target} (${cols}) SELECT ${cols} FROM file({path:String}, 'JSONEachRow', {structure:String})`,
      query_params: { path, structure: src.structureOf(src.SPAN_COLUMNS) },
      clickhouse_settings: { insert_deduplication_token: `bench-${i}`, insert_deduplicate: 1 },
    });
    insertMs.push(performance.now() - t1);
  }
  const ms = performance.now() - t;
  const { otherCores, ioStallShare } = load.end();
  const [c] = await rows(client, `SELECT count() AS n FROM ${target}`);
  await client.close();
  return {
    rows: count,
    stored: num(c.n),
    segmentBytes,
    files: files.length,
    rowsPerFile: count / files.length,
    ms,
    rowsPerSec: count / (ms / 1000),
    insertMsMedian: insertMs.sort((a, b) => a - b)[Math.floor(insertMs.length / 2)],
    otherCores,
    ioStallShare,
  };
}

// ——— naive writer, then bytes on disk ———

// table-to-table copies for the bytes comparison: bounded blocks, and room to merge
const COPY_SETTINGS = {
  max_block_size: '32768',
  min_insert_block_size_rows: '32768',
  min_insert_block_size_bytes: '0',
  max_memory_usage: String(4 * 2 ** 30),
};

async function naive() {
  const requests = Number(process.env.BENCH_REQUESTS);
  const batch = Number(process.env.BENCH_BATCH ?? 10_000);
  const baseNs = BigInt(process.env.BENCH_BASE_NS);
  const all = decodeRequests(requests, baseNs);
  const { client, store, options } = await open(dir);
  await src.migrate(store, options.retentionDays);
  const db = store.database;
  const out = { rows: all.length };

  // the naive writer: rows through @clickhouse/client insert(), JSONEachRow, `batch` rows a call
  const load = loadWindow();
  let t = performance.now();
  for (let i = 0; i < all.length; i += batch) {
    await client.insert({ table: `\`${db}\`.otel_traces`, values: all.slice(i, i + batch), format: 'JSONEachRow' });
  }
  const naiveMs = performance.now() - t;
  out.naive = { rows: all.length, batch, ms: naiveMs, rowsPerSec: all.length / (naiveMs / 1000), ...load.end() };

  // bytes per span: the same rows in fntrace's otel_traces, in the exporter's default table
  // and in fntrace's table with candidate storage tweaks, each merged to one part (OPTIMIZE
  // FINAL); the copies are INSERT … SELECT from fntrace's table, so every table holds the
  // same values. `copyMs` (copy + merge) hints at what a tweak costs at write time.
  const cols = src.columnList(src.SPAN_COLUMNS);
  const source = `\`${db}\`.otel_traces`;
  t = performance.now();
  await client.command({ query: `OPTIMIZE TABLE ${source} FINAL`, clickhouse_settings: COPY_SETTINGS });
  const tables = { fntrace: { database: db, label: "fntrace's otel_traces (collector schema)" } };
  const copy = async (name, database, create, columns, label, select = columns) => {
    const t1 = performance.now();
    await client.command({ query: `CREATE DATABASE IF NOT EXISTS ${database}` });
    await client.command({ query: create });
    await client.command({
      query: `INSERT INTO ${database}.otel_traces (${columns}) SELECT ${select} FROM ${source}`,
      clickhouse_settings: COPY_SETTINGS,
    });
    await client.command({ query: `OPTIMIZE TABLE ${database}.otel_traces FINAL`, clickhouse_settings: COPY_SETTINGS });
    tables[name] = { database, label, copyMs: performance.now() - t1 };
  };
  await copy(
    'exporter',
    'otel_exporter',
    EXPORTER_TRACES_DDL.create('otel_exporter'),
    EXPORTER_TRACES_DDL.columns,
    "the exporter's default otel_traces",
  );
  const base = src.schemaStatements({ database: '__DB__', cluster: '', retentionDays: options.retentionDays });
  const baseDdl = base.find((s) => s.includes('.`otel_traces` ('));
  // the unchanged DDL copied the same way, so its copy time is the yardstick for the tweaks'
  await copy('fntrace_copy', 'v_fntrace', baseDdl.replaceAll('`__DB__`', 'v_fntrace'), cols, 'fntrace, copied');
  for (const v of fntraceVariants(baseDdl)) {
    await copy(v.name, `v_${v.name}`, v.ddl.replaceAll('`__DB__`', `v_${v.name}`), cols, v.label);
    tables[v.name].extra = v.extra ?? false;
  }
  // every attribute key in a column of its own: what promoting attributes could save at most
  const keys = (
    await rows(client, `SELECT DISTINCT k FROM ${source} ARRAY JOIN mapKeys(SpanAttributes) AS k ORDER BY k`)
  ).map((r) => r.k);
  const split = splitAttributes(baseDdl.replaceAll('`__DB__`', 'v_split'), keys, cols);
  await copy(
    'split',
    'v_split',
    split.ddl,
    split.insertColumns,
    `each of the ${keys.length} span attribute keys in a String column of its own, no map, without the materialized columns (not column-compatible)`,
    split.select,
  );
  tables.split.extra = true;
  out.bytesMs = performance.now() - t;
  out.tables = {};
  for (const [name, info] of Object.entries(tables)) {
    const parts = (await partsOf(client, info.database)).otel_traces;
    const columns = await rows(
      client,
      `SELECT name, data_compressed_bytes AS c, data_uncompressed_bytes AS u FROM system.columns
       WHERE database = {db:String} AND table = 'otel_traces' ORDER BY data_compressed_bytes DESC`,
      { db: info.database },
    );
    const indexes = await rows(
      client,
      `SELECT name, data_compressed_bytes AS c FROM system.data_skipping_indices
       WHERE database = {db:String} AND table = 'otel_traces' ORDER BY data_compressed_bytes DESC`,
      { db: info.database },
    );
    out.tables[name] = {
      ...info,
      ...parts,
      bytesPerRow: parts.bytes / parts.rows,
      columns: Object.fromEntries(columns.map((c) => [c.name, { compressed: num(c.c), uncompressed: num(c.u) }])),
      indexes: Object.fromEntries(indexes.map((c) => [c.name, num(c.c)])),
    };
  }
  out.fntraceAllTables = await partsOf(client, db);
  out.shape = await shapeOf(client, source);
  await client.close();
  return out;
}

/** Peak resident memory of this process (VmHWM), bytes: the engine's memory for what it did. */
function peakRss() {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) * 1024 : Number.NaN;
}

const modes = { inspect, engine, filepath, naive };
if (!modes[mode]) throw new Error(`unknown mode ${mode}`);
writeChildResult({ ...(await modes[mode]()), peakRssBytes: peakRss() });
