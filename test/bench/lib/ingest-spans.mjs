// The spans of the ingest benchmark: serverless traces (AWS Lambda functions behind API
// Gateway, SQS, schedules and DynamoDB streams) whose every span carries 20 string
// attributes, encoded as OTLP/protobuf export requests by the OpenTelemetry JS exporter's
// own serializer (`ProtobufTraceSerializer` of @opentelemetry/otlp-transformer, what
// OTLPTraceExporter from exporter-trace-otlp-proto sends).
//
// Deterministic: request k is always the same bytes for the same seed, so every stage of
// the bench (the collector run, the naive writer, the bytes-on-disk tables) loads the
// same spans. One request = one function instance's batch (one resource, one scope) of
// whole invocations (a root span and 3–9 children), cut at the batch size as a
// BatchSpanProcessor cuts them.
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';

export const ATTRIBUTES_PER_SPAN = 20;

// ——— a small, fast, seeded PRNG (mulberry32) ———
function prng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return next;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const B36 = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** Generators bound to one PRNG. */
function tools(rand) {
  const int = (n) => Math.floor(rand() * n);
  const pick = (list) => list[int(list.length)];
  const hex = (bytes) => {
    let s = '';
    for (let i = 0; i < bytes; i++) s += HEX[int(256)];
    return s;
  };
  const uuid = () => {
    const h = hex(16);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20)}`;
  };
  const chars = (alphabet, n) => {
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[int(alphabet.length)];
    return s;
  };
  // skewed pick: a few users/tenants/items are much more frequent than the rest
  const zipf = (n) => Math.floor(n * rand() ** 3);
  return { int, pick, hex, uuid, chars, zipf };
}

/** A bijection of 32-bit integers (murmur3's finalizer): distinct k, distinct masks. */
function mix32(k) {
  let h = k >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Trace and span ids of request k: random hex whose first four bytes are XORed with a mask
 * that only request k has. mulberry32's streams from nearby seeds overlap, so two requests
 * thousands apart can draw the same bytes (a 10-minute soak met 22,250 repeated ids this way);
 * with the mask, equal draws still make different ids, and the ids stay as random as before.
 */
function idsOf(t, k) {
  const mask = mix32(k);
  return (bytes) => {
    const h = t.hex(bytes);
    return ((Number.parseInt(h.slice(0, 8), 16) ^ mask) >>> 0).toString(16).padStart(8, '0') + h.slice(8);
  };
}

const ACCOUNT = '123456789012';
const REGIONS = ['us-east-1', 'us-east-1', 'eu-west-1', 'us-west-2'];

// the functions that send; every request comes from one instance of one of them
const SERVICES = [
  { name: 'orders-api', trigger: 'http', routes: ['/orders', '/orders/{orderId}', '/orders/{orderId}/items'] },
  { name: 'users-api', trigger: 'http', routes: ['/users/{userId}', '/users/{userId}/preferences', '/users'] },
  { name: 'payments-api', trigger: 'http', routes: ['/payments', '/payments/{paymentId}', '/refunds'] },
  { name: 'catalog-api', trigger: 'http', routes: ['/products', '/products/{productId}', '/categories/{slug}'] },
  { name: 'checkout-api', trigger: 'http', routes: ['/cart/{cartId}', '/cart/{cartId}/checkout'] },
  { name: 'auth-api', trigger: 'http', routes: ['/token', '/sessions/{sessionId}', '/oauth/callback'] },
  { name: 'order-events-consumer', trigger: 'pubsub', queue: 'order-events' },
  { name: 'email-sender', trigger: 'pubsub', queue: 'outbound-email' },
  { name: 'inventory-sync', trigger: 'pubsub', queue: 'inventory-updates' },
  { name: 'nightly-report', trigger: 'timer', rule: 'nightly-report-0200' },
  { name: 'cache-warmer', trigger: 'timer', rule: 'cache-warmer-every-5m' },
  { name: 'audit-stream', trigger: 'datasource', table: 'audit-log' },
];
const TABLES = ['orders', 'users', 'payments', 'products', 'carts', 'sessions', 'inventory'];
const DDB_METHODS = ['GetItem', 'GetItem', 'Query', 'PutItem', 'UpdateItem', 'BatchGetItem'];
const QUEUES = ['order-events', 'outbound-email', 'inventory-updates', 'audit-events'];
const EXTERNAL = [
  { host: 'api.stripe.com', paths: ['/v1/payment_intents/{id}', '/v1/customers/{id}', '/v1/refunds'] },
  { host: 'api.sendgrid.com', paths: ['/v3/mail/send'] },
  { host: 'hooks.slack.com', paths: ['/services/T0000/B0000/{id}'] },
  { host: 'maps.googleapis.com', paths: ['/maps/api/geocode/json'] },
];
const INTERNAL_OPS = ['validateRequest', 'computeTotals', 'applyDiscounts', 'renderTemplate', 'checkPermissions'];
const USER_AGENTS = [
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36',
  'okhttp/4.12.0',
  'MyShopApp/5.3.1 (iOS 17.4; iPhone15,2)',
  'MyShopApp/5.3.0 (Android 14; SM-S918B)',
  'python-requests/2.31.0',
  'curl/8.6.0',
];
const STATUS_HTTP = ['200', '200', '200', '200', '200', '200', '201', '204', '400', '404'];
const FILES = ['/var/task/src/handlers/index.mjs', '/var/task/src/lib/pricing.mjs', '/var/task/src/lib/auth.mjs'];

const KIND = { INTERNAL: 0, SERVER: 1, CLIENT: 2, PRODUCER: 3, CONSUMER: 4 };

/**
 * Makes the ReadableSpans of request `k` (as BatchSpanProcessor hands them to the exporter).
 * `baseNs` is the start of the time window; request k covers [baseNs + k·stepNs, +stepNs).
 */
export function requestSpans(k, { spansPerRequest = 500, seed = 1, baseNs, stepNs = 1_000_000_000n } = {}) {
  const rand = prng((seed * 1_000_003 + k * 7919) >>> 0);
  const t = tools(rand);
  const id = idsOf(t, k);
  const service = SERVICES[(k * 7) % SERVICES.length];
  const region = REGIONS[k % REGIONS.length];
  const instance = `2026/11/27/[$LATEST]${t.hex(16)}`;
  const arn = `arn:aws:lambda:${region}:${ACCOUNT}:function:${service.name}`;
  const apiId = t.chars(B36, 10);
  const resource = resourceFromAttributes({
    'service.name': service.name,
    'service.version': `1.${(k % 5) + 10}.0`,
    'deployment.environment.name': 'production',
    'cloud.provider': 'aws',
    'cloud.platform': 'aws_lambda',
    'cloud.region': region,
    'faas.name': service.name,
    'faas.version': '$LATEST',
    'faas.instance': instance,
    'faas.max_memory': 1073741824,
    'telemetry.sdk.name': 'fntrace',
    'telemetry.sdk.language': 'nodejs',
    'telemetry.sdk.version': '0.1.0',
  });
  const scope = { name: '@fntrace/sdk', version: '0.1.0' };
  const spans = [];
  const startNs = baseNs + BigInt(k) * stepNs;
  let offsetNs = 0;
  const coldFirst = k % 40 === 0;

  const span = (traceId, spanId, parentId, name, kind, start, durNs, attributes, extra = {}) => {
    const ctx = { traceId, spanId, traceFlags: 1 };
    const startTime = [Number(start / 1_000_000_000n), Number(start % 1_000_000_000n)];
    const end = start + BigInt(durNs);
    const endTime = [Number(end / 1_000_000_000n), Number(end % 1_000_000_000n)];
    return {
      name,
      kind,
      spanContext: () => ctx,
      parentSpanContext: parentId ? { traceId, spanId: parentId, traceFlags: 1, isRemote: false } : undefined,
      startTime,
      endTime,
      status: extra.status ?? { code: 0 },
      attributes,
      links: extra.links ?? [],
      events: extra.events ?? [],
      duration: [0, durNs],
      ended: true,
      resource,
      instrumentationScope: scope,
      droppedAttributesCount: 0,
      droppedEventsCount: 0,
      droppedLinksCount: 0,
    };
  };

  while (spans.length < spansPerRequest) {
    const traceId = id(16);
    const rootId = id(8);
    const userId = `usr_${t.zipf(200_000).toString(36).padStart(5, '0')}`;
    const tenant = `tnt_${t.zipf(500).toString(36).padStart(3, '0')}`;
    const orderId = `ord_${t.chars(B36, 12)}`;
    const invocationId = t.uuid();
    const correlationId = t.uuid();
    const cold = coldFirst && spans.length === 0 ? 'true' : 'false';
    const children = 3 + t.int(7);
    const rootStart = startNs + BigInt(offsetNs);
    offsetNs += Math.floor(Number(stepNs) / 60) + t.int(1000);
    const rootDur = 20_000_000 + t.int(780_000_000);
    const failed = rand() < 0.02;
    const common = {
      'faas.invocation_id': invocationId,
      'faas.coldstart': cold,
      'fntrace.correlation_id': correlationId,
      'cloud.account.id': ACCOUNT,
      'cloud.resource_id': arn,
    };
    let root;
    if (service.trigger === 'http') {
      const route = t.pick(service.routes);
      const method = route.includes('{') ? t.pick(['GET', 'GET', 'GET', 'PUT', 'DELETE']) : t.pick(['GET', 'POST']);
      const path = route.replace(/\{[a-zA-Z]+\}/, () => t.chars(B36, 10));
      const status = failed ? '500' : t.pick(STATUS_HTTP);
      root = span(traceId, rootId, '', `${method} ${route}`, KIND.SERVER, rootStart, rootDur, {
        'faas.trigger': 'http',
        ...common,
        'fntrace.trigger': 'aws.apigateway.http',
        'http.request.method': method,
        'http.route': route,
        'url.path': path,
        'url.scheme': 'https',
        'server.address': `${apiId}.execute-api.${region}.amazonaws.com`,
        'http.response.status_code': status,
        'user_agent.original': t.pick(USER_AGENTS),
        'client.address': `${1 + t.int(223)}.${t.int(256)}.${t.int(256)}.${t.int(256)}`,
        'user.id': userId,
        'aws.apigateway.stage': 'prod',
        'aws.apigateway.request_id': `${t.chars(ALNUM, 15)}=`,
        'network.protocol.version': t.pick(['1.1', '2']),
        'app.tenant.id': tenant,
      });
    } else if (service.trigger === 'pubsub') {
      const messageId = t.uuid();
      root = span(traceId, rootId, '', `${service.queue} process`, KIND.CONSUMER, rootStart, rootDur, {
        'faas.trigger': 'pubsub',
        ...common,
        'fntrace.trigger': 'aws.sqs',
        'messaging.system': 'aws_sqs',
        'messaging.operation.type': 'process',
        'messaging.operation.name': 'process',
        'messaging.destination.name': service.queue,
        'messaging.message.id': messageId,
        'messaging.batch.message_count': String(1 + t.int(10)),
        'fntrace.message.receive_count': t.pick(['1', '1', '1', '2']),
        'fntrace.message.sent_timestamp_ms': String(Number(rootStart / 1_000_000n) - 5 - t.int(2000)),
        'aws.sqs.queue.url': `https://sqs.${region}.amazonaws.com/${ACCOUNT}/${service.queue}`,
        'user.id': userId,
        'app.tenant.id': tenant,
        'app.order.id': orderId,
        'app.event.type': t.pick(['order.created', 'order.paid', 'order.shipped', 'order.cancelled']),
      });
      root.links = [
        {
          context: { traceId: id(16), spanId: id(8), traceFlags: 1, isRemote: true },
          attributes: { 'fntrace.link.type': 'producer', 'messaging.message.id': messageId },
        },
      ];
    } else if (service.trigger === 'timer') {
      const at = new Date(Number(rootStart / 1_000_000n)).toISOString();
      root = span(traceId, rootId, '', `${service.rule} scheduled`, KIND.SERVER, rootStart, rootDur, {
        'faas.trigger': 'timer',
        ...common,
        'fntrace.trigger': 'aws.scheduled',
        'faas.time': at,
        'fntrace.schedule.rule': service.rule,
        'fntrace.schedule.arn': `arn:aws:events:${region}:${ACCOUNT}:rule/${service.rule}`,
        'fntrace.eventbridge.source': 'aws.events',
        'fntrace.eventbridge.detail_type': 'Scheduled Event',
        'app.job.id': `job_${t.chars(B36, 14)}`,
        'app.job.batch': String(t.int(64)),
        'app.job.items': String(t.int(5000)),
        'app.tenant.id': tenant,
        'app.job.shard': `shard-${t.int(16)}`,
        'app.job.attempt': t.pick(['1', '1', '1', '2']),
        'app.report.format': t.pick(['csv', 'parquet', 'json']),
        'app.report.bucket': 'acme-reports-prod',
      });
    } else {
      root = span(traceId, rootId, '', `${service.table} stream`, KIND.CONSUMER, rootStart, rootDur, {
        'faas.trigger': 'datasource',
        ...common,
        'fntrace.trigger': 'aws.dynamodb',
        'faas.document.collection': service.table,
        'faas.document.operation': t.pick(['insert', 'insert', 'edit', 'delete']),
        'faas.document.name': `AUDIT#${t.chars(B36, 16)}`,
        'faas.document.time': new Date(Number(rootStart / 1_000_000n) - t.int(3000)).toISOString(),
        'fntrace.batch.record_count': String(1 + t.int(100)),
        'fntrace.batch.index': String(t.int(100)),
        'aws.dynamodb.stream.arn': `arn:aws:dynamodb:${region}:${ACCOUNT}:table/${service.table}/stream/2026-01-01T00:00:00.000`,
        'user.id': userId,
        'app.tenant.id': tenant,
        'app.audit.action': t.pick(['login', 'logout', 'update_profile', 'create_order', 'refund']),
        'app.audit.actor': userId,
        'aws.dynamodb.table_names': service.table,
        'app.stream.shard': `shardId-${String(t.int(8)).padStart(20, '0')}`,
      });
    }
    if (failed) {
      root.status = { code: 2, message: t.pick(['Task timed out', 'ConditionalCheckFailedException', 'upstream 502']) };
      root.events = [
        {
          name: 'exception',
          time: root.endTime,
          attributes: {
            'exception.type': 'Error',
            'exception.message': root.status.message,
            'exception.stacktrace': `Error: ${root.status.message}\n    at handler (/var/task/src/handlers/index.mjs:${t.int(400)}:13)`,
          },
          droppedAttributesCount: 0,
        },
      ];
    }
    spans.push(root);

    let childStart = rootStart + 1_000_000n;
    for (let c = 0; c < children && spans.length < spansPerRequest; c++) {
      const roll = rand();
      const dur = 1_000_000 + t.int(Math.max(1, Math.floor(rootDur / children) - 1_000_000));
      const spanId = id(8);
      let s;
      if (roll < 0.45) {
        const method = t.pick(DDB_METHODS);
        const table = t.pick(TABLES);
        s = span(traceId, spanId, rootId, `DynamoDB.${method}`, KIND.CLIENT, childStart, dur, {
          'rpc.system': 'aws-api',
          'rpc.service': 'DynamoDB',
          'rpc.method': method,
          'aws.dynamodb.table_names': table,
          'aws.request_id': t.chars(ALNUM, 52),
          'db.system.name': 'aws.dynamodb',
          'db.operation.name': method,
          'db.collection.name': table,
          'server.address': `dynamodb.${region}.amazonaws.com`,
          'server.port': '443',
          'http.response.status_code': '200',
          'cloud.region': region,
          'aws.dynamodb.consistent_read': t.pick(['false', 'false', 'true']),
          'aws.dynamodb.projection': t.pick(['id, status, total', 'pk, sk, data', 'id, email']),
          'aws.dynamodb.limit': t.pick(['1', '25', '100']),
          'app.key': `${table.toUpperCase()}#${t.chars(B36, 12)}`,
          'user.id': userId,
          'app.tenant.id': tenant,
          'code.function.name': t.pick(INTERNAL_OPS),
          'aws.dynamodb.consumed_capacity': `${(1 + t.int(40)) / 2}`,
        });
      } else if (roll < 0.65) {
        const ext = t.pick(EXTERNAL);
        const method = ext.host === 'api.stripe.com' ? t.pick(['GET', 'POST']) : 'POST';
        const path = t.pick(ext.paths).replace('{id}', () => `${t.chars(B36, 8)}${t.chars(ALNUM, 8)}`);
        s = span(traceId, spanId, rootId, method, KIND.CLIENT, childStart, dur, {
          'http.request.method': method,
          'url.full': `https://${ext.host}${path}`,
          'url.scheme': 'https',
          'url.path': path,
          'server.address': ext.host,
          'server.port': '443',
          'http.response.status_code': t.pick(STATUS_HTTP),
          'network.protocol.version': '1.1',
          'network.transport': 'tcp',
          'network.peer.address': `${1 + t.int(223)}.${t.int(256)}.${t.int(256)}.${t.int(256)}`,
          'http.request.header.x-request-id': t.uuid(),
          'http.request.body.size': String(t.int(4000)),
          'http.response.body.size': String(t.int(20000)),
          'user_agent.original': 'node-fetch/3.3.2',
          'user.id': userId,
          'app.tenant.id': tenant,
          'app.order.id': orderId,
          'code.function.name': t.pick(INTERNAL_OPS),
          'peer.service': ext.host.split('.')[1],
          'app.retry.attempt': t.pick(['0', '0', '0', '1']),
        });
      } else if (roll < 0.78) {
        const queue = t.pick(QUEUES);
        s = span(traceId, spanId, rootId, `${queue} send`, KIND.PRODUCER, childStart, dur, {
          'messaging.system': 'aws_sqs',
          'messaging.operation.type': 'send',
          'messaging.operation.name': 'SendMessage',
          'messaging.destination.name': queue,
          'messaging.message.id': t.uuid(),
          'messaging.message.body.size': String(200 + t.int(3000)),
          'rpc.system': 'aws-api',
          'rpc.service': 'SQS',
          'rpc.method': 'SendMessage',
          'aws.request_id': t.uuid(),
          'server.address': `sqs.${region}.amazonaws.com`,
          'server.port': '443',
          'http.response.status_code': '200',
          'cloud.region': region,
          'aws.sqs.queue.url': `https://sqs.${region}.amazonaws.com/${ACCOUNT}/${queue}`,
          'user.id': userId,
          'app.tenant.id': tenant,
          'app.order.id': orderId,
          'app.event.type': t.pick(['order.created', 'order.paid', 'order.shipped', 'order.cancelled']),
          'code.function.name': t.pick(INTERNAL_OPS),
        });
      } else {
        const op = t.pick(INTERNAL_OPS);
        s = span(traceId, spanId, rootId, op, KIND.INTERNAL, childStart, dur, {
          'code.function.name': op,
          'code.file.path': t.pick(FILES),
          'code.line.number': String(10 + t.int(500)),
          'app.order.id': orderId,
          'app.cart.items': String(1 + t.int(12)),
          'app.cart.total': `${t.int(50000) / 100}`,
          'app.currency': t.pick(['USD', 'USD', 'EUR', 'GBP']),
          'app.tenant.id': tenant,
          'user.id': userId,
          'app.feature_flag.new_checkout': t.pick(['on', 'off']),
          'app.discount.code': t.pick(['NONE', 'NONE', 'SPRING10', 'VIP20']),
          'app.customer.tier': t.pick(['free', 'pro', 'enterprise']),
          'app.locale': t.pick(['en-US', 'en-GB', 'de-DE', 'fr-FR', 'es-ES']),
          'app.shipping.country': t.pick(['US', 'GB', 'DE', 'FR', 'ES', 'CA']),
          'app.payment.method': t.pick(['card', 'paypal', 'apple_pay']),
          'app.cache.hit': t.pick(['true', 'false']),
          'app.items.sku': `SKU-${t.int(100000)}`,
          'app.price.list': `pl_${t.int(20)}`,
          'app.validation.rules': String(t.int(30)),
          'app.request.id': correlationId,
        });
      }
      spans.push(s);
      childStart += BigInt(dur) + BigInt(t.int(2_000_000));
    }
  }
  return spans;
}

/** One OTLP/protobuf ExportTraceServiceRequest body, as OTLPTraceExporter (proto) sends it. */
export function encodeRequest(k, options) {
  const bytes = ProtobufTraceSerializer.serializeRequest(requestSpans(k, options));
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * The start of the time window: 01:00 UTC yesterday, so one day's partition holds every span
 * and none is in the future (the collector refuses spans more than --max-future-skew ahead).
 */
export function windowStartNs(now = Date.now()) {
  const yesterday = (Math.floor(now / 86_400_000) - 1) * 86_400_000;
  return BigInt(yesterday + 3_600_000) * 1_000_000n;
}

/**
 * Bodies of requests [0, count), encoded by `workers` worker threads in parallel (the
 * serializer makes ~90k spans/s on one core here).
 */
export async function encodeRequests(count, { workers = 2, ...options }) {
  const { Worker } = await import('node:worker_threads');
  const per = Math.ceil(count / workers);
  const jobs = [];
  for (let w = 0; w < workers; w++) {
    const from = w * per;
    const to = Math.min(count, from + per);
    if (from >= to) break;
    jobs.push(
      new Promise((resolve, reject) => {
        const worker = new Worker(new URL('./ingest-encode-worker.mjs', import.meta.url), {
          workerData: { from, to, options: { ...options, baseNs: String(options.baseNs) } },
        });
        worker.once('message', (buffers) => resolve(buffers.map((b) => Buffer.from(b))));
        worker.once('error', reject);
        worker.once('exit', (code) => code !== 0 && reject(new Error(`encoder worker exited with ${code}`)));
      }),
    );
  }
  return (await Promise.all(jobs)).flat();
}
