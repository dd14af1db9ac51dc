// Candidate fixes for the query API calls that miss their goals, built beside fntrace's
// tables in the bench's engine after the baseline is measured (collector/src is not
// changed): each is a table a materialized view would fill at ingest, plus the SQL the API
// would run on it. The bench builds them from otel_traces one source part at a time (so
// their parts cover the same time ranges as ingest would make), reports what they cost,
// and times the changed calls on the same parameters as the baseline.
//
//   fx_spans_by_trace   the columns loadTraceSpans reads, ORDER BY TraceId: a trace is one
//                       or two adjacent granules instead of one granule per span scattered
//                       over the (ServiceName, SpanName, time) order and a bloom-filter pass
//   fx_span_attrs       (Key, Value, Timestamp, TraceId) per span attribute, ORDER BY
//                       (Key, Value, Timestamp): `attr=k=v` reads only its own rows
//   fx_resource_attrs   distinct (Key, Value, ServiceName, Day) of resources, so the
//                       resource side of `attr=` needs the span maps only when it matches
//                       (these two hold the spans of the last `attrsSinceNs` only: 13 rows a
//                       span cost minutes to build for a whole day here, and a query reads only
//                       its (key, value, window) range, whatever else the table holds)
//   fx_messages         fntrace_messages plus StatusCode and Duration: the service map's
//                       publish and consume edges without reading span attribute maps

// otel_traces's parts in time order, with the newest span of each (max_time is whole seconds)
const DAY_PARTS = `SELECT name, toString((toUnixTimestamp(max_time) + 1) * 1000000000) AS maxNs FROM system.parts
  WHERE active AND database = {db:String} AND table = 'otel_traces' ORDER BY min_time, name`;

const rowsOf = async (client, query, query_params) =>
  (await client.query({ query, query_params, format: 'JSONEachRow' })).json();

/** Creates and fills the fix tables; returns what each cost (build time, rows, bytes on disk). */
export async function buildFixes({ client, db, database, insertSettings, attrsSinceNs }) {
  const ddl = [
    `CREATE TABLE IF NOT EXISTS ${db}.fx_spans_by_trace (
      Timestamp DateTime64(9) CODEC(Delta, ZSTD(1)),
      TraceId String CODEC(ZSTD(1)),
      SpanId String CODEC(ZSTD(1)),
      ParentSpanId String CODEC(ZSTD(1)),
      SpanName LowCardinality(String) CODEC(ZSTD(1)),
      SpanKind LowCardinality(String) CODEC(ZSTD(1)),
      ServiceName LowCardinality(String) CODEC(ZSTD(1)),
      ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
      ScopeName String CODEC(ZSTD(1)),
      ScopeVersion String CODEC(ZSTD(1)),
      SpanAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
      Duration UInt64 CODEC(ZSTD(1)),
      StatusCode LowCardinality(String) CODEC(ZSTD(1)),
      StatusMessage String CODEC(ZSTD(1)),
      Events Nested (Timestamp DateTime64(9), Name LowCardinality(String), Attributes Map(LowCardinality(String), String)) CODEC(ZSTD(1)),
      Links Nested (TraceId String, SpanId String, Attributes Map(LowCardinality(String), String)) CODEC(ZSTD(1))
    ) ENGINE = MergeTree PARTITION BY toDate(Timestamp) ORDER BY TraceId SETTINGS index_granularity = 1024`,
    `CREATE TABLE IF NOT EXISTS ${db}.fx_span_attrs (
      Key LowCardinality(String) CODEC(ZSTD(1)),
      Value String CODEC(ZSTD(1)),
      Timestamp DateTime64(9) CODEC(Delta, ZSTD(1)),
      TraceId String CODEC(ZSTD(1))
    ) ENGINE = MergeTree PARTITION BY toDate(Timestamp) ORDER BY (Key, Value, Timestamp)`,
    `CREATE TABLE IF NOT EXISTS ${db}.fx_resource_attrs (
      Key LowCardinality(String), Value String, ServiceName LowCardinality(String), Day Date
    ) ENGINE = ReplacingMergeTree PARTITION BY toYYYYMM(Day) ORDER BY (Key, Value, ServiceName, Day)`,
    `CREATE TABLE IF NOT EXISTS ${db}.fx_messages (
      MessageId String CODEC(ZSTD(1)),
      Timestamp DateTime64(9) CODEC(Delta, ZSTD(1)),
      EndTimestamp DateTime64(9) CODEC(Delta, ZSTD(1)),
      TraceId String CODEC(ZSTD(1)),
      SpanId String CODEC(ZSTD(1)),
      SpanKind LowCardinality(String),
      ServiceName LowCardinality(String),
      System LowCardinality(String),
      Destination LowCardinality(String),
      StatusCode LowCardinality(String),
      Duration UInt64 CODEC(ZSTD(1))
    ) ENGINE = MergeTree PARTITION BY toDate(Timestamp) ORDER BY (MessageId, Timestamp)`,
  ];
  for (const query of ddl) await client.command({ query });

  // what each table's materialized view would select from a block of otel_traces
  const selects = {
    fx_spans_by_trace: `SELECT Timestamp, TraceId, SpanId, ParentSpanId, SpanName, SpanKind, ServiceName, ResourceAttributes,
      ScopeName, ScopeVersion, SpanAttributes, Duration, StatusCode, StatusMessage, Events.Timestamp, Events.Name,
      Events.Attributes, Links.TraceId, Links.SpanId, Links.Attributes FROM ${db}.otel_traces`,
    fx_span_attrs: `SELECT k, v, Timestamp, TraceId FROM ${db}.otel_traces
      ARRAY JOIN mapKeys(SpanAttributes) AS k, mapValues(SpanAttributes) AS v WHERE Timestamp >= {since:DateTime64(9)}`,
    fx_resource_attrs: `SELECT DISTINCT k, v, ServiceName, Day FROM (
        SELECT DISTINCT ResourceAttributes, ServiceName, toDate(Timestamp) AS Day FROM ${db}.otel_traces
        WHERE _part = {part:String} AND Timestamp >= {since:DateTime64(9)})
      ARRAY JOIN mapKeys(ResourceAttributes) AS k, mapValues(ResourceAttributes) AS v`,
    fx_messages: `SELECT MessagingMessageId, Timestamp, addNanoseconds(Timestamp, Duration), TraceId, SpanId, SpanKind,
      ServiceName, SpanAttributes['messaging.system'], SpanAttributes['messaging.destination.name'], StatusCode, Duration
      FROM ${db}.otel_traces PREWHERE MessagingMessageId != '' WHERE SpanKind IN ('Producer', 'Consumer')`,
  };
  const parts = await rowsOf(client, DAY_PARTS, { db: database });
  const since = `${attrsSinceNs / 1_000_000_000n}.${String(attrsSinceNs % 1_000_000_000n).padStart(9, '0')}`;
  const built = [];
  for (const [table, select] of Object.entries(selects)) {
    const t = performance.now();
    const recent = select.includes('{since:DateTime64(9)}');
    for (const { name: part, maxNs } of parts) {
      if (recent && BigInt(maxNs) < attrsSinceNs) continue;
      const where = select.includes('{part:String}')
        ? ''
        : select.includes(' WHERE ')
          ? 'AND _part = {part:String}'
          : 'WHERE _part = {part:String}';
      await client.command({
        query: `INSERT INTO ${db}.${table} ${select} ${where}`,
        query_params: { part, since },
        clickhouse_settings: insertSettings,
      });
    }
    const ms = performance.now() - t;
    const [s] = await rowsOf(
      client,
      `SELECT sum(rows) AS rows, sum(bytes_on_disk) AS bytes FROM system.parts
       WHERE active AND database = {db:String} AND table = {table:String}`,
      { db: database, table },
    );
    built.push({ table, ms: Math.round(ms), rows: Number(s.rows), bytes: Number(s.bytes), recentOnly: recent });
  }
  return built;
}

// AWS Lambda's on-demand price, as schema.ts's views use it
const GB_SECOND_USD = 0.0000166667;
const REQUEST_USD = 0.0000002;

/**
 * A trace's invocations and summary from its spans: the expressions of
 * fntrace_invocations_mv and fntrace_trace_summary_mv (schema.ts), in JS.
 */
export function traceFacts(spans) {
  const either = (s, k) => s.attributes[k] || s.resource[k] || '';
  const invocations = [];
  let start;
  let end;
  let errors = 0;
  let coldStarts = 0;
  let costUsd = 0;
  let rootService = '';
  let rootOperation = '';
  const services = new Set();
  for (const s of spans) {
    const stop = s.startNs + s.durationNs;
    if (start === undefined || s.startNs < start) start = s.startNs;
    if (end === undefined || stop > end) end = stop;
    if (s.statusCode === 'Error') errors++;
    services.add(s.service);
    if (s.parentSpanId === '') {
      if (s.service > rootService) rootService = s.service;
      if (s.name > rootOperation) rootOperation = s.name;
    }
    const a = s.attributes;
    if (!a['faas.invocation_id'] || !a['faas.trigger']) continue;
    const memoryMb = Math.floor(Number(either(s, 'faas.max_memory') || 0) / 1048576) || 0;
    const billedDurationMs = Math.ceil(Number(s.durationNs) / 1e6);
    const cost = (billedDurationMs / 1000) * (memoryMb / 1024) * GB_SECOND_USD + REQUEST_USD;
    const coldStart = a['faas.coldstart'] === 'true';
    if (coldStart) coldStarts++;
    costUsd += cost;
    invocations.push({
      startUnixNano: String(s.startNs),
      invocationId: a['faas.invocation_id'],
      traceId: s.traceId,
      spanId: s.spanId,
      functionName: either(s, 'faas.name'),
      functionVersion: either(s, 'faas.version'),
      instance: either(s, 'faas.instance'),
      trigger: a['faas.trigger'],
      triggerSource: a['fntrace.trigger'] ?? '',
      coldStart,
      initDurationMs: Number(a['fntrace.init_duration_ms'] || 0),
      durationMs: Number(s.durationNs) / 1e6,
      billedDurationMs,
      memoryMb,
      costUsd: cost,
      outcome: a['fntrace.timeout'] === 'true' ? 'timeout' : s.statusCode === 'Error' ? 'error' : 'ok',
      correlationId: a['fntrace.correlation_id'] ?? '',
    });
  }
  invocations.sort((x, y) => (BigInt(x.startUnixNano) < BigInt(y.startUnixNano) ? -1 : 1));
  const summary = spans.length
    ? {
        traceId: spans[0].traceId,
        startUnixNano: String(start),
        startMs: Number(start / 1000n) / 1000,
        durationMs: Number(end - start) / 1e6,
        spanCount: spans.length,
        errorCount: errors,
        services: [...services].sort(),
        rootService,
        rootOperation,
        invocations: invocations.length,
        coldStarts,
        costUsd,
      }
    : undefined;
  return { invocations, summary };
}

/**
 * The changed calls. `api` holds SQL recorded from the API's own functions (so the fix
 * rows change only what they say they change).
 */
export function fixVariants({ db, src, store, lastHour, win, apiRange, api }) {
  const q = (query, params) => src.queryRows(store, query, params);
  const spansByTraceSql = api.spansSql.replace(`FROM ${db}.otel_traces`, `FROM ${db}.fx_spans_by_trace`);
  if (spansByTraceSql === api.spansSql) throw new Error('could not retarget the spans query of loadTraceSpans');
  // the same without the time window (so without the otel_traces_trace_id_ts lookup before it)
  const spansByTraceOnlySql = spansByTraceSql.replace(
    / AND Timestamp >= toDateTime64\(\{start:Int64\}, 9\) AND Timestamp <= toDateTime64\(\{end:Int64\}, 9\)/,
    '',
  );
  if (spansByTraceOnlySql === spansByTraceSql) throw new Error('could not drop the time window of the spans query');
  /** traceView's work with spans from the by-trace table, invocations and summary computed from those spans. */
  async function traceViewDerived(traceId, lookup = true) {
    let spanRows;
    if (lookup) {
      const window = await src.traceWindow(store, [traceId]);
      if (!window) return undefined;
      spanRows = await q(spansByTraceSql, { traceId, start: window.start, end: window.end });
    } else {
      spanRows = await q(spansByTraceOnlySql, { traceId });
    }
    const spans = spanRows.map(src.toStoredSpan);
    src.buildTree(spans, BigInt(Date.now()) * 1_000_000n, 300_000);
    src.estimateSkew(spans);
    return { spans, ...traceFacts(spans) };
  }

  /**
   * trace-search's attr-only query with its candidates from fx_span_attrs. The resource side
   * asks the small fx_resource_attrs which services had the pair only when `key` is one of
   * the resource keys (a set the API would cache: `api.resourceKeys`), and scans those
   * services' span rows' resource maps only when some did.
   */
  async function attrSearchFixed(key, value, w = lastHour) {
    const params = { ...win(w), k0: key, v0: value, limit: 21 };
    const services = api.resourceKeys.has(key)
      ? (
          await q(
            `SELECT DISTINCT ServiceName AS s FROM ${db}.fx_resource_attrs
             WHERE Key = {k0:String} AND Value = {v0:String}
               AND Day >= toDate({start:DateTime64(9)}) AND Day <= toDate({end:DateTime64(9)})`,
            params,
          )
        ).map((r) => r.s)
      : [];
    const resourceSide = services.length
      ? `UNION ALL
         SELECT TraceId FROM ${db}.otel_traces
         WHERE Timestamp >= {start:DateTime64(9)} AND Timestamp <= {end:DateTime64(9)}
           AND ServiceName IN {services:Array(String)} AND ResourceAttributes[{k0:String}] = {v0:String}`
      : '';
    const rows = await q(
      `SELECT ${src.SUMMARY_SELECT},
         toUnixTimestamp64Nano(min(Start)) AS sortStart,
         toUnixTimestamp64Nano(max(End)) - toUnixTimestamp64Nano(min(Start)) AS sortDuration
       FROM ${db}.fntrace_trace_summary
       WHERE Start <= {end:DateTime64(9)} AND Start >= {start:DateTime64(9)} - INTERVAL 1 DAY AND TraceId IN (
         SELECT TraceId FROM ${db}.fx_span_attrs
         WHERE Key = {k0:String} AND Value = {v0:String} AND Timestamp >= {start:DateTime64(9)} AND Timestamp <= {end:DateTime64(9)}
         ${resourceSide})
       GROUP BY TraceId
       HAVING toUnixTimestamp64Nano(min(Start)) >= toUnixTimestamp64Nano({start:DateTime64(9)})
         AND toUnixTimestamp64Nano(min(Start)) <= toUnixTimestamp64Nano({end:DateTime64(9)})
       ORDER BY sortStart DESC, TraceId DESC
       LIMIT {limit:UInt32}`,
      services.length ? { ...params, services } : params,
    );
    return { traces: rows.slice(0, 20).map(src.toSummary) };
  }

  const sameTraces = async (params, fixed, apiCall) => {
    const a = await fixed(params[1]);
    const b = await apiCall(params[1]);
    const ids = (r) => r.traces.map((t) => t.traceId).join(',');
    return `same ${b.traces.length} trace ids as the API for "${params[1]}": ${ids(a) === ids(b) ? 'yes' : 'NO'}`;
  };

  /** service-map.ts with the calls join turned round and publish/consume edges from fx_messages. */
  function serviceMapFixed(w) {
    const p = win(w);
    const window = 'Timestamp >= {start:DateTime64(9)} AND Timestamp <= {end:DateTime64(9)}';
    return Promise.all([
      q(
        `SELECT p.ServiceName AS source, c.ServiceName AS target, count() AS count, countIf(c.StatusCode = 'Error') AS errors,
           quantile(0.95)(c.Duration) / 1e6 AS p95Ms
         FROM (SELECT TraceId, SpanId, ServiceName FROM ${db}.otel_traces WHERE ${window} AND SpanKind IN ('Client', 'Producer')) AS p
         INNER JOIN (SELECT TraceId, ParentSpanId, ServiceName, StatusCode, Duration FROM ${db}.otel_traces
               WHERE ${window} AND ParentSpanId != '' AND SpanKind IN ('Server', 'Consumer')) AS c
         ON c.TraceId = p.TraceId AND c.ParentSpanId = p.SpanId
         WHERE p.ServiceName != c.ServiceName
         GROUP BY source, target`,
        p,
      ),
      q(
        `SELECT ServiceName AS source, Destination AS queue, any(System) AS system, count() AS count,
           countIf(StatusCode = 'Error') AS errors, quantile(0.95)(Duration) / 1e6 AS p95Ms
         FROM ${db}.fx_messages WHERE ${window} AND SpanKind = 'Producer' AND Destination != ''
         GROUP BY source, queue`,
        p,
      ),
      q(
        `SELECT Destination AS queue, any(System) AS system, ServiceName AS target, count() AS count,
           countIf(StatusCode = 'Error') AS errors, quantile(0.95)(Duration) / 1e6 AS p95Ms
         FROM ${db}.fx_messages WHERE ${window} AND SpanKind = 'Consumer' AND Destination != ''
         GROUP BY queue, target`,
        p,
      ),
      q(
        `SELECT if(p.Destination != '', p.Destination, c.Destination) AS queue, c.ServiceName AS target,
           quantiles(0.5, 0.95)((toUnixTimestamp64Nano(c.Timestamp) - toUnixTimestamp64Nano(p.EndTimestamp)) / 1e6) AS q
         FROM (SELECT * FROM ${db}.fntrace_messages WHERE ${window} AND SpanKind = 'Producer') AS p
         INNER JOIN (SELECT * FROM ${db}.fntrace_messages WHERE ${window} AND SpanKind = 'Consumer') AS c ON p.MessageId = c.MessageId
         GROUP BY queue, target`,
        p,
      ),
      q(
        `SELECT ServiceName AS service, max(FaasName) AS fn, count() AS spans, countIf(StatusCode = 'Error') AS errors
         FROM ${db}.otel_traces WHERE ${window} GROUP BY ServiceName`,
        p,
      ),
    ]);
  }

  const edgeKey = (rows, a, b) =>
    rows
      .map((r) => `${r[a]}>${r[b]}:${r.count}`)
      .sort()
      .join(',');

  return [
    {
      caseId: 'traceById',
      label: 'fx_spans_by_trace; invocations + summary from the spans (2 queries)',
      change:
        "a spans table ordered by TraceId filled by a view, read by spans.ts; trace-view.ts derives invocations and summary from the loaded spans (the views' expressions in TS) instead of 2 more queries",
      fntrace: (id) => traceViewDerived(id),
      check: async (params) => {
        const a = await traceViewDerived(params[1]);
        const b = await src.traceView(store, params[1], { orphanGraceMs: 300_000 });
        const same =
          a.summary.spanCount === b.summary.spanCount &&
          a.summary.errorCount === b.summary.errorCount &&
          a.summary.invocations === b.summary.invocations &&
          Math.abs(a.summary.costUsd - b.summary.costUsd) < 1e-9 &&
          a.invocations.map((i) => `${i.invocationId}:${i.outcome}:${i.billedDurationMs}:${i.memoryMb}`).join() ===
            b.invocations.map((i) => `${i.invocationId}:${i.outcome}:${i.billedDurationMs}:${i.memoryMb}`).join();
        return `spans ${a.spans.length} vs API ${b.spans.length}; summary and invocations as the API's: ${same ? 'yes' : 'NO'}`;
      },
    },
    {
      caseId: 'traceById',
      label: 'as above without the trace_id_ts lookup (1 query)',
      change: 'as above; the by-trace table needs no time window (a binary search in each part)',
      fntrace: (id) => traceViewDerived(id, false),
    },
    {
      caseId: 'traceSpans',
      label: 'loadTraceSpans on fx_spans_by_trace',
      change: 'spans.ts reads the by-trace table',
      fntrace: async (id) => {
        const window = await src.traceWindow(store, [id]);
        return q(spansByTraceSql, { traceId: id, start: window.start, end: window.end });
      },
    },
    {
      caseId: 'attrUser',
      label: 'attr= via fx_span_attrs (resource side only for resource keys)',
      change:
        'an attribute index table (Key, Value, Timestamp, TraceId) filled by a view; trace-search.ts reads it for attr=',
      fntrace: (u) => attrSearchFixed('user.id', u),
      check: (params) =>
        sameTraces(
          params,
          (u) => attrSearchFixed('user.id', u),
          (u) => src.searchTraces(store, { ...apiRange(lastHour), attr: `user.id=${u}` }),
        ),
    },
    {
      caseId: 'attrTenant',
      label: 'attr= via fx_span_attrs (resource side only for resource keys)',
      change: 'as above',
      fntrace: (t) => attrSearchFixed('app.tenant.id', t),
      check: async (params) => {
        const tenant = await sameTraces(
          params,
          (t) => attrSearchFixed('app.tenant.id', t),
          (t) => src.searchTraces(store, { ...apiRange(lastHour), attr: `app.tenant.id=${t}` }),
        );
        // a key on both sides (resource and span attributes): the resource path of the fix
        const region = await sameTraces(
          ['', 'eu-west-1'],
          (r) => attrSearchFixed('cloud.region', r),
          (r) => src.searchTraces(store, { ...apiRange(lastHour), attr: `cloud.region=${r}` }),
        );
        return `${tenant}; ${region}`;
      },
    },
    {
      caseId: 'serviceMap',
      label: 'calls join turned round; publish/consume from fx_messages',
      change: 'service-map.ts: swap the join sides; fntrace_messages gains StatusCode and Duration',
      fntrace: (w) => serviceMapFixed(w),
      check: async (params) => {
        const [a, b] = [await serviceMapFixed(params[1]), await src.serviceMap(store, apiRange(params[1]))];
        const calls = edgeKey(a[0], 'source', 'target');
        const apiCalls = edgeKey(
          b.edges.filter((e) => e.kind === 'call'),
          'source',
          'target',
        );
        const queues = a[1].length + a[2].length;
        const apiQueues = b.edges.filter((e) => e.kind !== 'call').length;
        return `call edges same as the API: ${calls === apiCalls ? 'yes' : 'NO'}; queue edges ${queues} vs ${apiQueues}`;
      },
    },
  ];
}
