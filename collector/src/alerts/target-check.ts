import type { Store } from '../store/clickhouse.js';
import { type AlertRule, ms } from './rule.js';

/**
 * "Does this rule watch something that reports?" — checked when a rule is created, replaced
 * or previewed. A rule naming a service or function that has sent nothing in the rule's
 * window is accepted (the service may not have been deployed yet), with a warning that says
 * when it last reported and, for a likely typo, which name it may have meant: otherwise the
 * rule sits in "no data" and nobody knows why.
 *
 * Services are looked up in `otel_traces` (`ServiceName`), functions in
 * `fntrace_invocations` (`FunctionName`, its sorting key): a few small queries, every value a
 * bound parameter. How far back "last seen" looks is bounded (24 h), so the check stays cheap.
 */
const LOOKBACK_MS = 24 * 3600_000;

interface Kind {
  what: 'service' | 'function';
  table: string;
  column: string;
  noun: string;
}
const KINDS: Kind[] = [
  { what: 'service', table: 'otel_traces', column: 'ServiceName', noun: 'spans' },
  { what: 'function', table: 'fntrace_invocations', column: 'FunctionName', noun: 'invocations' },
];

export async function targetWarnings(store: Store, rule: AlertRule, now: number): Promise<string[]> {
  const warnings: string[] = [];
  for (const kind of KINDS) {
    const name = rule.target?.[kind.what];
    if (!name) continue;
    const windowMs = ms(rule.window);
    const seen = await lastSeen(store, kind, name, now - Math.max(windowMs, LOOKBACK_MS), now);
    if (seen !== undefined && seen >= now - windowMs) continue;
    const when = seen === undefined ? `nor in the last ${ago(LOOKBACK_MS)}` : `last seen ${ago(now - seen)} ago`;
    const near = seen === undefined ? await nearest(store, kind, name, now - LOOKBACK_MS, now) : undefined;
    warnings.push(
      `${kind.what} "${name}" has reported no ${kind.noun} in the last ${rule.window} (${when})${
        near ? `; did you mean "${near}"?` : '.'
      } Until it does, the rule has no data`,
    );
  }
  return warnings;
}

async function lastSeen(store: Store, k: Kind, name: string, from: number, to: number): Promise<number | undefined> {
  const rs = await store.client.query({
    query: `SELECT toString(toUnixTimestamp64Milli(max(Timestamp))) AS last, count() AS n FROM \`${store.database}\`.${k.table}
            WHERE ${k.column} = {name:String} AND Timestamp >= fromUnixTimestamp64Milli({from:Int64}) AND Timestamp <= fromUnixTimestamp64Milli({to:Int64})`,
    query_params: { name, from: Math.floor(from), to: Math.ceil(to) },
    format: 'JSONEachRow',
  });
  const [row] = (await rs.json()) as { last: string; n: string | number }[];
  return row && Number(row.n) > 0 ? Number(row.last) : undefined;
}

/** The name that reported in the lookback closest to `name` (a typo of it: at most 3 edits). */
async function nearest(store: Store, k: Kind, name: string, from: number, to: number): Promise<string | undefined> {
  const rs = await store.client.query({
    query: `SELECT DISTINCT ${k.column} AS name FROM \`${store.database}\`.${k.table}
            WHERE Timestamp >= fromUnixTimestamp64Milli({from:Int64}) AND Timestamp <= fromUnixTimestamp64Milli({to:Int64}) AND ${k.column} != ''
            LIMIT 1000`,
    query_params: { from: Math.floor(from), to: Math.ceil(to) },
    format: 'JSONEachRow',
  });
  const names = ((await rs.json()) as { name: string }[]).map((r) => r.name);
  let best: { name: string; d: number } | undefined;
  for (const n of names) {
    const d = editDistance(name.toLowerCase(), n.toLowerCase());
    if (d <= Math.min(3, Math.floor(name.length / 3)) && (!best || d < best.d)) best = { name: n, d };
  }
  return best?.name;
}

/** Levenshtein distance, two rows. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++)
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

/** `45 s`, `12 min`, `3 h`, `24 h`. */
function ago(msAgo: number): string {
  const t = Math.max(0, msAgo);
  if (t < 60_000) return `${Math.max(1, Math.round(t / 1000))} s`;
  if (t < 3600_000) return `${Math.round(t / 60_000)} min`;
  return `${Math.round(t / 3600_000)} h`;
}
