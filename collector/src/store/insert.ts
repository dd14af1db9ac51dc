import { createReadStream } from 'node:fs';
import { unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { Signal } from '../spool/spool.js';
import { type Store, settingsSql } from './clickhouse.js';
import { columnList, LOG_COLUMNS, SPAN_COLUMNS, structureOf } from './columns.js';

/**
 * One insert of spool rows (JSONEachRow) into the signal's table, with a deduplication token:
 * the same token inserted again is dropped, in the table and in every table its materialized
 * views fill — so a segment stored before a crash and again after it is stored once.
 *
 * The embedded engine reads a file itself (`INSERT … SELECT … FROM file()`), which parses about
 * three times faster than rows pushed through the client; a server gets the same bytes streamed
 * over HTTP as the body of the INSERT. Rows given as text (part of a segment, while isolating rows the store refuses) go
 * to the embedded engine through a file in `workDir`.
 */
export const TABLES = {
  traces: { table: 'otel_traces', columns: SPAN_COLUMNS },
  logs: { table: 'otel_logs', columns: LOG_COLUMNS },
} as const;

export type RowsSource = { path: string } | { text: Buffer; workDir: string };

/** Tokens go into SQL text: the spool's (`<uuid>-<seq>-<hex>-<signal>`) and those derived from them. */
const TOKEN = /^[0-9a-z-]+$/;

export async function insertRows(store: Store, signal: Signal, source: RowsSource, token: string): Promise<void> {
  const { columns } = TABLES[signal];
  const table = signal === 'traces' && store.spansTable ? store.spansTable : TABLES[signal].table;
  const target = `\`${store.database}\`.\`${table}\``;
  // parallel_view_processing: the materialized views take the inserted block on threads of
  // their own instead of one after the other (faster ingest end to end in the ingest bench;
  // the blocks, and so the dedup tokens, are the same)
  const settings = { insert_deduplication_token: token, insert_deduplicate: 1, parallel_view_processing: 1 } as const;
  if (!TOKEN.test(token)) throw new Error(`unexpected deduplication token ${JSON.stringify(token)}`);
  if (!store.embedded) {
    // The spool's bytes are already JSONEachRow: they go to the server as the request body of
    // one INSERT, unparsed (client.insert would want row objects), the insert's settings in its
    // SQL as on the embedded path.
    const result = await store.client.exec({
      query: `INSERT INTO ${target} (${columnList(columns)}) SETTINGS ${settingsSql(settings)} FORMAT JSONEachRow`,
      values: 'path' in source ? createReadStream(source.path) : Readable.from([source.text], { objectMode: false }),
    });
    // the answer carries nothing but must be read, or its socket never returns to the pool
    result.stream.resume();
    await new Promise<void>((resolve, reject) => {
      result.stream.once('end', resolve);
      result.stream.once('close', resolve);
      result.stream.once('error', reject);
    });
    return;
  }
  let path: string;
  if ('path' in source) path = source.path;
  else {
    path = join(source.workDir, `${token}.jsonl`);
    await writeFile(path, source.text);
  }
  try {
    const cols = columnList(columns);
    // The embedded connection turns per-query settings into session SETs that outlive the
    // query; a dedup token left set would make later inserts look like duplicates. So the
    // insert's own settings go in its SQL, where they apply to it alone.
    await store.client.command({
      query: `INSERT INTO ${target} (${cols}) SETTINGS ${settingsSql(settings)}
        SELECT ${cols} FROM file({path:String}, 'JSONEachRow', {structure:String})`,
      query_params: { path, structure: structureOf(columns) },
    });
  } finally {
    if (!('path' in source)) await unlink(path).catch(() => undefined);
  }
}
