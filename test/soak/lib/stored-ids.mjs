// Counting what the store holds, by span id, against what the collector acknowledged.
//
// The spans of request k (lib/load.mjs) have SpanIds `<k as 8 hex digits><one of the
// template's suffixes>`. One query groups the stored spans by request: rows, distinct
// (TraceId, SpanId) pairs, and spans whose id is none of the template's ("foreign"). Then
// `tally` checks each acknowledged request: all its spans there, each once.
//
//   node test/soak/lib/stored-ids.mjs <data dir> <suffix,suffix,...>
// prints the query's rows as JSON, reading the embedded engine of a collector that has exited
// (chDB: one process per data directory, so never in the process that runs the soak).

import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { figure, n } from './scenario.mjs';

const SELF = fileURLToPath(import.meta.url);

/** The query: one row per request number `k` found in the store. */
export function idCountsQuery(suffixes, database = 'fntrace') {
  return {
    query: `SELECT reinterpretAsUInt32(reverse(unhex(substring(SpanId, 1, 8)))) AS k, count() AS rows,
        uniqExact(TraceId, SpanId) AS ids, countIf(NOT has({suffixes:Array(String)}, substring(SpanId, 9))) AS foreign
      FROM \`${database}\`.otel_traces GROUP BY k ORDER BY k`,
    query_params: { suffixes },
  };
}

/**
 * Compares the stored counts (rows of `idCountsQuery`) with the acknowledged requests.
 * Lost: spans of an acknowledged request not stored. Duplicated: rows beyond the first of a
 * span, in any request. Unacknowledged requests (cut off by a kill, given up) may be stored
 * whole, in part (a torn spool tail) or not at all: counted, not a fault.
 */
export function tally(rows, acked, spansPerRequest) {
  const byK = new Map(
    rows.map((r) => [Number(r.k), { rows: Number(r.rows), ids: Number(r.ids), foreign: Number(r.foreign) }]),
  );
  const out = {
    ackedRequests: acked.size,
    ackedSpans: acked.size * spansPerRequest,
    storedRows: 0,
    storedDistinct: 0,
    lost: 0,
    duplicated: 0,
    foreign: 0,
    unackedStoredRequests: 0,
    unackedPartialRequests: 0,
    lostExamples: [],
  };
  for (const [k, c] of byK) {
    out.storedRows += c.rows;
    out.storedDistinct += c.ids;
    out.duplicated += c.rows - c.ids;
    out.foreign += c.foreign;
    if (!acked.has(k)) {
      if (c.ids === spansPerRequest) out.unackedStoredRequests++;
      else out.unackedPartialRequests++;
    }
  }
  for (const k of acked) {
    const missing = spansPerRequest - (byK.get(k)?.ids ?? 0);
    if (missing > 0) {
      out.lost += missing;
      if (out.lostExamples.length < 10) out.lostExamples.push({ request: k, missing });
    }
  }
  return out;
}

/** The rows of `idCountsQuery` in the embedded engine of `dataDir`, read by a child process. */
export async function storedIdCounts(dataDir, suffixes) {
  const { stdout } = await promisify(execFile)(process.execPath, [SELF, dataDir, suffixes.join(',')], {
    maxBuffer: 1024 * 2 ** 20,
  });
  return JSON.parse(stdout);
}

/** The rows of `idCountsQuery` from a server speaking ClickHouse's HTTP interface at `url`. */
export async function storedIdCountsOverHttp(url, suffixes) {
  const { query, query_params } = idCountsQuery(suffixes);
  const params = new URLSearchParams({ param_suffixes: `[${query_params.suffixes.map((x) => `'${x}'`).join(',')}]` });
  const res = await fetch(`${url}/?${params}`, { method: 'POST', body: `${query} FORMAT JSONEachRow` });
  const text = await res.text();
  if (!res.ok) throw new Error(`counting the stored spans failed (${res.status}): ${text.slice(0, 500)}`);
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

/** The two figures every scenario's count ends with: lost and duplicated, goal 0 each. */
export const countFigures = (counts) => [
  figure('acknowledged spans lost', n(counts.lost), '0', counts.lost === 0),
  figure('spans stored more than once', n(counts.duplicated), '0', counts.duplicated === 0 && counts.foreign === 0),
];

/** A progress line of the count: stored rows, acknowledged spans, lost and duplicated. */
export const countLine = (c) =>
  `stored ${n(c.storedRows)} rows; acknowledged ${n(c.ackedSpans)} spans: ${c.lost} lost, ${c.duplicated} duplicated`;

async function main() {
  const [dir, suffixes] = process.argv.slice(2);
  const { createClient } = await import('@clickhouse/client');
  const { createChdbConnection } = await import('chdb/connection');
  const client = createClient({ connection: createChdbConnection({ path: join(dir, 'clickhouse') }) });
  try {
    const rs = await client.query({
      ...idCountsQuery(suffixes.split(',')),
      format: 'JSONEachRow',
      clickhouse_settings: { max_memory_usage: String(8 * 2 ** 30) },
    });
    process.stdout.write(JSON.stringify(await rs.json()));
  } finally {
    await client.close();
  }
}

if (process.argv[1] && resolve(process.argv[1]) === SELF) await main();
