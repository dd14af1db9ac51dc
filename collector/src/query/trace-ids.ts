import { badQuery, notFound } from '../errors.js';
import type { Store } from '../store/clickhouse.js';
import { queryRows } from './spans.js';

/**
 * Trace ids by their first digits, as git takes an abbreviated object name: every route that
 * takes a trace id also takes a unique prefix of 4 or more hexadecimal digits, and says so
 * when a prefix begins more than one trace. Looked up in `otel_traces_trace_id_ts`, whose
 * sorting key is the trace id, as a key range (`>= prefix`, `< prefix + 'g'`: no hexadecimal
 * digit sorts after 'f'), so the lookup reads a few granules however many traces are stored.
 */
export const MIN_PREFIX = 4;
const FULL = 32;
/** How many candidates an ambiguity message names. */
const NAMED = 5;

export interface TraceIdMatch {
  traceId: string;
  /** When the trace started (epoch ms, to the second: the table keeps seconds). */
  startMs: number;
}

export async function traceIdsWithPrefix(store: Store, prefix: string, limit: number): Promise<TraceIdMatch[]> {
  const p = prefix.toLowerCase();
  const rows = await queryRows<{ traceId: string; start: string }>(
    store,
    `SELECT TraceId AS traceId, toString(toUnixTimestamp(min(Start))) AS start
     FROM \`${store.database}\`.otel_traces_trace_id_ts
     WHERE TraceId >= {lo:String} AND TraceId < {hi:String} AND startsWith(TraceId, {lo:String})
     GROUP BY TraceId ORDER BY TraceId LIMIT {limit:UInt32}`,
    { lo: p, hi: `${p}g`, limit },
  );
  return rows.map((r) => ({ traceId: r.traceId, startMs: Number(r.start) * 1000 }));
}

function ambiguous(value: string, matches: TraceIdMatch[]): Error {
  const named = matches.slice(0, NAMED).map((m) => m.traceId);
  const count = matches.length > NAMED ? `more than ${NAMED}` : String(matches.length);
  return badQuery(
    `traceId "${value}" is ambiguous: it begins ${count} trace ids (${named.join(', ')}${matches.length > NAMED ? ', …' : ''}); give more digits`,
  );
}

/**
 * The full trace id `value` stands for: itself when it has 32 digits, else the one trace id it
 * begins. Throws NOT_FOUND when it begins none, BAD_QUERY (naming some) when it begins several.
 */
export async function resolveTraceId(store: Store, value: string): Promise<string> {
  const v = value.toLowerCase();
  if (v.length === FULL) return v;
  const matches = await traceIdsWithPrefix(store, v, NAMED + 1);
  if (matches.length === 0) throw notFound(`no trace id begins with ${value}`);
  if (matches.length > 1) throw ambiguous(value, matches);
  return matches[0]!.traceId;
}

/**
 * A search's trace id filter: `TraceId = id` for a full id or a unique prefix of a stored
 * trace; a prefix that begins no stored trace may still be a trace's that has only logs, so it
 * is then a `startsWith` filter. Ambiguous: BAD_QUERY, as above.
 */
export async function traceIdFilter(
  store: Store,
  value: string,
): Promise<{ sql: string; params: Record<string, string> }> {
  const v = value.toLowerCase();
  if (v.length === FULL) return { sql: 'TraceId = {traceId:String}', params: { traceId: v } };
  const matches = await traceIdsWithPrefix(store, v, NAMED + 1);
  if (matches.length > 1) throw ambiguous(value, matches);
  if (matches.length === 1) return { sql: 'TraceId = {traceId:String}', params: { traceId: matches[0]!.traceId } };
  return { sql: 'startsWith(TraceId, {traceId:String})', params: { traceId: v } };
}
