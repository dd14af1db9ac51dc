// Table definitions the ingest bench compares fntrace's otel_traces with: the OpenTelemetry
// Collector ClickHouse exporter's default otel_traces (its published columns, codecs,
// indexes and engine), and candidate storage tweaks of fntrace's own DDL that keep every
// column name and a readable type.

export const EXPORTER_COLUMNS = [
  'Timestamp',
  'TraceId',
  'SpanId',
  'ParentSpanId',
  'TraceState',
  'SpanName',
  'SpanKind',
  'ServiceName',
  'ResourceAttributes',
  'ScopeName',
  'ScopeVersion',
  'SpanAttributes',
  'Duration',
  'StatusCode',
  'StatusMessage',
  'Events.Timestamp',
  'Events.Name',
  'Events.Attributes',
  'Links.TraceId',
  'Links.SpanId',
  'Links.TraceState',
  'Links.Attributes',
];

export const EXPORTER_TRACES_DDL = {
  columns: EXPORTER_COLUMNS.map((c) => `\`${c}\``).join(', '),
  create: (db) => `CREATE TABLE IF NOT EXISTS ${db}.otel_traces (
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
      Attributes Map(LowCardinality(String), String)
    ) CODEC(ZSTD(1)),
    Links Nested (
      TraceId String,
      SpanId String,
      TraceState String,
      Attributes Map(LowCardinality(String), String)
    ) CODEC(ZSTD(1)),
    INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_span_attr_key mapKeys(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_span_attr_value mapValues(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_duration Duration TYPE minmax GRANULARITY 1
) ENGINE = MergeTree()
PARTITION BY toDate(Timestamp)
ORDER BY (ServiceName, SpanName, toDateTime(Timestamp))
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1`,
};

const MATERIALIZED = [
  'MessagingDestination',
  'MessagingSystem',
  'MessagingBatch',
  'FaasName',
  'FaasTrigger',
  'FaasInvocationId',
  'FaasColdstart',
  'MessagingMessageId',
  'CorrelationId',
];
const MATERIALIZED_INDEXES = ['idx_invocation', 'idx_message', 'idx_correlation'];
const ORDER_BY = 'ORDER BY (toStartOfTenMinutes(Timestamp), TraceId)';

/** Splits `CREATE … (` / column lines / `) ENGINE …` of a CREATE TABLE statement. */
function splitDdl(ddl) {
  const open = ddl.indexOf('(\n');
  const close = ddl.lastIndexOf('\n) ENGINE');
  if (open < 0 || close < 0) throw new Error(`unexpected DDL shape:\n${ddl}`);
  return { head: ddl.slice(0, open + 2), lines: ddl.slice(open + 2, close).split('\n'), tail: ddl.slice(close) };
}

function joinDdl({ head, lines, tail }) {
  const kept = lines.filter((l) => l.trim() !== '');
  kept[kept.length - 1] = kept[kept.length - 1].replace(/,\s*$/, '');
  return `${head}${kept.join('\n')}${tail}`;
}

/** ZSTD(level) instead of ZSTD(1) on string, map and Nested (strings and maps) columns; numbers keep ZSTD(1). */
function zstd(ddl, level) {
  const d = splitDdl(ddl);
  d.lines = d.lines.map((l) =>
    /\b(U?Int\d+|DateTime64)\b.*CODEC/.test(l) ? l : l.replace('ZSTD(1)', `ZSTD(${level})`),
  );
  return joinDdl(d);
}

/** Without the six materialized columns and their three bloom-filter indexes. */
function noMaterialized(ddl) {
  const d = splitDdl(ddl);
  d.lines = d.lines.filter(
    (l) =>
      !MATERIALIZED.some((c) => l.trimStart().startsWith(`${c} `)) &&
      !MATERIALIZED_INDEXES.some((i) => l.includes(`INDEX ${i} `)),
  );
  return joinDdl(d);
}

/** The exporter's sorting key instead of fntrace's (ten-minute bucket, trace id). */
function orderByService(ddl) {
  if (!ddl.includes(ORDER_BY)) throw new Error(`ORDER BY not found in:\n${ddl}`);
  return ddl.replace(ORDER_BY, 'ORDER BY (ServiceName, SpanName, toDateTime(Timestamp))');
}

/**
 * fntrace's otel_traces DDL (`baseDdl`) with each candidate tweak, the first two together, and
 * (`extra`) two stronger ones: ZSTD(9), alone and without the materialized columns.
 */
export function fntraceVariants(baseDdl) {
  return [
    { name: 'zstd3', label: 'ZSTD(3) on string and map columns', ddl: zstd(baseDdl, 3) },
    { name: 'nomat', label: 'without the 9 materialized columns (and their 3 indexes)', ddl: noMaterialized(baseDdl) },
    {
      name: 'order_service',
      label: "the exporter's ORDER BY (ServiceName, SpanName, toDateTime(Timestamp))",
      ddl: orderByService(baseDdl),
    },
    { name: 'all', label: 'ZSTD(3), without the materialized columns', ddl: noMaterialized(zstd(baseDdl, 3)) },
    { name: 'zstd9', label: 'ZSTD(9) on string and map columns', ddl: zstd(baseDdl, 9), extra: true },
    {
      name: 'zstd9_nomat',
      label: 'ZSTD(9), without the materialized columns',
      ddl: noMaterialized(zstd(baseDdl, 9)),
      extra: true,
    },
  ];
}

/**
 * An upper bound on what promoting attributes to columns could save: fntrace's DDL without
 * the materialized columns, every span attribute key of the data (`keys`) in a String column
 * of its own and no SpanAttributes map (so not column-compatible: a query would rebuild the
 * map from the columns). Returns the DDL and the INSERT's column list and SELECT expressions
 * that fill it from a table with the collector's columns.
 */
export function splitAttributes(baseDdl, keys, columns) {
  const name = (k) => `\`A_${k.replace(/[^A-Za-z0-9]/g, '_')}\``;
  const d = splitDdl(noMaterialized(baseDdl));
  const map = d.lines.findIndex((l) => l.trimStart().startsWith('SpanAttributes Map('));
  if (map < 0) throw new Error('SpanAttributes column not found');
  d.lines.splice(map, 1, ...keys.map((k) => `    ${name(k)} String CODEC(ZSTD(1)),`));
  d.lines = d.lines.filter((l) => !/INDEX idx_span_attr_(key|value) /.test(l));
  const kept = columns.split(', ').filter((c) => c !== '`SpanAttributes`');
  const quote = (k) => `'${k.replaceAll("'", "\\'")}'`;
  return {
    ddl: joinDdl(d),
    insertColumns: [...kept, ...keys.map(name)].join(', '),
    select: [...kept, ...keys.map((k) => `SpanAttributes[${quote(k)}]`)].join(', '),
  };
}

// ——— rows of the bench's shape, generated inside the engine (the engine's own write limit) ———

// keys of a root (invocation) span, a DynamoDB client span and an SQS producer span, as the
// generator makes them; values: five high-cardinality ids, the rest from small vocabularies
const ROOT_KEYS = [
  'faas.invocation_id',
  'fntrace.correlation_id',
  'url.path',
  'client.address',
  'aws.apigateway.request_id',
  'faas.trigger',
  'faas.coldstart',
  'cloud.account.id',
  'cloud.resource_id',
  'fntrace.trigger',
  'http.request.method',
  'http.route',
  'url.scheme',
  'server.address',
  'http.response.status_code',
  'user_agent.original',
  'user.id',
  'aws.apigateway.stage',
  'network.protocol.version',
  'app.tenant.id',
];
const CLIENT_KEYS = [
  'aws.request_id',
  'app.key',
  'aws.dynamodb.consumed_capacity',
  'user.id',
  'app.tenant.id',
  'rpc.system',
  'rpc.service',
  'rpc.method',
  'aws.dynamodb.table_names',
  'db.system.name',
  'db.operation.name',
  'db.collection.name',
  'server.address',
  'server.port',
  'http.response.status_code',
  'cloud.region',
  'aws.dynamodb.consistent_read',
  'aws.dynamodb.projection',
  'aws.dynamodb.limit',
  'code.function.name',
];
const PRODUCER_KEYS = [
  'messaging.message.id',
  'aws.request_id',
  'messaging.message.body.size',
  'user.id',
  'app.order.id',
  'messaging.system',
  'messaging.operation.type',
  'messaging.operation.name',
  'messaging.destination.name',
  'rpc.system',
  'rpc.service',
  'rpc.method',
  'server.address',
  'server.port',
  'http.response.status_code',
  'cloud.region',
  'aws.sqs.queue.url',
  'app.tenant.id',
  'app.event.type',
  'code.function.name',
];
const SERVICES = [
  'orders-api',
  'users-api',
  'payments-api',
  'catalog-api',
  'checkout-api',
  'auth-api',
  'order-events-consumer',
  'email-sender',
  'inventory-sync',
  'nightly-report',
  'cache-warmer',
  'audit-stream',
];
const sqlArray = (list) => `[${list.map((s) => `'${s}'`).join(', ')}]`;

/**
 * INSERT … SELECT of `n` span rows generated inside the engine into `target` (`cols`: the
 * collector's SPAN_COLUMNS): the shape of the bench's spans, without a client or a parser.
 */
export function engineInsert(target, cols, n, baseNs, windowNs) {
  // row i: trace i/7 (a root every 7th row), request i/500 (one service and instance per request)
  const h = (salt) => `cityHash64(number, ${salt})`;
  const kind = `multiIf(number % 7 = 0, 'root', number % 7 = 3, 'producer', 'client')`;
  const values = `arrayMap(i -> if(i < 5,
      concat(substring(lower(hex(cityHash64(number, i))), 1, 10 + 3 * i), lower(hex(cityHash64(number, i + 100)))),
      concat(['cloud.', 'svc-', 'v', 'aws-api', 'prod-', 'x'][1 + i % 6], toString(cityHash64(intDiv(number, 7), i) % (3 + i * 3)))),
    range(20))`;
  return `INSERT INTO ${target} (${cols})
SELECT
  fromUnixTimestamp64Nano(toInt64(${baseNs} + intDiv(number * ${windowNs}, ${n}) + ${h(1)} % 1000000)) AS Timestamp,
  concat(lower(hex(cityHash64(intDiv(number, 7), 2))), lower(hex(cityHash64(intDiv(number, 7), 3)))) AS TraceId,
  lower(hex(${h(4)})) AS SpanId,
  if(number % 7 = 0, '', lower(hex(cityHash64(intDiv(number, 7) * 7, 4)))) AS ParentSpanId,
  '' AS TraceState,
  multiIf(${kind} = 'root', 'GET /orders/{orderId}', ${kind} = 'producer', 'order-events send',
    ['DynamoDB.GetItem', 'DynamoDB.Query', 'DynamoDB.PutItem', 'POST', 'computeTotals'][1 + ${h(5)} % 5]) AS SpanName,
  multiIf(${kind} = 'root', 'Server', ${kind} = 'producer', 'Producer', 'Client') AS SpanKind,
  ${sqlArray(SERVICES)}[1 + intDiv(number, 500) % 12] AS ServiceName,
  map('service.name', ServiceName, 'service.version', '1.12.0', 'deployment.environment.name', 'production',
    'cloud.provider', 'aws', 'cloud.platform', 'aws_lambda', 'cloud.region', 'us-east-1', 'faas.name', ServiceName,
    'faas.version', '$LATEST', 'faas.instance', concat('2026/11/27/[$LATEST]', lower(hex(cityHash64(intDiv(number, 500), 6)))),
    'faas.max_memory', '1073741824', 'telemetry.sdk.name', 'fntrace', 'telemetry.sdk.language', 'nodejs',
    'telemetry.sdk.version', '0.1.0') AS ResourceAttributes,
  '@fntrace/sdk' AS ScopeName,
  '0.1.0' AS ScopeVersion,
  mapFromArrays(multiIf(${kind} = 'root', ${sqlArray(ROOT_KEYS)}, ${kind} = 'producer', ${sqlArray(PRODUCER_KEYS)},
    ${sqlArray(CLIENT_KEYS)}), ${values}) AS SpanAttributes,
  1000000 + ${h(7)} % 300000000 AS Duration,
  if(${h(8)} % 50 = 0, 'Error', 'Unset') AS StatusCode,
  if(StatusCode = 'Error', 'upstream 502', '') AS StatusMessage,
  [] AS \`Events.Timestamp\`, [] AS \`Events.Name\`, [] AS \`Events.Attributes\`,
  [] AS \`Links.TraceId\`, [] AS \`Links.SpanId\`, [] AS \`Links.TraceState\`, [] AS \`Links.Attributes\`,
  257 AS SpanFlags, map() AS ScopeAttributes, '' AS ResourceSchemaUrl, '' AS ScopeSchemaUrl,
  0 AS DroppedAttributesCount, 0 AS DroppedEventsCount, 0 AS DroppedLinksCount,
  [] AS \`Events.DroppedAttributesCount\`, [] AS \`Links.Flags\`, [] AS \`Links.DroppedAttributesCount\`
FROM numbers(${n})`;
}
