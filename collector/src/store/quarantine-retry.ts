import { join } from 'node:path';
import { schemaOutdated } from '../errors.js';
import type { Store } from './clickhouse.js';
import { insertRows } from './insert.js';
import { classifyInsertError } from './insert-errors.js';
import { isolate, type Line } from './isolate.js';
import type { Quarantine, QuarantineEntry } from './quarantine.js';

/**
 * `fntrace quarantine retry`: inserts each quarantined entry again, with its deduplication
 * token, after an upgrade (or an operator) fixed why the store refused it. What is stored
 * leaves the quarantine; what the store still refuses is isolated as the writer does
 * (isolate.ts) and stays, with its new error. A transient failure stops the run and leaves the
 * remaining entries as they are.
 *
 * Tokens make it safe to run again after an interruption: a part stored before is dropped as
 * a duplicate. An entry refused in a view was taken by otel_traces under its token already;
 * its retry is dropped there and fills the views, as long as otel_traces still remembers the
 * token (its last 10,000 inserts: `non_replicated_deduplication_window`).
 */
export interface EntryOutcome {
  entry: QuarantineEntry;
  /** rows of the entry stored now */
  stored: number;
  /** what stays in the quarantine in its place */
  still: QuarantineEntry[];
}

export interface RetryResult {
  outcomes: EntryOutcome[];
  stored: number;
  /** rows left in the quarantine */
  remaining: number;
  /** set when a transient failure stopped the run */
  stoppedBy: string | undefined;
}

/**
 * Throws unless the store's schema is the one this version writes: the collector migrates at
 * start-up, retry does not (it would need every option that shapes the schema). `want` is the
 * last migration's version.
 */
export async function assertSchemaCurrent(store: Store, want: number): Promise<void> {
  let have = 0;
  try {
    const rs = await store.client.query({
      query: `SELECT max(version) AS v FROM \`${store.database}\`.fntrace_schema_migrations`,
      format: 'JSONEachRow',
    });
    have = Number(((await rs.json()) as { v: string | number }[])[0]?.v ?? 0);
  } catch {
    // no migrations table: an empty store
  }
  if (have < want) throw schemaOutdated(have, want);
}

export async function retryQuarantine(
  store: Store,
  quarantine: Quarantine,
  onEntry: (outcome: EntryOutcome) => void = () => {},
): Promise<RetryResult> {
  const result: RetryResult = { outcomes: [], stored: 0, remaining: 0, stoppedBy: undefined };
  const entries = await quarantine.list();
  for (const entry of entries) {
    if (result.stoppedBy !== undefined) {
      result.remaining += entry.rows;
      continue;
    }
    const outcome: EntryOutcome = { entry, stored: 0, still: [] };
    try {
      await insertRows(store, entry.signal, { path: join(quarantine.dir, `${entry.name}.jsonl`) }, entry.token);
      outcome.stored = entry.rows;
      await quarantine.remove(entry.name);
    } catch (err) {
      const failure = classifyInsertError(err);
      if (failure.kind === 'transient') {
        result.stoppedBy = failure.text;
        result.remaining += entry.rows;
        continue;
      }
      const lines = await quarantine.rows(entry);
      const insert = (part: readonly Line[], token: string) =>
        insertRows(
          store,
          entry.signal,
          { text: Buffer.concat(part.flatMap((l) => [l.text, NEWLINE])), workDir: quarantine.workDir },
          token,
        );
      let isolated: Awaited<ReturnType<typeof isolate>>;
      try {
        isolated = await isolate(
          entry.signal,
          { lines, token: entry.token, segmentToken: entry.segmentToken },
          failure,
          insert,
        );
      } catch (err2) {
        result.stoppedBy = classifyInsertError(err2).text;
        result.remaining += entry.rows;
        continue;
      }
      outcome.stored = isolated.stored;
      outcome.still = await quarantine.add(
        isolated.refused.map((r) => ({
          lines: r.lines,
          meta: {
            segment: entry.segment,
            signal: entry.signal,
            stage: r.stage,
            error: r.error,
            token: r.token,
            segmentToken: entry.segmentToken,
            quarantinedAt: entry.quarantinedAt,
            retries: entry.retries + 1,
          },
        })),
      );
      // the new entries are written: the old one goes, unless one of them took its name
      if (!outcome.still.some((e) => e.name === entry.name)) await quarantine.remove(entry.name);
    }
    result.stored += outcome.stored;
    result.remaining += outcome.still.reduce((n, e) => n + e.rows, 0);
    result.outcomes.push(outcome);
    onEntry(outcome);
  }
  return result;
}

const NEWLINE = Buffer.from('\n');
