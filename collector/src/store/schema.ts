import { billingSql, DEFAULT_PRICES, type Price, pricesComment } from './prices.js';
/**
 * The schema, as DDL text for one node or for a cluster.
 *
 * `otel_traces`, `otel_traces_trace_id_ts` and `otel_logs` have the columns (names and
 * types) of the OpenTelemetry Collector ClickHouse exporter's default tables, so tools
 * that read that schema (Grafana's ClickHouse datasource) read fntrace's. Beside them:
 * columns for OTLP fields the exporter drops, materialized columns for the attributes
 * serverless queries filter on, and tables filled at ingest by materialized views —
 * invocations, a trace summary that stays right when spans arrive late (aggregating
 * tables keyed by trace, not joins of insert blocks), trace edges (span links) and a
 * message index (producer/consumer spans by `messaging.message.id`).
 *
 * On a cluster every table is a Replicated* `<name>_local` on each node plus a
 * Distributed `<name>` sharded by trace id; the views work on the local tables.
 */
export interface SchemaOptions {
  database: string;
  cluster: string;
  retentionDays: number;
  /**
   * Store `otel_traces`'s Map columns split into buckets by key (`--map-buckets`, and an
   * engine that has the `map_serialization_version` MergeTree setting, ClickHouse 25.x and
   * later). Default false.
   */
  mapBuckets?: boolean;
  /** The price table of estimated invocation cost (prices.ts). Default: the built-in one. */
  prices?: readonly Price[];
}

/**
 * The sorting key of `otel_traces`: ten-minute buckets, then trace id. A trace's spans sit
 * together (a lookup by id with its time window reads one granule), and a time window reads
 * one contiguous range. The exporter's default key, (ServiceName, SpanName, time), scatters a
 * trace over one granule per service and operation, and makes every time-window query visit
 * each (service, operation) group. Measured in test/bench/query.bench.mjs.
 */
export const TRACES_SORTING_KEY = 'toStartOfTenMinutes(Timestamp), TraceId';

/**
 * `otel_traces`'s compressed block size floor (ClickHouse's default is 64 KiB). A trace view
 * reads one granule of every column; a small column's 64 KiB block holds eight granules, all
 * of them decompressed for that one. At 16 KiB a trace view is ~12 % faster, a part ~1 % larger,
 * and a scan of small columns (durations, status) ~10 % slower. Measured on the query bench's
 * 10 M spans.
 */
export const TRACES_BLOCK_SETTING = 'min_compress_block_size = 16384';

/**
 * How eagerly `otel_traces` merges its parts (ClickHouse's default base is 5). While spans
 * stream in, merging its wide rows (maps, bloom indexes rebuilt) took a quarter of the
 * collector's CPU; at 10 a merge waits for more parts of like size, which halved merge CPU in
 * the ingest bench (MergeMutate threads 10 → 5–6 s a million spans; 13 parts instead of 8
 * after a million). The summary and the views' tables are small and keep the default.
 */
export const TRACES_MERGE_SETTING = 'merge_selector_base = 10';

/**
 * Rows per block while `otel_traces` merges (ClickHouse's default is 8192). Its rows are wide
 * (two attribute maps, bloom indexes); with smaller merge blocks the spool writer's inserts kept
 * up under sustained load. Measured with `npm run soak` at 40,000 spans/s for 3 minutes, A/B
 * twice: the spool ended at 35 and 29 MB with it, 227 and 292 MB without (the writer falling
 * behind); peak RSS the same (907 vs 904–965 MB).
 */
export const TRACES_MERGE_BLOCK_SETTING = 'merge_max_block_size = 2048';

/** The sorting key of `fntrace_trace_summary`: its ten-minute bucket (of its Start), then trace id. */
export const SUMMARY_SORTING_KEY = 'Bucket, TraceId';

/**
 * With `--map-buckets`, Map columns of `otel_traces` are stored in buckets by key hash once
 * parts merge (inserts stay on the plain layout: bucketing at insert measured ~35 % fewer
 * spans/s end to end): `SpanAttributes['k']` reads one bucket instead of the whole map. About
 * one bucket per key (linear, up to 32). Measured (3 M spans, merged): a one-key filter over
 * an hour 24 ms instead of 90; a whole trace 17 ms instead of 12; merges hold ~250 MB more.
 */
export const MAP_BUCKET_SETTINGS = `map_serialization_version = 'with_buckets', map_serialization_version_for_zero_level_parts = 'basic',
  map_buckets_strategy = 'linear', map_buckets_coefficient = 1, map_buckets_min_avg_size = 0`;

/** The plain layout, for turning `--map-buckets` off again (parts written since merge back to it). */
export const MAP_PLAIN_SETTINGS = "map_serialization_version = 'basic'";

/** Columns of a span row as JSONEachRow text carries them (rows.ts), for `file()` and inserts. */
export const SPAN_COLUMNS: [string, string][] = [
  ['Timestamp', 'DateTime64(9)'],
  ['TraceId', 'String'],
  ['SpanId', 'String'],
  ['ParentSpanId', 'String'],
  ['TraceState', 'String'],
  ['SpanName', 'String'],
  ['SpanKind', 'String'],
  ['ServiceName', 'String'],
  ['ResourceAttributes', 'Map(String, String)'],
  ['ScopeName', 'String'],
  ['ScopeVersion', 'String'],
  ['SpanAttributes', 'Map(String, String)'],
  ['Duration', 'UInt64'],
  ['StatusCode', 'String'],
  ['StatusMessage', 'String'],
  ['Events.Timestamp', 'Array(DateTime64(9))'],
  ['Events.Name', 'Array(String)'],
  ['Events.Attributes', 'Array(Map(String, String))'],
  ['Links.TraceId', 'Array(String)'],
  ['Links.SpanId', 'Array(String)'],
  ['Links.TraceState', 'Array(String)'],
  ['Links.Attributes', 'Array(Map(String, String))'],
  ['SpanFlags', 'UInt32'],
  ['ScopeAttributes', 'Map(String, String)'],
  ['ResourceSchemaUrl', 'String'],
  ['ScopeSchemaUrl', 'String'],
  ['DroppedAttributesCount', 'UInt32'],
  ['DroppedEventsCount', 'UInt32'],
  ['DroppedLinksCount', 'UInt32'],
  ['Events.DroppedAttributesCount', 'Array(UInt32)'],
  ['Links.Flags', 'Array(UInt32)'],
  ['Links.DroppedAttributesCount', 'Array(UInt32)'],
];

export const LOG_COLUMNS: [string, string][] = [
  ['Timestamp', 'DateTime64(9)'],
  ['ObservedTimestamp', 'DateTime64(9)'],
  ['TraceId', 'String'],
  ['SpanId', 'String'],
  ['TraceFlags', 'UInt8'],
  ['SeverityText', 'String'],
  ['SeverityNumber', 'UInt8'],
  ['ServiceName', 'String'],
  ['Body', 'String'],
  ['ResourceSchemaUrl', 'String'],
  ['ResourceAttributes', 'Map(String, String)'],
  ['ScopeSchemaUrl', 'String'],
  ['ScopeName', 'String'],
  ['ScopeVersion', 'String'],
  ['ScopeAttributes', 'Map(String, String)'],
  ['LogAttributes', 'Map(String, String)'],
  ['EventName', 'String'],
  ['DroppedAttributesCount', 'UInt32'],
];

const q = (name: string) => `\`${name}\``;
export const columnList = (cols: [string, string][]) => cols.map(([n]) => q(n)).join(', ');
export const structureOf = (cols: [string, string][]) => cols.map(([n, t]) => `${q(n)} ${t}`).join(', ');

interface TableDef {
  name: string;
  columns: string;
  /** `MergeTree`, `AggregatingMergeTree`, ... (made Replicated on a cluster) */
  engine: string;
  tail: string;
  /** sharding key of the Distributed table on a cluster */
  shardBy: string;
}

/** Each table with a TTL, and the expression its TTL counts from. */
export const TTL_COLUMNS: Record<string, string> = {
  otel_traces: 'toDateTime(Timestamp)',
  otel_traces_trace_id_ts: 'toDateTime(Start)',
  otel_logs: 'TimestampTime',
  fntrace_invocations: 'toDateTime(Timestamp)',
  fntrace_trace_summary: 'Bucket',
  fntrace_trace_edges: 'toDateTime(Timestamp)',
  fntrace_messages: 'toDateTime(Timestamp)',
};

/**
 * Statements that bring every table's TTL to `retentionDays` (0: no TTL), for a restart
 * with a different `--retention-days` than the tables were created with. `current` maps
 * table names to their `engine_full` text, so tables already right are left alone.
 */
export function retentionStatements(o: SchemaOptions, current: Record<string, string>): string[] {
  const onCluster = o.cluster ? ` ON CLUSTER \`${o.cluster}\`` : '';
  const out: string[] = [];
  for (const [name, expr] of Object.entries(TTL_COLUMNS)) {
    const table = o.cluster ? `${name}_local` : name;
    const engine = current[table];
    if (engine === undefined) continue;
    const has = /\bTTL\b/.test(engine);
    const wanted = `toIntervalDay(${o.retentionDays})`;
    if (o.retentionDays === 0 && has) out.push(`ALTER TABLE \`${o.database}\`.\`${table}\`${onCluster} REMOVE TTL`);
    else if (o.retentionDays > 0 && !engine.includes(wanted)) {
      out.push(`ALTER TABLE \`${o.database}\`.\`${table}\`${onCluster} MODIFY TTL ${expr} + ${wanted}`);
    }
  }
  return out;
}

/**
 * Tables filled by materialized views from `otel_traces`: they need their own dedup window, or a
 * spool segment replayed after a crash is dropped from `otel_traces` but counted again in them.
 */
export const VIEW_TARGETS = [
  'otel_traces_trace_id_ts',
  'fntrace_invocations',
  'fntrace_trace_summary',
  'fntrace_trace_edges',
  'fntrace_messages',
];

/**
 * Materialized messaging columns of `otel_traces` (migration 5 adds them to older stores):
 * the service map's publish and consume edges read these instead of whole attribute maps.
 */
export const MESSAGING_COLUMNS = [
  "MessagingDestination LowCardinality(String) MATERIALIZED SpanAttributes['messaging.destination.name']",
  "MessagingSystem LowCardinality(String) MATERIALIZED SpanAttributes['messaging.system']",
  "MessagingBatch UInt8 MATERIALIZED SpanAttributes['messaging.batch.message_count'] != ''",
];

/** The names of the materialized views that read `otel_traces` (on a cluster, their `_local` names). */
export const TRACE_VIEWS = [
  'otel_traces_trace_id_ts_mv',
  'fntrace_invocations_mv',
  'fntrace_trace_summary_mv',
  'fntrace_trace_edges_mv',
  'fntrace_messages_mv',
];

/** `CREATE TABLE` of one table as the current schema defines it, under another name (for a rebuild; one node). */
export function tableStatement(o: SchemaOptions, table: string, name: string): string {
  const head = `CREATE TABLE IF NOT EXISTS ${q(o.database)}.${q(table)}`;
  const statement = schemaStatements(o).find((s) => s.startsWith(`${head} `));
  if (!statement) throw new Error(`schema has no table ${table}`);
  return `CREATE TABLE IF NOT EXISTS ${q(o.database)}.${q(name)}${statement.slice(head.length)}`;
}

export function schemaStatements(o: SchemaOptions): string[] {
  const db = q(o.database);
  const onCluster = o.cluster ? ` ON CLUSTER ${q(o.cluster)}` : '';
  const local = (name: string) => (o.cluster ? `${name}_local` : name);
  const ttl = (expr: string) => (o.retentionDays > 0 ? `TTL ${expr} + toIntervalDay(${o.retentionDays})` : '');
  const engine = (kind: string, name: string) =>
    o.cluster
      ? `Replicated${kind}('/clickhouse/tables/{shard}/${o.database}/${local(name)}', '{replica}')`
      : `${kind}()`;

  const createStatement = (t: TableDef, name: string) =>
    `CREATE TABLE IF NOT EXISTS ${db}.${q(name)}${onCluster} (${t.columns}\n) ENGINE = ${engine(t.engine, t.name)}\n${t.tail}`;
  const tables: TableDef[] = [
    {
      name: 'otel_traces',
      columns: `
    Timestamp DateTime64(9) CODEC(Delta, ZSTD(1)),
    TraceId String CODEC(ZSTD(1)),
    SpanId String CODEC(ZSTD(1)),
    ParentSpanId String CODEC(ZSTD(1)),
    TraceState String CODEC(ZSTD(1)),
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
    Events Nested (
      Timestamp DateTime64(9),
      Name LowCardinality(String),
      Attributes Map(LowCardinality(String), String),
      DroppedAttributesCount UInt32
    ) CODEC(ZSTD(1)),
    Links Nested (
      TraceId String,
      SpanId String,
      TraceState String,
      Attributes Map(LowCardinality(String), String),
      Flags UInt32,
      DroppedAttributesCount UInt32
    ) CODEC(ZSTD(1)),
    SpanFlags UInt32 CODEC(ZSTD(1)),
    ScopeAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    ResourceSchemaUrl LowCardinality(String) CODEC(ZSTD(1)),
    ScopeSchemaUrl LowCardinality(String) CODEC(ZSTD(1)),
    DroppedAttributesCount UInt32 CODEC(ZSTD(1)),
    DroppedEventsCount UInt32 CODEC(ZSTD(1)),
    DroppedLinksCount UInt32 CODEC(ZSTD(1)),
    FaasName LowCardinality(String) MATERIALIZED if(SpanAttributes['faas.name'] != '', SpanAttributes['faas.name'], ResourceAttributes['faas.name']),
    FaasTrigger LowCardinality(String) MATERIALIZED SpanAttributes['faas.trigger'],
    FaasInvocationId String MATERIALIZED SpanAttributes['faas.invocation_id'] CODEC(ZSTD(1)),
    FaasColdstart UInt8 MATERIALIZED SpanAttributes['faas.coldstart'] = 'true',
    MessagingMessageId String MATERIALIZED SpanAttributes['messaging.message.id'] CODEC(ZSTD(1)),
    CorrelationId String MATERIALIZED SpanAttributes['fntrace.correlation_id'] CODEC(ZSTD(1)),
${MESSAGING_COLUMNS.map((c) => `    ${c},`).join('\n')}
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_span_attr_key mapKeys(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_span_attr_value mapValues(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_duration Duration TYPE minmax GRANULARITY 1,
    INDEX idx_invocation FaasInvocationId TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_message MessagingMessageId TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_correlation CorrelationId TYPE bloom_filter(0.001) GRANULARITY 1`,
      engine: 'MergeTree',
      tail: `PARTITION BY toDate(Timestamp)
ORDER BY (${TRACES_SORTING_KEY})
${ttl('toDateTime(Timestamp)')}
SETTINGS index_granularity = 2048, ${TRACES_BLOCK_SETTING}, ${TRACES_MERGE_SETTING}, ${TRACES_MERGE_BLOCK_SETTING}, ttl_only_drop_parts = 1, non_replicated_deduplication_window = 10000${o.mapBuckets ? `,\n  ${MAP_BUCKET_SETTINGS}` : ''}`,
      shardBy: 'cityHash64(TraceId)',
    },
    {
      name: 'otel_traces_trace_id_ts',
      columns: `
    TraceId String CODEC(ZSTD(1)),
    Start SimpleAggregateFunction(min, DateTime) CODEC(ZSTD(1)),
    End SimpleAggregateFunction(max, DateTime) CODEC(ZSTD(1))`,
      engine: 'AggregatingMergeTree',
      tail: `PARTITION BY toStartOfWeek(Start)
ORDER BY (TraceId)
${ttl('toDateTime(Start)')}
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1, non_replicated_deduplication_window = 10000`,
      shardBy: 'cityHash64(TraceId)',
    },
    {
      name: 'otel_logs',
      columns: `
    Timestamp DateTime64(9) CODEC(Delta(8), ZSTD(1)),
    TimestampTime DateTime DEFAULT toDateTime(Timestamp),
    TraceId String CODEC(ZSTD(1)),
    SpanId String CODEC(ZSTD(1)),
    TraceFlags UInt8,
    SeverityText LowCardinality(String) CODEC(ZSTD(1)),
    SeverityNumber UInt8,
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    Body String CODEC(ZSTD(1)),
    ResourceSchemaUrl LowCardinality(String) CODEC(ZSTD(1)),
    ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    ScopeSchemaUrl LowCardinality(String) CODEC(ZSTD(1)),
    ScopeName String CODEC(ZSTD(1)),
    ScopeVersion LowCardinality(String) CODEC(ZSTD(1)),
    ScopeAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    LogAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    ObservedTimestamp DateTime64(9) CODEC(Delta(8), ZSTD(1)),
    EventName LowCardinality(String) CODEC(ZSTD(1)),
    DroppedAttributesCount UInt32 CODEC(ZSTD(1)),
    CorrelationId String MATERIALIZED LogAttributes['correlation_id'] CODEC(ZSTD(1)),
    InvocationId String MATERIALIZED LogAttributes['invocation_id'] CODEC(ZSTD(1)),
    INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_scope_attr_key mapKeys(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_scope_attr_value mapValues(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_log_attr_key mapKeys(LogAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_log_attr_value mapValues(LogAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_body Body TYPE tokenbf_v1(32768, 3, 0) GRANULARITY 8,
    INDEX idx_correlation CorrelationId TYPE bloom_filter(0.001) GRANULARITY 1`,
      engine: 'MergeTree',
      tail: `PARTITION BY toDate(TimestampTime)
PRIMARY KEY (ServiceName, TimestampTime)
ORDER BY (ServiceName, TimestampTime, Timestamp)
${ttl('TimestampTime')}
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1, non_replicated_deduplication_window = 10000`,
      shardBy: 'cityHash64(TraceId)',
    },
    {
      name: 'fntrace_invocations',
      columns: `
    Timestamp DateTime64(9) CODEC(Delta, ZSTD(1)),
    TraceId String CODEC(ZSTD(1)),
    SpanId String CODEC(ZSTD(1)),
    ServiceName LowCardinality(String),
    FunctionName LowCardinality(String),
    FunctionVersion LowCardinality(String),
    Instance String CODEC(ZSTD(1)),
    InvocationId String CODEC(ZSTD(1)),
    Trigger LowCardinality(String),
    TriggerSource LowCardinality(String),
    Provider LowCardinality(String),
    Region LowCardinality(String),
    ColdStart UInt8,
    InitDurationMs Float64,
    DurationNs UInt64,
    BilledDurationMs UInt64,
    MemoryMB UInt32,
    EstimatedCostUsd Float64,
    Outcome LowCardinality(String),
    CorrelationId String CODEC(ZSTD(1)),
    INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_invocation InvocationId TYPE bloom_filter(0.001) GRANULARITY 1`,
      engine: 'MergeTree',
      tail: `PARTITION BY toDate(Timestamp)
ORDER BY (FunctionName, Timestamp)
${ttl('toDateTime(Timestamp)')}
SETTINGS ttl_only_drop_parts = 1, non_replicated_deduplication_window = 10000`,
      shardBy: 'cityHash64(TraceId)',
    },
    {
      name: 'fntrace_trace_summary',
      columns: `
    TraceId String CODEC(ZSTD(1)),
    Start SimpleAggregateFunction(min, DateTime64(9)),
    End SimpleAggregateFunction(max, DateTime64(9)),
    SpanCount SimpleAggregateFunction(sum, UInt64),
    ErrorCount SimpleAggregateFunction(sum, UInt64),
    Services SimpleAggregateFunction(groupUniqArrayArray, Array(String)),
    RootServiceName SimpleAggregateFunction(max, String),
    RootSpanName SimpleAggregateFunction(max, String),
    Invocations SimpleAggregateFunction(sum, UInt64),
    ColdStarts SimpleAggregateFunction(sum, UInt64),
    CostUsd SimpleAggregateFunction(sum, Float64),
    Bucket DateTime DEFAULT toStartOfTenMinutes(Start)`,
      engine: 'AggregatingMergeTree',
      // Rows of one trace from different inserts merge when they fall in the same ten
      // minutes; queries sum them by TraceId either way. The time-first key lets a search
      // read only the summaries of its window (SUMMARY_SORTING_KEY).
      tail: `PARTITION BY toDate(Bucket)
ORDER BY (${SUMMARY_SORTING_KEY})
${ttl('Bucket')}
SETTINGS ttl_only_drop_parts = 1, non_replicated_deduplication_window = 10000`,
      shardBy: 'cityHash64(TraceId)',
    },
    {
      name: 'fntrace_trace_edges',
      columns: `
    Timestamp DateTime64(9) CODEC(Delta, ZSTD(1)),
    FromTraceId String CODEC(ZSTD(1)),
    FromSpanId String CODEC(ZSTD(1)),
    ToTraceId String CODEC(ZSTD(1)),
    ToSpanId String CODEC(ZSTD(1)),
    LinkType LowCardinality(String),
    INDEX idx_from FromTraceId TYPE bloom_filter(0.001) GRANULARITY 1`,
      engine: 'MergeTree',
      tail: `PARTITION BY toDate(Timestamp)
ORDER BY (ToTraceId, Timestamp)
${ttl('toDateTime(Timestamp)')}
SETTINGS ttl_only_drop_parts = 1, non_replicated_deduplication_window = 10000`,
      shardBy: 'cityHash64(ToTraceId)',
    },
    {
      name: 'fntrace_messages',
      columns: `
    MessageId String CODEC(ZSTD(1)),
    Timestamp DateTime64(9) CODEC(Delta, ZSTD(1)),
    EndTimestamp DateTime64(9) CODEC(Delta, ZSTD(1)),
    TraceId String CODEC(ZSTD(1)),
    SpanId String CODEC(ZSTD(1)),
    SpanKind LowCardinality(String),
    ServiceName LowCardinality(String),
    System LowCardinality(String),
    Destination LowCardinality(String)`,
      engine: 'MergeTree',
      tail: `PARTITION BY toDate(Timestamp)
ORDER BY (MessageId, Timestamp)
${ttl('toDateTime(Timestamp)')}
SETTINGS ttl_only_drop_parts = 1, non_replicated_deduplication_window = 10000`,
      shardBy: 'cityHash64(MessageId)',
    },
  ];

  const out: string[] = [`CREATE DATABASE IF NOT EXISTS ${db}${onCluster}`];
  for (const t of tables) {
    out.push(createStatement(t, local(t.name)));
    if (o.cluster) {
      out.push(
        `CREATE TABLE IF NOT EXISTS ${db}.${q(t.name)}${onCluster} AS ${db}.${q(local(t.name))} ENGINE = Distributed(${q(o.cluster)}, ${db}, ${q(local(t.name))}, ${t.shardBy})`,
      );
    }
  }

  const { src, attr, invocations, summary } = viewSelects(o);
  const to = (name: string) => `${db}.${q(local(name))}`;
  const view = (name: string, target: string, select: string, comment?: string) =>
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.${q(local(name))}${onCluster} TO ${to(target)} AS ${select}${comment ? ` COMMENT '${comment}'` : ''}`;
  const priced = pricesComment(o.prices ?? DEFAULT_PRICES);

  out.push(
    view(
      'otel_traces_trace_id_ts_mv',
      'otel_traces_trace_id_ts',
      `SELECT TraceId, min(Timestamp) AS Start, max(Timestamp) AS End FROM ${src} WHERE TraceId != '' GROUP BY TraceId`,
    ),
    view('fntrace_invocations_mv', 'fntrace_invocations', invocations, priced),
    view('fntrace_trace_summary_mv', 'fntrace_trace_summary', summary, priced),
    view(
      'fntrace_trace_edges_mv',
      'fntrace_trace_edges',
      `SELECT Timestamp, LinkTraceId AS FromTraceId, LinkSpanId AS FromSpanId, TraceId AS ToTraceId, SpanId AS ToSpanId,
    LinkAttributes['fntrace.link.type'] AS LinkType
  FROM ${src} ARRAY JOIN Links.TraceId AS LinkTraceId, Links.SpanId AS LinkSpanId, Links.Attributes AS LinkAttributes
  WHERE LinkTraceId != ''`,
    ),
    view(
      'fntrace_messages_mv',
      'fntrace_messages',
      `SELECT ${attr('messaging.message.id')} AS MessageId, Timestamp, addNanoseconds(Timestamp, Duration) AS EndTimestamp,
    TraceId, SpanId, SpanKind, ServiceName, ${attr('messaging.system')} AS System,
    ${attr('messaging.destination.name')} AS Destination
  FROM ${src} WHERE ${attr('messaging.message.id')} != '' AND SpanKind IN ('Producer', 'Consumer')`,
    ),
  );
  return out;
}

/**
 * The SELECTs of the views that are not plain copies of span fields: the invocations and the
 * trace summary, which price invocations with `o.prices` (prices.ts). Made with the table at
 * creation, and changed in place when the table changes (migrations.ts, applyPrices).
 */
export function viewSelects(o: SchemaOptions) {
  const local = (name: string) => (o.cluster ? `${name}_local` : name);
  const src = `${q(o.database)}.${q(local('otel_traces'))}`;
  const attr = (k: string) => `SpanAttributes['${k}']`;
  const res = (k: string) => `ResourceAttributes['${k}']`;
  const either = (k: string) => `if(${attr(k)} != '', ${attr(k)}, ${res(k)})`;
  const isInvocation = `${attr('faas.invocation_id')} != '' AND ${attr('faas.trigger')} != ''`;
  const memoryMb = `intDiv(toUInt64OrZero(${either('faas.max_memory')}), 1048576)`;
  const { billedMs, cost } = billingSql(o.prices ?? DEFAULT_PRICES, {
    provider: either('cloud.provider'),
    arch: either('host.arch'),
    memoryMb,
  });
  const invocations = `SELECT Timestamp, TraceId, SpanId, ServiceName,
    ${either('faas.name')} AS FunctionName, ${either('faas.version')} AS FunctionVersion,
    ${either('faas.instance')} AS Instance, ${attr('faas.invocation_id')} AS InvocationId,
    ${attr('faas.trigger')} AS Trigger, ${attr('fntrace.trigger')} AS TriggerSource,
    ${either('cloud.provider')} AS Provider, ${either('cloud.region')} AS Region,
    ${attr('faas.coldstart')} = 'true' AS ColdStart, toFloat64OrZero(${attr('fntrace.init_duration_ms')}) AS InitDurationMs,
    Duration AS DurationNs, ${billedMs} AS BilledDurationMs, ${memoryMb} AS MemoryMB,
    ${cost} AS EstimatedCostUsd,
    multiIf(${attr('fntrace.timeout')} = 'true', 'timeout', StatusCode = 'Error', 'error', 'ok') AS Outcome,
    ${attr('fntrace.correlation_id')} AS CorrelationId
  FROM ${src} WHERE ${isInvocation}`;
  const summary = `SELECT TraceId, min(Timestamp) AS Start, max(addNanoseconds(Timestamp, Duration)) AS End,
    count() AS SpanCount, countIf(StatusCode = 'Error') AS ErrorCount, groupUniqArray(ServiceName) AS Services,
    max(if(ParentSpanId = '', ServiceName, '')) AS RootServiceName, max(if(ParentSpanId = '', SpanName, '')) AS RootSpanName,
    countIf(${isInvocation}) AS Invocations, countIf(${isInvocation} AND ${attr('faas.coldstart')} = 'true') AS ColdStarts,
    sumIf(${cost}, ${isInvocation}) AS CostUsd
  FROM ${src} WHERE TraceId != '' GROUP BY TraceId`;
  return { src, attr, invocations, summary };
}

/** The views viewSelects prices, with their SELECT in it. */
export const PRICED_VIEWS = { fntrace_invocations_mv: 'invocations', fntrace_trace_summary_mv: 'summary' } as const;
