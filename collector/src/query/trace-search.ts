import { badQuery } from '../errors.js';
import type { Store } from '../store/clickhouse.js';
import type { TracePoints } from './answers.js';
import type { SearchQuery } from './parameters.js';
import { queryRows } from './spans.js';
import { nsParam, timeRange } from './time-range.js';
import { SUMMARY_SELECT, type TraceSummary, toSummary } from './trace-view.js';

/**
 * `GET /api/traces`: traces that have a span matching every span filter (service,
 * operation, function, trigger, cold start, correlation id, span duration, `key=value` attributes on the
 * span or its resource), whose trace-level figures match the trace filters (status,
 * duration), newest (or slowest) first, a page at a time.
 *
 * Every value reaches ClickHouse as a bound parameter; only column names chosen here
 * are in the SQL text.
 */
/**
 * How far before the window summaries are read, so a trace that began shortly before it (and
 * has spans inside it) is known to have begun before it and is left out. A trace longer than
 * this that began before the window is listed from its spans inside the look-back.
 */
export const LOOKBACK = '1 HOUR';

/** A search's parameters (parameters.ts). */
export type { SearchQuery };

interface Cursor {
  v: string;
  id: string;
}

const encodeCursor = (c: Cursor) => Buffer.from(JSON.stringify(c)).toString('base64url');
function decodeCursor(s: string): Cursor {
  try {
    const c = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as Cursor;
    if (typeof c.v !== 'string' || !/^-?\d+$/.test(c.v) || typeof c.id !== 'string') throw new Error('shape');
    return c;
  } catch {
    throw badQuery('cursor is not one this API returned');
  }
}

/**
 * How many traces a search's attribute or correlation-id filter may match over the whole
 * window for the search to take the rare-match path (below).
 */
export const RARE_TRACES = 100;

/** Filters that matched more than RARE_TRACES traces lately, per store: the next search with them skips the probe. */
const commonFilters = new WeakMap<Store, Map<string, number>>();
const COMMON_HINT_MS = 10 * 60_000;
const COMMON_HINT_KEYS = 1000;

/**
 * A search's filters as SQL pieces with their bound parameters: the span conditions (one span
 * must meet them all), the trace conditions on summed summaries (HAVING), and the summary
 * window with its look-back.
 */
function searchFilters(store: Store, q: SearchQuery) {
  const { startNs, endNs } = timeRange(q);
  const db = `\`${store.database}\``;
  const params: Record<string, unknown> = { start: nsParam(startNs), end: nsParam(endNs) };
  const spanWhere: string[] = [];
  const add = (sql: string, name: string, value: unknown) => {
    spanWhere.push(sql);
    params[name] = value;
  };
  if (q.service) add('ServiceName = {service:String}', 'service', q.service);
  if (q.operation) add('SpanName = {operation:String}', 'operation', q.operation);
  if (q.function) add('FaasName = {fn:String}', 'fn', q.function);
  if (q.trigger) add('FaasTrigger = {trigger:String}', 'trigger', q.trigger);
  if (q.coldStart) spanWhere.push('FaasColdstart = 1');
  if (q.correlationId) add('CorrelationId = {corr:String}', 'corr', q.correlationId);
  const attrs = (q.attr === undefined ? [] : Array.isArray(q.attr) ? q.attr : [q.attr]).map((a) => {
    const eq = a.indexOf('=');
    if (eq <= 0) throw badQuery(`attr must be key=value, got ${JSON.stringify(a)}`);
    return { key: a.slice(0, eq), value: a.slice(eq + 1) };
  });
  // The resource side of `key=value` counts only when some resource in the window has the key.
  // That test is a scalar subquery (the bloom index on resource keys answers it without
  // reading the maps), evaluated before the read: when it is false the condition folds to the
  // span side alone, which the bloom indexes on span attributes can skip granules for — an OR
  // with a resource condition left in would make them read every granule.
  attrs.forEach((a, i) => {
    params[`k${i}`] = a.key;
    params[`v${i}`] = a.value;
    const resourcesHaveKey = `(SELECT count() > 0 FROM (SELECT 1 FROM ${db}.otel_traces
         WHERE Timestamp >= {start:DateTime64(9)} AND Timestamp <= {end:DateTime64(9)}
           AND has(mapKeys(ResourceAttributes), {k${i}:String}) LIMIT 1))`;
    spanWhere.push(
      `(SpanAttributes[{k${i}:String}] = {v${i}:String} OR (ResourceAttributes[{k${i}:String}] = {v${i}:String} AND ${resourcesHaveKey}))`,
    );
  });

  for (const [min, max] of [
    ['minDurationMs', 'maxDurationMs'],
    ['spanMinDurationMs', 'spanMaxDurationMs'],
  ] as const) {
    const [lo, hi] = [q[min], q[max]];
    if (lo !== undefined && hi !== undefined && lo > hi) throw badQuery(`${min} (${lo}) is more than ${max} (${hi})`);
  }
  // span durations are filters on the same span as the others: "a DynamoDB call over 500 ms"
  if (q.spanMinDurationMs !== undefined)
    add('Duration >= {spanMin:UInt64}', 'spanMin', Math.round(q.spanMinDurationMs * 1e6));
  if (q.spanMaxDurationMs !== undefined)
    add('Duration <= {spanMax:UInt64}', 'spanMax', Math.round(q.spanMaxDurationMs * 1e6));
  // traces that start in the window
  const having: string[] = [
    'toUnixTimestamp64Nano(min(Start)) >= toUnixTimestamp64Nano({start:DateTime64(9)})',
    'toUnixTimestamp64Nano(min(Start)) <= toUnixTimestamp64Nano({end:DateTime64(9)})',
  ];
  if (q.status === 'error') having.push('sum(ErrorCount) > 0');
  if (q.status === 'ok') having.push('sum(ErrorCount) = 0');
  if (q.minDurationMs !== undefined) {
    params.minDur = Math.round(q.minDurationMs * 1e6);
    having.push('sortDuration >= {minDur:Int64}');
  }
  if (q.maxDurationMs !== undefined) {
    params.maxDur = Math.round(q.maxDurationMs * 1e6);
    having.push('sortDuration <= {maxDur:Int64}');
  }
  const matchingSpans = `FROM ${db}.otel_traces
         WHERE Timestamp >= {start:DateTime64(9)} AND Timestamp <= {end:DateTime64(9)} AND ${spanWhere.join(' AND ')}`;
  const inSpans = spanWhere.length ? `AND TraceId IN (SELECT TraceId ${matchingSpans})` : '';
  const window = `Bucket <= {end:DateTime64(9)} AND Bucket >= toStartOfTenMinutes({start:DateTime64(9)} - INTERVAL ${LOOKBACK})
       AND Start <= {end:DateTime64(9)}`;
  const sortColumns = `toUnixTimestamp64Nano(min(Start)) AS sortStart,
       toUnixTimestamp64Nano(max(End)) - toUnixTimestamp64Nano(min(Start)) AS sortDuration`;
  return { startNs, endNs, db, params, spanWhere, attrs, having, matchingSpans, inSpans, window, sortColumns };
}

export async function searchTraces(
  store: Store,
  q: SearchQuery,
  tuning: { rareTraces?: number; newestIdsFirst?: boolean } = {},
): Promise<{ traces: TraceSummary[]; nextCursor: string | undefined }> {
  const { startNs, endNs, db, params, spanWhere, attrs, having, matchingSpans, inSpans, window, sortColumns } =
    searchFilters(store, q);
  const sortKey = q.sort === 'duration' ? 'sortDuration' : 'sortStart';
  if (q.cursor) {
    const c = decodeCursor(q.cursor);
    params.cv = c.v;
    params.cid = c.id;
    having.push(`(${sortKey} < {cv:Int64} OR (${sortKey} = {cv:Int64} AND TraceId < {cid:String}))`);
  }
  const limit = Math.min(100, Math.max(1, q.limit ?? 20));
  params.limit = limit + 1;
  const pageOf = (columns: string, traces = inSpans) => `SELECT ${columns}
       FROM ${db}.fntrace_trace_summary
       WHERE ${window} ${traces}
       GROUP BY TraceId
       HAVING ${having.join(' AND ')}
       ORDER BY ${sortKey} DESC, TraceId DESC
       LIMIT {limit:UInt32}`;
  // The whole summaries (services, root, cost, ...) of the traces `where` selects, in page order.
  const summaries = (where: string) => `SELECT ${SUMMARY_SELECT}, ${sortColumns}
     FROM ${db}.fntrace_trace_summary
     WHERE ${where}
     GROUP BY TraceId
     ORDER BY ${sortKey} DESC, TraceId DESC`;
  // Two passes: the page's ids from the sort and filter figures alone (TraceId, Start, End and,
  // for a status filter, ErrorCount), then the whole summaries of those ids only.
  const pageIds = pageOf(`TraceId, ${sortColumns}`);
  // Which statement is cheaper was measured (README, "The collector"): sorted by duration the
  // page may come from anywhere in the window — two passes over it. Newest first without a span
  // filter every trace of the slice and its look-back is a candidate — two passes, the second
  // from the bucket of the page's earliest trace (every row of a page trace is there or later,
  // so it sums the rows the first read did). With a span filter, finding the matching spans is
  // the cost and leaves few summaries — one pass.
  let pageQuery: string;
  if (q.sort === 'duration') {
    pageQuery = `WITH page AS (${pageIds}) ${summaries(`${window} AND TraceId IN (SELECT TraceId FROM page)`)}`;
  } else if (tuning.newestIdsFirst ?? spanWhere.length === 0) {
    pageQuery = `WITH (SELECT groupArray((TraceId, sortStart)) FROM (${pageIds})) AS page
     ${summaries(`Bucket <= {end:DateTime64(9)}
       AND Bucket >= toStartOfTenMinutes(fromUnixTimestamp64Nano(if(empty(page), toUnixTimestamp64Nano({end:DateTime64(9)}), arrayMin(arrayMap(p -> p.2, page)))))
       AND Start <= {end:DateTime64(9)} AND has(arrayMap(p -> p.1, page), TraceId)`)}`;
  } else {
    pageQuery = pageOf(`${SUMMARY_SELECT}, ${sortColumns}`);
  }
  const pageFrom = (rows: Record<string, any>[]) => {
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    const nextCursor =
      rows.length > limit && last ? encodeCursor({ v: String(last[sortKey]), id: last.traceId }) : undefined;
    return { traces: page.map(toSummary), nextCursor };
  };

  // Rare match: an attribute or correlation-id value (a user id, a request's correlation id)
  // is usually on a handful of traces. One statement: the ids of the traces with a matching
  // span anywhere in the window (a scalar subquery; the bloom indexes skip nearly every
  // granule), stopped once it has more than `rare`, then the page from the summaries of
  // exactly those traces — or, past `rare`, nothing read. An empty answer is then told apart
  // (no match, or too many) by asking for the count; too many: the newest-first slices below
  // answer, and the filter is remembered as common for a while so that the next search with
  // it goes there at once (a hint about cost only: both paths give the same answer).
  const rare = tuning.rareTraces ?? RARE_TRACES;
  const hintKey = JSON.stringify([attrs.map((a) => a.key).sort(), q.correlationId !== undefined]);
  const hints = commonFilters.get(store) ?? new Map<string, number>();
  commonFilters.set(store, hints);
  if ((attrs.length > 0 || q.correlationId) && rare > 0 && (hints.get(hintKey) ?? 0) < Date.now()) {
    const matched = `SELECT DISTINCT TraceId ${matchingSpans} LIMIT {probe:UInt32}`;
    const rareParams = { ...params, rare, probe: rare + 1 };
    const rows = await queryRows<Record<string, any>>(
      store,
      `WITH (SELECT groupArray(TraceId) FROM (${matched})) AS matched
       ${pageOf(`${SUMMARY_SELECT}, ${sortColumns}`, 'AND length(matched) <= {rare:UInt32} AND has(matched, TraceId)')}`,
      rareParams,
    );
    if (rows.length > 0) return pageFrom(rows);
    const [count] = await queryRows<{ n: string }>(
      store,
      `SELECT toString(count()) AS n FROM (${matched})`,
      rareParams,
    );
    if (Number(count?.n ?? 0) <= rare) return { traces: [], nextCursor: undefined };
    if (hints.size >= COMMON_HINT_KEYS) hints.clear();
    hints.set(hintKey, Date.now() + COMMON_HINT_MS);
  }

  // Newest first: a page sorted by start holds the newest traces, so the window is searched
  // from its end in growing slices (traces that start in the slice), and the search stops at
  // the first slice that fills the page: any trace it has not seen starts earlier. The last
  // slice is the whole window, so the answer is the one a single query over it would give.
  let rows: Record<string, any>[] = [];
  const slices = slicesFromEnd(startNs, endNs, {
    wholeWindow: q.sort === 'duration',
    cursor: params.cv as string | undefined,
  });
  for (let i = 0; i < slices.length; i++) {
    const sliceStart = slices[i]!;
    rows = await queryRows<Record<string, any>>(store, pageQuery, { ...params, start: nsParam(sliceStart) });
    if (rows.length > limit) break;
    // a rare match (a user id): at this rate the next slice would not fill the page either,
    // so search the rest of the window at once
    if (rows.length * 4 <= limit) i = Math.max(i, slices.length - 2);
  }
  return pageFrom(rows);
}

/** Most points `GET /api/traces/points` answers; past its limit, a tenth of them are the slowest traces. */
export const POINTS_LIMIT = 1000;

/**
 * `GET /api/traces/points`: start and duration of the traces a search matches over its whole
 * window — what a duration-over-time scatter draws, where a page of results shows only the
 * newest. Past `limit` matches it answers the slowest tenth of `limit` (outliers are what a
 * scatter is for) and an even sample of the rest (by a hash of the trace id, so the same
 * traces each time), and says how many matched.
 */
export async function tracePoints(store: Store, q: SearchQuery): Promise<TracePoints> {
  const { startNs, endNs, db, params, having, inSpans, window, sortColumns } = searchFilters(store, q);
  const limit = Math.min(POINTS_LIMIT, Math.max(1, q.limit ?? POINTS_LIMIT));
  const rows = await queryRows<{ traceId: string; start: string; duration: string; errors: string; matched: string }>(
    store,
    `SELECT traceId, toString(sortStart) AS start, toString(sortDuration) AS duration, errors, toString(matched) AS matched
     FROM (
       SELECT TraceId AS traceId, sortStart, sortDuration, errors,
         row_number() OVER (ORDER BY sortDuration DESC, TraceId) AS slowRank, count() OVER () AS matched
       FROM (
         SELECT TraceId, ${sortColumns}, sum(ErrorCount) AS errors
         FROM ${db}.fntrace_trace_summary
         WHERE ${window} ${inSpans}
         GROUP BY TraceId
         HAVING ${having.join(' AND ')}
       )
     )
     ORDER BY slowRank <= {slowest:UInt32} DESC, cityHash64(traceId)
     LIMIT {limit:UInt32}`,
    { ...params, limit, slowest: Math.ceil(limit / 10) },
  );
  const points = rows
    .map((r) => ({
      traceId: r.traceId,
      startMs: Number(BigInt(r.start) / 1000n) / 1000,
      durationMs: Number(BigInt(r.duration) / 1000n) / 1000,
      error: Number(r.errors) > 0,
    }))
    .sort((a, b) => a.startMs - b.startMs || (a.traceId < b.traceId ? -1 : 1));
  return {
    // the window, epoch ms, so that a chart spans it where no trace is
    start: Number(startNs / 1_000_000n),
    end: Number(endNs / 1_000_000n),
    matched: Number(rows[0]?.matched ?? 0),
    points,
  };
}

/** The ten minutes of otel_traces's sorting key (TRACES_SORTING_KEY): a slice reads whole buckets. */
const BUCKET_NS = 600_000_000_000n;

/**
 * Slice starts for a newest-first search of [startNs, endNs]: from the start of the ten-minute
 * bucket that holds the top (or of the one before, when that holds under five minutes), then
 * four times as far back each time, on bucket boundaries, ending with the window's start.
 * `cursor` (a page's last trace start, for a later page sorted by start) lowers the top, since
 * no trace newer than it is on that page. `wholeWindow` (sorted by duration): the whole
 * window at once.
 */
export function slicesFromEnd(startNs: bigint, endNs: bigint, o: { wholeWindow: boolean; cursor?: string }): bigint[] {
  if (o.wholeWindow) return [startNs];
  let top = endNs;
  if (o.cursor !== undefined && BigInt(o.cursor) < top) top = BigInt(o.cursor);
  let first = top - (top % BUCKET_NS);
  if (top - first < BUCKET_NS / 2n) first -= BUCKET_NS;
  const out: bigint[] = [];
  for (let width = top - first; ; width *= 4n) {
    const s = top - width;
    const aligned = s - (((s % BUCKET_NS) + BUCKET_NS) % BUCKET_NS);
    if (aligned <= startNs) break;
    if (out.length === 0 || aligned < out[out.length - 1]!) out.push(aligned);
  }
  out.push(startNs);
  return out;
}
