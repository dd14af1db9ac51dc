import { columnsDdl, LOG_TABLE, SPAN_TABLE } from './columns.js';
import type { SchemaOptions } from './schema.js';

/**
 * The tables, as definitions the schema (schema.ts) turns into DDL for one node or a cluster:
 * their columns (from columns.ts, plus indexes), engine, partitioning, sorting and settings.
 * Every setting that departs from ClickHouse's defaults says why and what it measured.
 */
export interface TableDef {
  name: string;
  columns: string;
  /** `MergeTree`, `AggregatingMergeTree`, ... (made Replicated on a cluster) */
  engine: string;
  /** what follows `ENGINE = …`: partitioning, keys, TTL and settings (see {@link tail}) */
  tail: string;
  /** sharding key of the Distributed table on a cluster */
  shardBy: string;
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

/**
 * The clauses after a table's engine. Every table is dropped by whole parts when its TTL
 * passes (`ttl_only_drop_parts`) and remembers its last 10,000 inserts' tokens, so a spool
 * segment inserted again after a crash is stored once (`non_replicated_deduplication_window`;
 * replicated tables do it anyway). `settings` come before those two, `more` after them.
 */
function tail(
  t: { partitionBy: string; primaryKey?: string; orderBy: string; ttl: string; settings?: string[] },
  more = '',
): string {
  const settings = [...(t.settings ?? []), 'ttl_only_drop_parts = 1', 'non_replicated_deduplication_window = 10000'];
  return [
    `PARTITION BY ${t.partitionBy}`,
    ...(t.primaryKey ? [`PRIMARY KEY (${t.primaryKey})`] : []),
    `ORDER BY (${t.orderBy})`,
    t.ttl,
    `SETTINGS ${settings.join(', ')}${more}`,
  ].join('\n');
}

/** The tables of the schema; `ttl(expr)` is the TTL clause retention gives a table. */
export function tableDefs(o: SchemaOptions, ttl: (expr: string) => string): TableDef[] {
  return [
    {
      name: 'otel_traces',
      columns: `
    ${columnsDdl(SPAN_TABLE, 'CODEC(ZSTD(1))').join(',\n    ')},
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_span_attr_key mapKeys(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_span_attr_value mapValues(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_duration Duration TYPE minmax GRANULARITY 1,
    INDEX idx_invocation FaasInvocationId TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_message MessagingMessageId TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_correlation CorrelationId TYPE bloom_filter(0.001) GRANULARITY 1`,
      engine: 'MergeTree',
      tail: tail(
        {
          partitionBy: 'toDate(Timestamp)',
          orderBy: TRACES_SORTING_KEY,
          ttl: ttl('toDateTime(Timestamp)'),
          settings: [
            'index_granularity = 2048',
            TRACES_BLOCK_SETTING,
            TRACES_MERGE_SETTING,
            TRACES_MERGE_BLOCK_SETTING,
          ],
        },
        o.mapBuckets ? `,\n  ${MAP_BUCKET_SETTINGS}` : '',
      ),
      shardBy: 'cityHash64(TraceId)',
    },
    {
      name: 'otel_traces_trace_id_ts',
      columns: `
    TraceId String CODEC(ZSTD(1)),
    Start SimpleAggregateFunction(min, DateTime) CODEC(ZSTD(1)),
    End SimpleAggregateFunction(max, DateTime) CODEC(ZSTD(1))`,
      engine: 'AggregatingMergeTree',
      tail: tail({
        partitionBy: 'toStartOfWeek(Start)',
        orderBy: 'TraceId',
        ttl: ttl('toDateTime(Start)'),
        settings: ['index_granularity = 8192'],
      }),
      shardBy: 'cityHash64(TraceId)',
    },
    {
      name: 'otel_logs',
      columns: `
    ${columnsDdl(LOG_TABLE, '').join(',\n    ')},
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
      tail: tail({
        partitionBy: 'toDate(TimestampTime)',
        primaryKey: 'ServiceName, TimestampTime',
        orderBy: 'ServiceName, TimestampTime, Timestamp',
        ttl: ttl('TimestampTime'),
        settings: ['index_granularity = 8192'],
      }),
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
    EnvironmentId String CODEC(ZSTD(1)),
    EnvironmentSequence UInt64 CODEC(ZSTD(1)),
    SdkDroppedSpans UInt64 CODEC(ZSTD(1)),
    SdkDroppedLogRecords UInt64 CODEC(ZSTD(1)),
    INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_invocation InvocationId TYPE bloom_filter(0.001) GRANULARITY 1`,
      engine: 'MergeTree',
      tail: tail({
        partitionBy: 'toDate(Timestamp)',
        orderBy: 'FunctionName, Timestamp',
        ttl: ttl('toDateTime(Timestamp)'),
      }),
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
      tail: tail({ partitionBy: 'toDate(Bucket)', orderBy: SUMMARY_SORTING_KEY, ttl: ttl('Bucket') }),
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
      tail: tail({
        partitionBy: 'toDate(Timestamp)',
        orderBy: 'ToTraceId, Timestamp',
        ttl: ttl('toDateTime(Timestamp)'),
      }),
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
      tail: tail({
        partitionBy: 'toDate(Timestamp)',
        orderBy: 'MessageId, Timestamp',
        ttl: ttl('toDateTime(Timestamp)'),
      }),
      shardBy: 'cityHash64(MessageId)',
    },
  ];
}

/** With `--tail-sampling`: every span lands here first; the views read it (sampling/schema.ts). */
export const STAGING_TABLE = 'fntrace_spans_staging';
/** With `--tail-sampling`: one row per trace the sampler decided (kept or not, and why). */
export const DECISIONS_TABLE = 'fntrace_sampling_decisions';
/** With `--tail-sampling`: which collector decides and copies (sampling/lease.ts); a row per claim or renewal. */
export const LEASE_TABLE = 'fntrace_sampling_lease';
/** With `--tail-sampling`: every entry span (server, consumer) as `/api/metrics` reads it, sampled out or not. */
export const ENTRY_SPANS_TABLE = 'fntrace_entry_spans';

/**
 * The tables of `--tail-sampling` (made at start-up only when it is on, so the schema without it
 * is unchanged). The staging table has `otel_traces`'s columns, indexed for what joins journeys, and
 * keeps rows `holdSeconds` after they were ingested: long enough to decide (the decision delay)
 * and to show a trace sampled out for a while. Its parts are whole hours of ingest, dropped once
 * every row expired, checked every ten minutes (ClickHouse's default is four hours). Decisions
 * follow `--retention-days`, like the spans they explain.
 */
export function samplingTableDefs(holdSeconds: number, ttl: (expr: string) => string): TableDef[] {
  return [
    {
      name: STAGING_TABLE,
      columns: `
    ${columnsDdl(SPAN_TABLE, 'CODEC(ZSTD(1))').join(',\n    ')},
    IngestedAt DateTime64(3) DEFAULT now64(3) CODEC(Delta, ZSTD(1)),
    INDEX idx_ingested IngestedAt TYPE minmax GRANULARITY 1,
    INDEX idx_message MessagingMessageId TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_correlation CorrelationId TYPE bloom_filter(0.001) GRANULARITY 1`,
      engine: 'MergeTree',
      tail: tail({
        partitionBy: 'toStartOfHour(IngestedAt)',
        orderBy: 'TraceId, Timestamp',
        ttl: `TTL toDateTime(IngestedAt) + toIntervalSecond(${Math.ceil(holdSeconds)})`,
        // merged as sparingly as otel_traces (its rows are as wide): see TRACES_MERGE_SETTING
        settings: [
          'index_granularity = 2048',
          'merge_with_ttl_timeout = 600',
          TRACES_MERGE_SETTING,
          TRACES_MERGE_BLOCK_SETTING,
        ],
      }),
      shardBy: 'cityHash64(TraceId)',
    },
    {
      name: DECISIONS_TABLE,
      columns: `
    TraceId String CODEC(ZSTD(1)),
    JourneyId String CODEC(ZSTD(1)),
    Kept UInt8,
    Reason LowCardinality(String),
    DecidedAt DateTime64(3) CODEC(Delta, ZSTD(1)),
    Spans UInt32`,
      engine: 'MergeTree',
      tail: tail({ partitionBy: 'toDate(DecidedAt)', orderBy: 'TraceId', ttl: ttl('toDateTime(DecidedAt)') }),
      shardBy: 'cityHash64(TraceId)',
    },
    {
      name: LEASE_TABLE,
      columns: `
    Term UInt64,
    Holder String,
    Claim UInt64,
    At DateTime64(3) CODEC(Delta, ZSTD(1))`,
      engine: 'MergeTree',
      tail: tail({ partitionBy: 'toDate(At)', orderBy: 'Term, At', ttl: 'TTL toDateTime(At) + INTERVAL 1 DAY' }),
      // one shard holds every row of a term, so each reader sees the same claims
      shardBy: 'Term',
    },
    {
      name: ENTRY_SPANS_TABLE,
      columns: `
    Timestamp DateTime64(9) CODEC(Delta, ZSTD(1)),
    ServiceName LowCardinality(String),
    SpanName LowCardinality(String),
    SpanKind LowCardinality(String),
    Duration UInt64 CODEC(ZSTD(1)),
    StatusCode LowCardinality(String)`,
      engine: 'MergeTree',
      tail: tail({
        partitionBy: 'toDate(Timestamp)',
        orderBy: 'ServiceName, Timestamp',
        ttl: ttl('toDateTime(Timestamp)'),
      }),
      shardBy: 'rand()',
    },
  ];
}
