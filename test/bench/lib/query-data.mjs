// The query bench's data: a catalogue of serverless services and the INSERT … SELECT that
// generates spans from numbers() inside the engine, plus the OpenTelemetry Collector
// ClickHouse exporter's default trace tables (its published DDL), which get the same rows.
//
// Every value is a pure function of the row number, so a chunk of rows can be generated on
// its own: row `number` is span `p = number % 10` of trace `t = number / 10`.
//   HTTP trace (t % 5 != 4)       consumer trace (t % 5 == 4)
//     p0 Server   S1 invocation     p0 Consumer S3 invocation (message of trace t-1,
//     p1-3 Client S1 (AWS SDK)         linked to its producer span)
//     p4 Client   S1 → S2 (HTTP)    p1-9 Client S3 (AWS SDK)
//     p5 Server   S2 invocation
//     p6-7 Client S2
//     p8 Producer S2 when t % 5 == 3 (consumed by trace t+1), else Client S2
//     p9 Client   S1
// S1 and S2 come from 20 HTTP functions with Zipf popularity (weight 1/rank), S3 from the
// 10 queue consumers (one per queue; each HTTP function publishes to one queue).
import { EXPORTER_COLUMNS, EXPORTER_TRACES_DDL } from './ingest-schemas.mjs';

export const HTTP_SERVICES = [
  'orders-api',
  'users-api',
  'catalog-api',
  'checkout-api',
  'payments-api',
  'auth-api',
  'cart-api',
  'search-api',
  'inventory-api',
  'shipping-api',
  'pricing-api',
  'reviews-api',
  'profile-api',
  'notifications-api',
  'coupons-api',
  'returns-api',
  'wishlist-api',
  'tax-api',
  'loyalty-api',
  'admin-api',
];
export const QUEUES = [
  'order-events',
  'user-events',
  'catalog-updates',
  'checkout-events',
  'payment-events',
  'audit-log',
  'cart-events',
  'search-index',
  'stock-changes',
  'shipment-events',
];
export const CONSUMER_SERVICES = [
  'order-events-consumer',
  'welcome-mailer',
  'catalog-indexer',
  'checkout-finalizer',
  'payment-reconciler',
  'audit-writer',
  'cart-abandonment',
  'search-indexer',
  'stock-sync',
  'shipment-notifier',
];
export const SERVICES = [...HTTP_SERVICES, ...CONSUMER_SERVICES];
export const TENANTS = [
  'acme',
  'globex',
  'initech',
  'umbrella',
  'hooli',
  'stark',
  'wayne',
  'wonka',
  'tyrell',
  'cyberdyne',
  ...Array.from({ length: 30 }, (_, i) => `tenant-${String(i + 11).padStart(2, '0')}`),
];
const USERS = 200_000;
const MEMORY_MB = [128, 256, 512, 1024, 2048];
const REGIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-2'];

const lit = (s) => `'${String(s).replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const arr = (list) => `[${list.map((v) => (typeof v === 'number' ? String(v) : lit(v))).join(', ')}]`;

/** Cumulative Zipf (1/rank) weights as an SQL array, last element just above 1. */
function zipfCum(n, s = 1) {
  const w = Array.from({ length: n }, (_, i) => 1 / (i + 1) ** s);
  const total = w.reduce((a, b) => a + b, 0);
  let acc = 0;
  const cum = w.map((x) => {
    acc += x / total;
    return Number(acc.toFixed(6));
  });
  cum[n - 1] = 1.000001;
  return `[${cum.join(', ')}]`;
}

/** Fraction of the whole, in SQL, of a Zipf rank's share (for the report). */
export function zipfShare(n, rank, s = 1) {
  const total = Array.from({ length: n }, (_, i) => 1 / (i + 1) ** s).reduce((a, b) => a + b, 0);
  return 1 / rank ** s / total;
}

// ——— per-trace SQL expressions of a trace-number expression `t` ———
const u = (t, salt) => `(cityHash64(${t}, ${salt}) / 18446744073709551616.0)`;
/** standard normal (Box–Muller) from two hashes */
const z = (t, salt) => `(sqrt(-2 * log(greatest(${u(t, salt)}, 1e-12))) * cos(2 * pi() * ${u(t, salt + 1)}))`;
/** log-normal nanoseconds: median `medianMs`, shape `sigma`, clamped */
const logNormalNs = (t, salt, medianMs, sigma, minMs, maxMs) =>
  `toUInt64(least(greatest(exp(log(${medianMs * 1e6}) + ${sigma} * ${z(t, salt)}), toFloat64(${minMs * 1e6})), toFloat64(${maxMs * 1e6})))`;

const traceIdOf = (t) => `lower(concat(hex(cityHash64(${t}, 21)), hex(cityHash64(${t}, 22))))`;
const spanIdOf = (t, p) => `lower(hex(cityHash64(${t}, ${p}, 23)))`;
const messageIdOf = (t) =>
  `lower(concat(substring(hex(cityHash64(${t}, 24)), 1, 8), '-', substring(hex(cityHash64(${t}, 24)), 9, 4), '-4',
    substring(hex(cityHash64(${t}, 25)), 1, 3), '-a', substring(hex(cityHash64(${t}, 25)), 4, 3), '-',
    substring(hex(cityHash64(${t}, 25)), 7, 10), substring(hex(cityHash64(${t}, 26)), 1, 2)))`;
const uuidOf = (t, p, salt) =>
  `lower(concat(substring(hex(cityHash64(${t}, ${p}, ${salt})), 1, 8), '-', substring(hex(cityHash64(${t}, ${p}, ${salt})), 9, 4),
    '-4', substring(hex(cityHash64(${t}, ${p}, ${salt})), 13, 3), '-8', substring(hex(cityHash64(${t}, ${p}, ${salt + 1})), 1, 3), '-',
    substring(hex(cityHash64(${t}, ${p}, ${salt + 1})), 4, 12)))`;
const zipf = (t, salt, n) => `arrayFirstIndex(c -> c > ${u(t, salt)}, ${zipfCum(n)})`;
/** 1-based index of S1 and S2 in HTTP_SERVICES */
const s1Of = (t) => zipf(t, 1, HTTP_SERVICES.length);
const s2Of = (t) =>
  `if(${zipf(t, 2, HTTP_SERVICES.length)} = ${s1Of(t)}, ${s1Of(t)} % ${HTTP_SERVICES.length} + 1, ${zipf(t, 2, HTTP_SERVICES.length)})`;
/** 1-based queue of an HTTP function index */
const queueOf = (svc) => `((${svc} - 1) % ${QUEUES.length} + 1)`;

/**
 * The SELECT that makes rows `[offset, offset + count)`: columns named as fntrace's
 * SPAN_COLUMNS, in `columns` order. `baseNs`..`baseNs + windowNs` holds every trace
 * start; `traces` is the total trace count (so chunks agree on the time of a trace).
 */
export function generateSelect({ columns, offset, count, traces, baseNs, windowNs }) {
  const stepNs = windowNs / traces;
  const rootStart = (t) => `(${baseNs} + toInt64(${t} * ${stepNs}) + toInt64(${u(t, 3)} * ${stepNs}))`;
  const httpD = (t) => logNormalNs(t, 4, 120, 0.8, 3, 20000);
  // producer span p8 of HTTP trace t: start and end
  const prodStart = (t) => `(${rootStart(t)} + toInt64(0.70 * ${httpD(t)}))`;
  const prodEnd = (t) => `(${prodStart(t)} + toInt64(0.1 * ${httpD(t)} * (0.6 + 0.4 * ${u(t, 8)})))`;
  const consumerStart = (t) => `(${prodEnd('tPrev')} + ${logNormalNs(t, 6, 30, 1.0, 1, 60000)})`;
  const consumerD = (t) => logNormalNs(t, 9, 200, 0.7, 5, 30000);

  // fractions of the root's duration at which each HTTP-trace span starts, and its length
  const HTTP_AT = [0, 0.02, 0.18, 0.29, 0.35, 0.37, 0.4, 0.52, 0.7, 0.87];
  const HTTP_LEN = [1, 0.15, 0.1, 0.05, 0.5, 0.46, 0.1, 0.15, 0.1, 0.1];
  const DB_OPS = ['GetItem', 'Query', 'PutItem', 'UpdateItem', 'GetItem', 'Query'];
  const ROUTE_METHOD = ['GET', 'GET', 'POST', 'PUT', 'DELETE'];
  const ROUTE_SUFFIX = ['', '/{id}', '', '/{id}', '/{id}'];
  const resources = HTTP_SERVICES.map((s) => s.replace(/-api$/, ''));
  const errorMessages = [
    'Task timed out after 29.00 seconds',
    'ConditionalCheckFailedException: The conditional request failed',
    'ProvisionedThroughputExceededException',
    'upstream returned 502',
    'TypeError: Cannot read properties of undefined',
  ];

  const inner = `SELECT
  number AS n, intDiv(number, 10) AS t, number % 10 AS p, t % 5 = 4 AS isConsumer,
  toUInt64(t - 1) AS tPrev, if(isConsumer, tPrev, t) AS tOrigin,
  ${s1Of('t')} AS s1, ${s2Of('t')} AS s2,
  ${queueOf(s2Of('tPrev'))} AS consumedQueue, ${queueOf('s2')} AS producedQueue,
  multiIf(isConsumer, if(p = 0, 'consumer', 'db'), p = 0, 'root', p = 4, 'http', p = 5, 'server2',
    p = 8 AND t % 5 = 3, 'producer', 'db') AS role,
  multiIf(isConsumer, ${SERVICES.length - CONSUMER_SERVICES.length} + consumedQueue, p IN (5, 6, 7, 8), s2, s1) AS svc,
  ${arr(SERVICES)}[svc] AS service,
  multiIf(isConsumer, if(p = 0, -1, 0), p = 0, -1, p = 5, 4, p IN (6, 7, 8), 5, 0) AS parentP,
  if(isConsumer, ${consumerStart('t')}, ${rootStart('t')}) AS r,
  if(isConsumer, ${consumerD('t')}, ${httpD('t')}) AS d,
  if(isConsumer,
    if(p = 0, r, r + toInt64(d * (0.02 + (p - 1) * 0.108))),
    r + toInt64(d * ${arr(HTTP_AT)}[p + 1])) AS startNs,
  toUInt64(if(p = 0, d,
    d * if(isConsumer, 0.09, ${arr(HTTP_LEN)}[p + 1]) * if(p IN (4, 5), 1, 0.6 + 0.4 * ${u('t', 'p, 10')}))) AS dur,
  ${u('t', 30)} < 0.10 AS errTrace,
  1 + cityHash64(t, 31) % 9 AS failP,
  errTrace AND (p = 0 OR p = failP OR (failP IN (5, 6, 7, 8) AND p IN (4, 5))) AS isError,
  role IN ('root', 'server2', 'consumer') AS isInvocation,
  ${u('t', 'p, 40')} < 0.05 AS cold,
  ${arr(TENANTS)}[${zipf('tOrigin', 51, TENANTS.length)}] AS tenant,
  concat('u-', toString(cityHash64(tOrigin, 52) % ${USERS})) AS userId,
  ${arr(resources)}[if(role = 'root', s1, s2)] AS res,
  1 + cityHash64(t, p, 53) % 5 AS route,
  concat(${arr(ROUTE_METHOD)}[route], ' /', res, ${arr(ROUTE_SUFFIX)}[route]) AS routeName,
  ${arr(DB_OPS)}[1 + cityHash64(t, p, 54) % ${DB_OPS.length}] AS dbOp,
  concat(service, '-', ['main', 'sessions', 'audit'][1 + cityHash64(t, p, 55) % 3]) AS dbTable,
  ${arr(QUEUES)}[if(isConsumer, consumedQueue, producedQueue)] AS queue,
  ${messageIdOf('tOrigin')} AS messageId,
  ${arr(MEMORY_MB)}[1 + svc % ${MEMORY_MB.length}] AS memoryMb,
  ${arr(REGIONS)}[1 + intDiv(svc, 11) % ${REGIONS.length}] AS region
FROM numbers(${offset}, ${count})`;

  const invocationAttrs = `'faas.invocation_id', ${uuidOf('t', 'p', 41)},
      'faas.coldstart', if(cold, 'true', 'false'),
      'fntrace.init_duration_ms', if(cold, toString(round(150 + ${u('t', 'p, 42')} * 900, 1)), ''),
      'fntrace.correlation_id', ${uuidOf('t', 'p', 43)}`;
  const userTenant = `'user.id', userId, 'app.tenant.id', tenant`;
  const spanAttributes = `mapFilter((k, v) -> v != '', multiIf(
    role IN ('root', 'server2'), map(
      'faas.trigger', 'http', 'fntrace.trigger', 'aws:apigateway-http', ${invocationAttrs},
      'http.request.method', ${arr(ROUTE_METHOD)}[route], 'http.route', routeName,
      'url.path', replaceOne(routeName, '{id}', toString(cityHash64(t, 56) % 1000000)),
      'url.scheme', 'https', 'server.address', concat(res, '.api.example.com'),
      'http.response.status_code', if(isError, '500', '200'),
      'client.address', IPv4NumToString(toUInt32(cityHash64(t, 57) % 4294967296)),
      'user_agent.original', ['Mozilla/5.0 (iPhone)', 'Mozilla/5.0 (Windows NT 10.0)', 'okhttp/4.12.0', 'curl/8.5.0'][1 + cityHash64(t, 58) % 4],
      ${userTenant}),
    role = 'consumer', map(
      'faas.trigger', 'pubsub', 'fntrace.trigger', 'aws:sqs', ${invocationAttrs},
      'messaging.system', 'aws_sqs', 'messaging.destination.name', queue, 'messaging.message.id', messageId,
      'messaging.operation.type', 'process', ${userTenant}),
    role = 'producer', map(
      'messaging.system', 'aws_sqs', 'messaging.destination.name', queue, 'messaging.message.id', messageId,
      'messaging.operation.type', 'send', 'messaging.operation.name', 'SendMessage',
      'messaging.message.body.size', toString(200 + cityHash64(t, 59) % 4000),
      'rpc.system', 'aws-api', 'rpc.service', 'SQS', 'rpc.method', 'SendMessage',
      'aws.request_id', ${uuidOf('t', 'p', 44)}, 'cloud.region', region, ${userTenant}),
    role = 'http', map(
      'http.request.method', ${arr(ROUTE_METHOD)}[1 + cityHash64(t, 5, 53) % 5],
      'url.full', concat('https://', ${arr(resources)}[s2], '.api.example.com/', toString(cityHash64(t, 60) % 1000000)),
      'server.address', concat(${arr(resources)}[s2], '.api.example.com'), 'server.port', '443',
      'http.response.status_code', if(isError, '502', '200'), 'network.protocol.version', '1.1', ${userTenant}),
    map(
      'rpc.system', 'aws-api', 'rpc.service', 'DynamoDB', 'rpc.method', dbOp,
      'db.system.name', 'aws.dynamodb', 'db.operation.name', dbOp, 'aws.dynamodb.table_names', dbTable,
      'aws.request_id', ${uuidOf('t', 'p', 44)}, 'server.address', concat('dynamodb.', region, '.amazonaws.com'),
      'http.response.status_code', if(isError, '400', '200'), 'cloud.region', region,
      'code.function.name', concat('handler.', lower(dbOp)), ${userTenant})))`;
  const resourceAttributes = `map(
    'service.name', service, 'service.version', concat('1.', toString(svc % 7), '.0'),
    'deployment.environment.name', 'production', 'cloud.provider', 'aws', 'cloud.platform', 'aws_lambda',
    'cloud.region', region, 'cloud.account.id', '123456789012', 'faas.name', service,
    'faas.version', toString(3 + svc % 9),
    'faas.instance', concat('2026/11/27/[$LATEST]', lower(hex(cityHash64(svc, intDiv(t, 400), 61)))),
    'faas.max_memory', toString(memoryMb * 1048576), 'telemetry.sdk.name', 'fntrace',
    'telemetry.sdk.language', 'nodejs', 'telemetry.sdk.version', '0.1.0')`;
  const errorMessage = `${arr(errorMessages)}[1 + cityHash64(t, 32) % ${errorMessages.length}]`;
  const expr = {
    Timestamp: 'fromUnixTimestamp64Nano(startNs)',
    TraceId: traceIdOf('t'),
    SpanId: spanIdOf('t', 'p'),
    ParentSpanId: `if(parentP < 0, '', ${spanIdOf('t', 'parentP')})`,
    TraceState: "''",
    SpanName: `multiIf(role IN ('root', 'server2'), routeName, role = 'consumer', concat(queue, ' process'),
      role = 'producer', concat(queue, ' send'), role = 'http', ${arr(ROUTE_METHOD)}[1 + cityHash64(t, 5, 53) % 5],
      concat('DynamoDB.', dbOp))`,
    SpanKind: `multiIf(role IN ('root', 'server2'), 'Server', role = 'consumer', 'Consumer', role = 'producer', 'Producer', 'Client')`,
    ServiceName: 'service',
    ResourceAttributes: resourceAttributes,
    ScopeName: `multiIf(isInvocation, '@fntrace/sdk', role = 'http', '@opentelemetry/instrumentation-undici',
      '@opentelemetry/instrumentation-aws-sdk')`,
    ScopeVersion: "if(isInvocation, '0.1.0', '0.49.0')",
    SpanAttributes: spanAttributes,
    Duration: 'dur',
    StatusCode: "if(isError, 'Error', 'Unset')",
    StatusMessage: `if(isError, ${errorMessage}, '')`,
    'Events.Timestamp': 'if(isError, [fromUnixTimestamp64Nano(toInt64(startNs + dur))], [])',
    'Events.Name': "if(isError, ['exception'], [])",
    'Events.Attributes': `if(isError, [map('exception.type', 'Error', 'exception.message', ${errorMessage})], [])`,
    'Links.TraceId': `if(role = 'consumer', [${traceIdOf('tPrev')}], [])`,
    'Links.SpanId': `if(role = 'consumer', [${spanIdOf('tPrev', 8)}], [])`,
    'Links.TraceState': "if(role = 'consumer', [''], [])",
    'Links.Attributes': "if(role = 'consumer', [map('fntrace.link.type', 'message')], [])",
    SpanFlags: '257',
    ScopeAttributes: 'map()',
    ResourceSchemaUrl: "''",
    ScopeSchemaUrl: "''",
    DroppedAttributesCount: '0',
    DroppedEventsCount: '0',
    DroppedLinksCount: '0',
    'Events.DroppedAttributesCount': 'if(isError, [0], [])',
    'Links.Flags': "if(role = 'consumer', [257], [])",
    'Links.DroppedAttributesCount': "if(role = 'consumer', [0], [])",
  };
  const missing = columns.filter((c) => !(c in expr));
  if (missing.length) throw new Error(`no generator for columns ${missing.join(', ')}`);
  return `SELECT ${columns.map((c) => `${expr[c]} AS \`${c}\``).join(',\n  ')}\nFROM (${inner})`;
}

// ——— the exporter's default trace tables (opentelemetry-collector-contrib clickhouseexporter) ———

export { EXPORTER_COLUMNS };

export function exporterStatements(db) {
  return [
    `CREATE DATABASE IF NOT EXISTS ${db}`,
    EXPORTER_TRACES_DDL.create(db),
    `CREATE TABLE IF NOT EXISTS ${db}.otel_traces_trace_id_ts (
    TraceId String CODEC(ZSTD(1)),
    Start SimpleAggregateFunction(min, DateTime) CODEC(ZSTD(1)),
    End SimpleAggregateFunction(max, DateTime) CODEC(ZSTD(1))
) ENGINE = MergeTree()
PARTITION BY toStartOfWeek(Start)
ORDER BY (TraceId)
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1`,
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.otel_traces_trace_id_ts_mv TO ${db}.otel_traces_trace_id_ts AS
SELECT TraceId, min(Timestamp) AS Start, max(Timestamp) AS End FROM ${db}.otel_traces WHERE TraceId != '' GROUP BY TraceId`,
  ];
}
