import { badQuery } from '../errors.js';
import type { Store } from '../store/clickhouse.js';
import { ENTRY_SPANS_TABLE } from '../store/tables.js';
import type { Metrics, MetricsPoint } from './overview-answers.js';
import type { MetricsQuery } from './parameters.js';
import { queryRows } from './spans.js';
import { durationParam, nsParam, timeRange } from './time-range.js';

const STEPS = [10, 30, 60, 300, 900, 3600, 21600, 86400];

/** The bucket size in seconds: `step` if given (checked), else about 60 buckets over the range. */
export function bucketSeconds(stepParam: string | undefined, startNs: bigint, endNs: bigint): number {
  const rangeS = Number((endNs - startNs) / 1_000_000_000n);
  const step = stepParam
    ? Math.round(durationParam(stepParam, 'step') / 1000)
    : (STEPS.find((s) => rangeS / s <= 60) ?? 86400);
  if (step < 1) throw badQuery('step must be at least 1s');
  if (step > 366 * 86400) throw badQuery('step must be at most 366d');
  if (rangeS / step > 2000) throw badQuery(`step ${step}s gives more than 2000 buckets over this range`);
  return step;
}

/**
 * `GET /api/metrics`: per time bucket and group (service, operation or function) — request
 * rate, error %, p50/p95/p99 duration — from entry spans (server and consumer spans, the
 * requests a service handled). Grouped by function, also cold-start rate, init-duration
 * p50/p95/p99, timeouts and cost, from `fntrace_invocations`. `start` and `end` (epoch ms) give the window.
 */
export async function metrics(store: Store, q: MetricsQuery): Promise<Metrics> {
  const { startNs, endNs } = timeRange(q);
  const step = bucketSeconds(q.step, startNs, endNs);
  const params: Record<string, unknown> = { start: nsParam(startNs), end: nsParam(endNs), step };
  // the window the buckets cover, epoch ms, so that a chart spans it even where no bucket has data
  const range = { start: Number(startNs / 1_000_000n), end: Number(endNs / 1_000_000n) };
  const db = `\`${store.database}\``;
  const groupBy = q.groupBy ?? 'service';
  if (groupBy === 'function') {
    const filter = q.function ? 'AND FunctionName = {fn:String}' : '';
    if (q.function) params.fn = q.function;
    const rows = await queryRows<Record<string, any>>(
      store,
      `SELECT FunctionName AS group, toUnixTimestamp(toStartOfInterval(Timestamp, toIntervalSecond({step:UInt32}))) AS t,
         count() AS count, countIf(Outcome != 'ok') AS errors, countIf(Outcome = 'timeout') AS timeouts,
         quantiles(0.5, 0.95, 0.99)(DurationNs / 1e6) AS q, avg(ColdStart) AS coldStartRate,
         quantilesIf(0.5, 0.95, 0.99)(InitDurationMs, ColdStart = 1) AS init, sum(EstimatedCostUsd) AS costUsd
       FROM ${db}.fntrace_invocations
       WHERE Timestamp >= {start:DateTime64(9)} AND Timestamp <= {end:DateTime64(9)} AND FunctionName != '' ${filter}
       GROUP BY group, t ORDER BY group, t`,
      params,
    );
    return { groupBy, stepSeconds: step, ...range, series: toSeries(rows, step, true) };
  }
  const key = groupBy === 'operation' ? 'SpanName' : 'ServiceName';
  // with --tail-sampling otel_traces holds kept journeys only: every entry span is in its own table
  const entrySpans = store.spansTable ? `\`${ENTRY_SPANS_TABLE}\`` : 'otel_traces';
  const filter = q.service ? 'AND ServiceName = {service:String}' : '';
  if (q.service) params.service = q.service;
  const rows = await queryRows<Record<string, any>>(
    store,
    `SELECT ${key} AS group, toUnixTimestamp(toStartOfInterval(Timestamp, toIntervalSecond({step:UInt32}))) AS t,
       count() AS count, countIf(StatusCode = 'Error') AS errors, quantiles(0.5, 0.95, 0.99)(Duration / 1e6) AS q
     FROM ${db}.${entrySpans}
     WHERE Timestamp >= {start:DateTime64(9)} AND Timestamp <= {end:DateTime64(9)} AND SpanKind IN ('Server', 'Consumer') ${filter}
     GROUP BY group, t ORDER BY group, t`,
    params,
  );
  return { groupBy, stepSeconds: step, ...range, series: toSeries(rows, step, false) };
}

function toSeries(rows: Record<string, any>[], step: number, functions: boolean): Metrics['series'] {
  const groups = new Map<string, MetricsPoint[]>();
  for (const r of rows) {
    const count = Number(r.count);
    const point: MetricsPoint = {
      t: Number(r.t) * 1000,
      count,
      ratePerSecond: count / step,
      errorPercent: count ? (Number(r.errors) / count) * 100 : 0,
      p50Ms: Number(r.q[0]),
      p95Ms: Number(r.q[1]),
      p99Ms: Number(r.q[2]),
    };
    if (functions) {
      point.coldStartPercent = Number(r.coldStartRate) * 100;
      // init durations of the bucket's cold starts; null where it had none (the quantile of no
      // values is NaN, which ClickHouse writes in JSON as null — and Number(null) would be 0)
      const init = (i: number) => (r.init[i] !== null && Number.isFinite(Number(r.init[i])) ? Number(r.init[i]) : null);
      point.initP50Ms = init(0);
      point.initP95Ms = init(1);
      point.initP99Ms = init(2);
      point.timeouts = Number(r.timeouts);
      point.costUsd = Number(r.costUsd);
    }
    const list = groups.get(r.group) ?? [];
    list.push(point);
    groups.set(r.group, list);
  }
  return [...groups.entries()].map(([group, points]) => ({ group, points }));
}
