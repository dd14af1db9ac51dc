import { GAP, GAP_SIZE, LOOKBACK_MS, numberedInvocationsSql, seenSql } from '../query/telemetry-loss.js';
import type { Store } from '../store/clickhouse.js';
import type { AlertRule } from './rule.js';

/**
 * The value of a rule's signal over one window, per group — one query, every value a bound
 * parameter. Function-level signals (cold starts, init, timeouts), and any rule on a
 * function, read `fntrace_invocations`; the others read the entry spans (server and
 * consumer) of `otel_traces`.
 *
 * `telemetry_loss` reads the invocations' environment numbering in `fntrace_invocations` (see
 * query/telemetry-loss.ts): the invocations lost in the window (gaps revealed by an invocation
 * that started in it) in percent of those lost and seen; its samples are both.
 *
 * Units: latency and init in ms, rates in percent, throughput per second.
 */
export interface GroupValue {
  group: string;
  value: number | undefined;
  samples: number;
}

const QUANTILE: Record<string, number> = { latency_p50: 0.5, latency_p90: 0.9, latency_p95: 0.95, latency_p99: 0.99 };

export function signalQuery(
  rule: AlertRule,
  db: string,
  bucketMs?: number,
  /** Where spans are read: `otel_traces`, or with `--tail-sampling` the staging table (every span, for the hold time). */
  spans = 'otel_traces',
): { sql: string; params: Record<string, unknown> } {
  if (rule.signal === 'telemetry_loss') return lossQuery(rule, db, bucketMs);
  const params: Record<string, unknown> = {};
  const where: string[] = [
    'Timestamp >= fromUnixTimestamp64Milli({from:Int64})',
    'Timestamp < fromUnixTimestamp64Milli({to:Int64})',
  ];
  const t = rule.target ?? {};
  const invocations =
    ['cold_start_rate', 'init_p95', 'timeout_rate'].includes(rule.signal) ||
    (!!t.function && !t.operation) ||
    rule.groupBy === 'function';
  const col = invocations
    ? {
        service: 'ServiceName',
        function: 'FunctionName',
        trigger: 'Trigger',
        operation: '',
        cold: 'ColdStart = 1',
        ms: 'DurationNs / 1e6',
        error: "Outcome != 'ok'",
      }
    : {
        service: 'ServiceName',
        function: 'FaasName',
        trigger: 'FaasTrigger',
        operation: 'SpanName',
        cold: 'FaasColdstart = 1',
        ms: 'Duration / 1e6',
        error: "StatusCode = 'Error'",
      };
  if (!invocations) where.push("SpanKind IN ('Server', 'Consumer')");
  for (const k of ['service', 'function', 'trigger', 'operation'] as const) {
    const v = t[k];
    if (!v) continue;
    const column = col[k];
    if (!column) continue;
    where.push(`${column} = {t_${k}:String}`);
    params[`t_${k}`] = v;
  }
  if (rule.excludeColdStarts && rule.signal.startsWith('latency')) where.push(`NOT (${col.cold})`);
  const group = bucketMs
    ? 'toString(intDiv(toUnixTimestamp64Milli(Timestamp) - {from:Int64}, {bucket:Int64}))'
    : rule.groupBy === 'function'
      ? col.function
      : rule.groupBy === 'operation' && col.operation
        ? col.operation
        : rule.groupBy === 'service'
          ? col.service
          : "''";
  const windowS = bucketMs ? '({bucket:Int64} / 1000)' : 'greatest(1, ({to:Int64} - {from:Int64}) / 1000)';
  if (bucketMs) params.bucket = bucketMs;
  let value: string;
  let samples = 'count()';
  switch (rule.signal) {
    case 'error_rate':
      value = `countIf(${col.error}) * 100 / count()`;
      break;
    case 'throughput':
      value = `count() / ${windowS}`;
      break;
    case 'cold_start_rate':
      value = `countIf(${col.cold}) * 100 / count()`;
      break;
    case 'init_p95':
      value = `quantileIf(0.95)(InitDurationMs, ${col.cold})`;
      samples = `countIf(${col.cold})`;
      break;
    case 'timeout_rate':
      value = "countIf(Outcome = 'timeout') * 100 / count()";
      break;
    default:
      value = `quantile(${QUANTILE[rule.signal]})(${col.ms})`;
  }
  const table = invocations ? 'fntrace_invocations' : spans;
  return {
    sql: `SELECT ${group} AS group, ${value} AS value, ${samples} AS samples FROM ${db}.${table} WHERE ${where.join(' AND ')} GROUP BY group`,
    params,
  };
}

/** `telemetry_loss`: per group, invocations lost × 100 / (lost + seen), from the numbering's gaps. */
function lossQuery(rule: AlertRule, db: string, bucketMs?: number): { sql: string; params: Record<string, unknown> } {
  const t = rule.target ?? {};
  const f = { service: t.service, function: t.function };
  const params: Record<string, unknown> = { lookback: LOOKBACK_MS };
  const window = {
    from: 'fromUnixTimestamp64Milli({from:Int64})',
    to: 'fromUnixTimestamp64Milli({to:Int64})',
    openEnd: true,
  };
  const numbered = numberedInvocationsSql(db, f, params, {
    from: 'fromUnixTimestamp64Milli({from:Int64} - {lookback:Int64})',
    to: window.to,
  });
  if (bucketMs) params.bucket = bucketMs;
  const group = (ts: string, service: string, fn: string) =>
    bucketMs
      ? `toString(intDiv(toUnixTimestamp64Milli(${ts}) - {from:Int64}, {bucket:Int64}))`
      : rule.groupBy === 'function'
        ? fn
        : rule.groupBy === 'service'
          ? service
          : "''";
  // the window's end is not in it, as for every other signal
  return {
    sql: `SELECT group, sum(lost) * 100 / (sum(seen) + sum(lost)) AS value, sum(seen) + sum(lost) AS samples FROM (
        SELECT group, seen, 0 AS lost FROM (${seenSql(db, f, params, group('Timestamp', 'ServiceName', 'FunctionName'), window)})
        UNION ALL
        SELECT ${group('ts', 'service', 'fn')} AS group, 0 AS seen, sum(${GAP_SIZE}) AS lost FROM (${numbered})
        WHERE ts >= fromUnixTimestamp64Milli({from:Int64}) AND ts < fromUnixTimestamp64Milli({to:Int64}) AND ${GAP}
        GROUP BY group
      ) GROUP BY group`,
    params,
  };
}

export async function evaluateSignal(
  store: Store,
  rule: AlertRule,
  fromMs: number,
  toMs: number,
  bucketMs?: number,
): Promise<GroupValue[]> {
  const { sql, params } = signalQuery(rule, `\`${store.database}\``, bucketMs, store.spansTable);
  const rs = await store.client.query({
    query: sql,
    query_params: { ...params, from: Math.floor(fromMs), to: Math.ceil(toMs) },
    format: 'JSONEachRow',
  });
  const rows = (await rs.json()) as { group: string; value: number | string | null; samples: string | number }[];
  return rows.map((r) => {
    const v = r.value === null ? Number.NaN : Number(r.value);
    return { group: r.group, value: Number.isFinite(v) ? v : undefined, samples: Number(r.samples) };
  });
}

/**
 * How late spans arrive: the 99th percentile of (stored − ended) over the spans stored in
 * the last 15 minutes. Windows are evaluated only this long after they close.
 */
export async function ingestLagMs(store: Store, nowMs: number): Promise<number> {
  const rs = await store.client.query({
    query: `SELECT quantile(0.99)(toUnixTimestamp64Milli(IngestedAt) - intDiv(toUnixTimestamp64Nano(Timestamp) + Duration, 1000000)) AS lag, count() AS n
            FROM \`${store.database}\`.${store.spansTable ?? 'otel_traces'}
            WHERE IngestedAt >= fromUnixTimestamp64Milli({since:Int64}) AND Timestamp >= fromUnixTimestamp64Milli({oldest:Int64})`,
    query_params: { since: nowMs - 15 * 60_000, oldest: nowMs - 6 * 3600_000 },
    format: 'JSONEachRow',
  });
  const [row] = (await rs.json()) as { lag: number | null; n: string }[];
  if (!row || row.n === '0' || row.lag === null || !Number.isFinite(Number(row.lag))) return 0;
  return Math.max(0, Number(row.lag));
}
