import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error — plain ES modules of the example app
import { startLocalAws } from '../../examples/aws-lambda/local-aws.mjs';
// @ts-expect-error — plain ES modules of the example app
import { runLocal } from '../../examples/aws-lambda/run-local.mjs';
import { startWebhookReceiver } from './alerts/webhook-receiver.js';
import { load, send } from './fixtures.js';
import { useCollector } from './helpers.js';
import { invocationBatch, numberedInvocation } from './numbered-invocations.js';

// Every route of /api/openapi.json called on the real collector — reads over the stitching
// fixtures and over traces the SDK's example functions sent, writes, and every error answer a
// request can provoke — and each real body validated against the document's schema for that
// route and status. A route without an answer schema, an answer it does not document, a body
// its schema refuses (a field missing, or one the schema does not list), a documented answer
// never seen, or a route served but not documented (or the reverse) fails.

const TOKEN = 'openapi-responses-0123456789abcdef';
const FILE_RULE = { id: 'from-file', name: 'from file', signal: 'error_rate', comparator: '>', threshold: 50 };
// alerts: false — no evaluation in the background: the test evaluates rules itself, at once
const options: Record<string, unknown> = { orphanGraceMs: 60_000, apiToken: TOKEN, alerts: false };
const c = useCollector(options, { alertRetryBaseMs: 50 }, (dataDir) => {
  // a rules file, for the answers about read-only rules
  options.alertRules = join(dataDir, 'rules.json');
  writeFileSync(options.alertRules as string, JSON.stringify({ rules: [FILE_RULE] }));
});

const SHAPES = [
  'sqs-fan-in-3-producers',
  'orphan-platform-parent',
  'orphan-pending-parent',
  'orphan-lost-parent',
  'skewed-child-invocation',
  'message-id-stitch-without-context',
  'late-span-arrives-after-summary',
];
const EXAMPLES = resolve(import.meta.dirname, '../../examples/aws-lambda');

let hooks: Awaited<ReturnType<typeof startWebhookReceiver>>;
let aws: any;
let doc: any;

beforeAll(async () => {
  for (const shape of SHAPES) for (const b of load(shape).batches) await send(c.url, b);
  // the SDK's example functions in local Lambda environments: an API that queues orders (one
  // without an item, one whose body is not JSON: an error with its exception event) and the
  // SQS worker that consumes them
  aws = await startLocalAws();
  const order = JSON.parse(readFileSync(join(EXAMPLES, 'events/create-order.json'), 'utf8'));
  await runLocal({
    handler: join(EXAMPLES, 'orders-api.mjs'),
    functionName: 'orders-api',
    endpoint: c.url,
    env: { AWS_ENDPOINT_URL: aws.url, ORDERS_QUEUE_URL: `${aws.url}/123456789012/orders-queue` },
    invocations: [
      { event: order },
      { event: { ...order, body: JSON.stringify({ quantity: 1 }) } },
      { event: { ...order, body: 'not json' } },
      { event: { ...order, headers: { ...order.headers, 'x-correlation-id': 'openapi-2' } } },
    ],
    sequential: true,
  });
  await runLocal({
    handler: join(EXAMPLES, 'order-worker.mjs'),
    functionName: 'order-worker',
    endpoint: c.url,
    invocations: [{ event: aws.sqsEvent('orders-queue') }],
  });
  await c.drained();
  hooks = await startWebhookReceiver();
  doc = (await call('GET', '/api/openapi.json', { record: false })).body;
}, 60_000);

afterAll(async () => {
  await hooks?.close();
  await aws?.close();
});

// ——— calling the API, and checking each answer against the document ———

interface Answer {
  method: string;
  /** the route as the document names it: `/api/traces/{traceId}` */
  route: string;
  status: number;
  body: unknown;
  text: string;
}
const seen: Answer[] = [];

/**
 * One request to `route` (path parameters from `params`), with the API token unless
 * `token: false`; the answer is checked against the document and recorded.
 */
async function call(
  method: string,
  route: string,
  o: {
    params?: Record<string, string>;
    query?: string;
    body?: unknown;
    token?: boolean;
    record?: boolean;
  } = {},
): Promise<Answer> {
  const path = route.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(o.params?.[name] ?? ''));
  const headers: Record<string, string> = {};
  if (o.token !== false) headers.authorization = `Bearer ${TOKEN}`;
  if (o.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${c.url}${path}${o.query ? `?${o.query}` : ''}`, {
    method,
    headers,
    body: o.body === undefined ? undefined : JSON.stringify(o.body),
  });
  const text = await res.text();
  const answer = { method, route, status: res.status, body: text === '' ? undefined : JSON.parse(text), text };
  if (o.record !== false) {
    seen.push(answer);
    documented(answer);
  }
  return answer;
}

const ajv = new Ajv({ strict: false, allErrors: true });
const validators = new Map<string, ValidateFunction>();

/** Fails unless the document lists this answer, and its schema takes the body. */
function documented(a: Answer): void {
  const where = `${a.method} ${a.route} → ${a.status}`;
  const responses = doc.paths[a.route]?.[a.method.toLowerCase()]?.responses;
  if (!responses) throw new Error(`${a.method} ${a.route} is not in /api/openapi.json`);
  const response = responses[String(a.status)];
  if (!response) throw new Error(`${where} is not documented (the body: ${a.text.slice(0, 300)})`);
  const schema = response.content?.['application/json']?.schema;
  if (!schema) {
    expect(a.text, `${where} documents no body`).toBe('');
    return;
  }
  let validate = validators.get(where);
  if (!validate) {
    validate = ajv.compile(schema);
    validators.set(where, validate);
  }
  if (!validate(a.body)) {
    const errors = validate
      .errors!.slice(0, 5)
      .map((e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
    throw new Error(`${where}: the body does not match its schema:\n  ${errors.join('\n  ')}`);
  }
}

const operations = () =>
  Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([route, methods]) =>
    Object.entries(methods).map(([method, op]) => ({ method: method.toUpperCase(), route, op })),
  );

const ok = async (method: string, route: string, o: Parameters<typeof call>[2] = {}) => {
  const a = await call(method, route, o);
  expect(a.status, `${method} ${route}?${o.query ?? ''}: ${a.text.slice(0, 300)}`).toBeLessThan(300);
  return a.body as any;
};
const refused = async (status: number, method: string, route: string, o: Parameters<typeof call>[2] = {}) => {
  const a = await call(method, route, o);
  expect(a.status, `${method} ${route}?${o.query ?? ''}: ${a.text.slice(0, 300)}`).toBe(status);
};

const UNKNOWN_TRACE = `${'00'.repeat(15)}01`;

describe('the OpenAPI document', () => {
  it('documents every /api route the collector serves, and no other', () => {
    const served = c.routes
      // HEAD routes are fastify's automatic twins of the GET ones; the document hides itself
      .filter((r) => r.url.startsWith('/api/') && r.method !== 'HEAD' && r.url !== '/api/openapi.json')
      .map((r) => `${r.method} ${r.url.replace(/:(\w+)/g, '{$1}')}`)
      .sort();
    expect(
      operations()
        .map((o) => `${o.method} ${o.route}`)
        .sort(),
    ).toEqual(served);
    expect(served.length).toBeGreaterThan(15);
  });

  it('gives every route its answers: a body schema for each, none for 204', () => {
    for (const { method, route, op } of operations()) {
      const statuses = Object.keys(op.responses);
      for (const status of statuses) {
        const schema = op.responses[status].content?.['application/json']?.schema;
        if (status === '204') expect(schema, `${method} ${route} → 204`).toBeUndefined();
        else expect(schema?.type, `${method} ${route} → ${status}: no answer schema`).toBe('object');
      }
      expect(
        statuses.some((s) => /^2\d\d$/.test(s)),
        `${method} ${route}: no success answer`,
      ).toBe(true);
      expect(statuses, `${method} ${route}: no 401 (the --api-token answer)`).toContain('401');
    }
  });
});

describe('every answer matches its schema', () => {
  it('searches traces, a page at a time, and reads each one: tree, journey, logs', async () => {
    const first = await ok('GET', '/api/traces', { query: 'limit=5' });
    expect(first.nextCursor).toEqual(expect.any(String));
    await ok('GET', '/api/traces', { query: `limit=5&cursor=${encodeURIComponent(first.nextCursor)}` });
    await ok('GET', '/api/traces', { query: 'sort=duration&status=error&attr=faas.trigger%3Dpubsub&coldStart=true' });
    await ok('GET', '/api/traces/points', { query: 'since=1h' });
    await ok('GET', '/api/traces/points', { query: 'limit=3&minDurationMs=1' });
    const { traces } = await ok('GET', '/api/traces', { query: 'limit=100' });
    // the fixtures' traces and the SDK's: four orders (one queued hop per good order) and the batch
    expect(traces.length).toBeGreaterThan(15);
    for (const { traceId } of traces) {
      const view = await ok('GET', '/api/traces/{traceId}', { params: { traceId } });
      expect(view.spans.length).toBeGreaterThan(0);
      await ok('GET', '/api/traces/{traceId}/journey', { params: { traceId } });
      await ok('GET', '/api/traces/{traceId}/logs', { params: { traceId } });
    }
    await ok('GET', '/api/traces/{traceId}/journey', { params: { traceId: 'd4'.repeat(16) }, query: 'maxTraces=2' });
    // trace ids by a prefix, and a trace by a unique prefix of its id
    const some = traces[0].traceId as string;
    expect((await ok('GET', '/api/traces/ids', { query: `prefix=${some.slice(0, 31)}` })).traceIds).toEqual([
      { traceId: some, startMs: expect.any(Number) },
    ]);
    await ok('GET', '/api/traces/ids', { query: 'prefix=0000&limit=1' });
    expect((await ok('GET', '/api/traces/{traceId}', { params: { traceId: some.slice(0, 31) } })).traceId).toBe(some);

    // what the bodies held, so that each part of the schemas was exercised
    const bodies = seen.filter((a) => a.route === '/api/traces/{traceId}').map((a) => a.body as any);
    const spans = bodies.flatMap((v) => v.spans);
    expect(spans.some((s) => s.virtual)).toBe(true);
    expect(spans.some((s) => s.skewAdjustedMs !== undefined)).toBe(true);
    expect(spans.some((s) => s.events.length > 0)).toBe(true);
    expect(spans.some((s) => s.links.length > 0)).toBe(true);
    expect(bodies.some((v) => v.invocations.some((i: any) => i.outcome === 'error'))).toBe(true);
    const logs = seen.filter((a) => a.route === '/api/traces/{traceId}/logs').flatMap((a) => (a.body as any).logs);
    expect(logs.length).toBeGreaterThan(0);

    await refused(400, 'GET', '/api/traces', { query: 'status=maybe' });
    await refused(400, 'GET', '/api/traces', { query: 'cursor=abc' });
    await refused(400, 'GET', '/api/traces/points', { query: 'limit=5000' });
    await refused(400, 'GET', '/api/traces/{traceId}', { params: { traceId: 'not-a-trace-id' } });
    await refused(404, 'GET', '/api/traces/{traceId}', { params: { traceId: UNKNOWN_TRACE } });
    await refused(400, 'GET', '/api/traces/{traceId}/journey', {
      params: { traceId: UNKNOWN_TRACE },
      query: 'maxTraces=0',
    });
    await refused(404, 'GET', '/api/traces/{traceId}/journey', { params: { traceId: UNKNOWN_TRACE } });
    await refused(400, 'GET', '/api/traces/{traceId}/logs', { params: { traceId: 'xyz' } });
    await refused(404, 'GET', '/api/traces/{traceId}/logs', { params: { traceId: 'fedcba98' } });
    await refused(400, 'GET', '/api/traces/ids', { query: 'prefix=abc' });
  });

  it('lists services, operations, invocations and logs; draws metrics and the map', async () => {
    const { services } = await ok('GET', '/api/services', { query: 'since=1h' });
    expect(services.length).toBeGreaterThan(5);
    for (const { service } of services) await ok('GET', '/api/services/{service}/operations', { params: { service } });
    for (const groupBy of ['service', 'operation', 'function'])
      await ok('GET', '/api/metrics', { query: `groupBy=${groupBy}&since=1h&step=10s` });
    const fns = await ok('GET', '/api/metrics', { query: 'groupBy=function&since=30m&step=1s' });
    const points = fns.series.flatMap((s: any) => s.points);
    // a bucket with a cold start, and one without (its init percentiles are null)
    expect(points.some((p: any) => p.initP95Ms === null)).toBe(true);
    expect(points.some((p: any) => typeof p.initP95Ms === 'number')).toBe(true);
    const map = await ok('GET', '/api/map', { query: 'since=1h' });
    expect(map.edges.some((e: any) => e.kind === 'consume' && e.dwellP95Ms !== undefined)).toBe(true);
    const { invocations } = await ok('GET', '/api/invocations');
    expect(invocations.length).toBeGreaterThan(5);
    await ok('GET', '/api/invocations', { query: 'coldStart=true&outcome=ok&limit=5' });
    await ok('GET', '/api/logs', { query: 'since=1h' });
    await ok('GET', '/api/logs', { query: 'level=warn&text=order' });

    await refused(400, 'GET', '/api/services', { query: 'since=yesterday' });
    await refused(400, 'GET', '/api/services/{service}/operations', { params: { service: 'x' }, query: 'start=soon' });
    await refused(400, 'GET', '/api/metrics', { query: 'step=1.5m' });
    await refused(400, 'GET', '/api/map', { query: 'start=2000&end=1000' });
    await refused(400, 'GET', '/api/invocations', { query: 'outcome=maybe' });
    // an environment that skipped its second invocation, after a timeout
    const t0 = Date.now() - 120_000;
    const numbered = [1, 3].map((n) =>
      numberedInvocation('gap-fn', 'e0', n, t0 + n * 1000, { outcome: n === 1 ? 'timeout' : 'ok' }),
    );
    await send(c.url, invocationBatch('gap-fn', numbered));
    await c.drained();
    const loss = await ok('GET', '/api/telemetry-loss', { query: 'since=1h&grace=0s' });
    expect(loss.gaps.map((g: any) => [g.function, g.cause])).toEqual([['gap-fn', 'previous_timeout']]);
    expect(loss.functions.some((f: any) => f.coveragePercent === 100)).toBe(true);
    await refused(400, 'GET', '/api/telemetry-loss', { query: 'grace=soon' });
    const noted = await ok('GET', '/api/invocations', { query: 'function=gap-fn&lost=true' });
    expect(noted.lostAfter.map((g: any) => g.before.invocationId)).toEqual(['e0-1']);
    await refused(400, 'GET', '/api/logs', { query: 'level=loud' });
  });

  it('creates, evaluates, previews, silences, replaces and deletes alert rules', async () => {
    const engine = c.server.parts().engine;
    const channels = [
      { type: 'webhook', url: `${hooks.url}/hook/secret-token` },
      { type: 'slack', url: `${hooks.url}/slack/secret-token` },
    ];
    const busy = { signal: 'throughput', comparator: '>=', threshold: 0, window: '1h', channels };
    hooks.failNext('/hook/secret-token', 1); // a failed delivery attempt, then a delivered one
    const { rule } = await ok('POST', '/api/alerts/rules', {
      body: { name: 'orders busy', target: { service: 'orders-api' }, ...busy },
    });
    const grouped = (await ok('POST', '/api/alerts/rules', { body: { name: 'any busy', groupBy: 'service', ...busy } }))
      .rule;
    // silenced before it fires: its notifications are held (history says so)
    const { silence } = await ok('POST', '/api/alerts/silences', {
      body: { ruleId: grouped.id, durationMinutes: 30, comment: 'quiet' },
    });
    await ok('POST', '/api/alerts/silences', { body: { ruleId: rule.id, group: 'x', until: '2099-01-01T00:00:00Z' } });
    for (const r of [rule, grouped, FILE_RULE]) await engine.evaluate(engine.ruleById(r.id)!.rule, Date.now());
    await engine.idle();

    const { rules } = await ok('GET', '/api/alerts/rules');
    expect(rules.map((r: any) => r.source)).toEqual(['file', 'api', 'api']);
    expect(rules.find((r: any) => r.rule.id === grouped.id).silencedUntil).toEqual(expect.any(Number));
    expect(rules.find((r: any) => r.rule.id === grouped.id).states.length).toBeGreaterThan(1);
    const { history } = await ok('GET', '/api/alerts/history');
    expect(new Set(history.map((h: any) => h.kind))).toEqual(new Set(['transition', 'delivery', 'silenced']));
    expect(history.some((h: any) => h.status === 'failed')).toBe(true);
    await ok('GET', '/api/alerts/history', { query: `rule=${rule.id}&limit=5` });
    await ok('POST', '/api/alerts/preview', { body: { name: 'preview', ...busy } });
    const { silences } = await ok('GET', '/api/alerts/silences');
    expect(silences).toHaveLength(2);

    // a rule read back and sent again (its channel URLs masked) replaces it
    const shown = rules.find((r: any) => r.rule.id === rule.id).rule;
    await ok('PUT', '/api/alerts/rules/{id}', { params: { id: rule.id }, body: { ...shown, threshold: 1 } });
    await ok('DELETE', '/api/alerts/silences/{id}', { params: { id: silence.id } });
    await ok('DELETE', '/api/alerts/rules/{id}', { params: { id: grouped.id } });

    const bad = { name: 'bad', signal: 'latency_p95', comparator: '≈', threshold: 1 };
    await refused(400, 'POST', '/api/alerts/rules', { body: { signal: 'latency_p95' } });
    await refused(409, 'POST', '/api/alerts/rules', { body: { name: 'orders busy', ...busy } });
    await refused(400, 'PUT', '/api/alerts/rules/{id}', { params: { id: rule.id }, body: bad });
    await refused(409, 'PUT', '/api/alerts/rules/{id}', { params: { id: FILE_RULE.id }, body: FILE_RULE });
    await refused(404, 'DELETE', '/api/alerts/rules/{id}', { params: { id: 'no-such-rule' } });
    await refused(409, 'DELETE', '/api/alerts/rules/{id}', { params: { id: FILE_RULE.id } });
    await refused(400, 'POST', '/api/alerts/preview', { body: bad });
    await refused(400, 'POST', '/api/alerts/silences', { body: { ruleId: rule.id, until: 'soon' } });
    await refused(400, 'POST', '/api/alerts/silences', { body: { durationMinutes: 5 } });
    await refused(404, 'POST', '/api/alerts/silences', { body: { ruleId: 'no-such-rule' } });
    await refused(404, 'DELETE', '/api/alerts/silences/{id}', { params: { id: silence.id } });
    await refused(400, 'GET', '/api/alerts/history', { query: 'limit=0' });
  });

  it('answers 401 on every route without the token', async () => {
    for (const { method, route, op } of operations()) {
      const params = Object.fromEntries(
        (op.parameters ?? []).filter((p: any) => p.in === 'path').map((p: any) => [p.name, 'x']),
      );
      const body = op.requestBody ? {} : undefined;
      await refused(401, method, route, { params, body, token: false });
    }
  });

  it('has given every documented answer but a storage failure', () => {
    const given = new Set(seen.map((a) => `${a.method} ${a.route} ${a.status}`));
    const never = operations().flatMap(({ method, route, op }) =>
      Object.keys(op.responses)
        // 500: the store failing mid-query, which nothing here provokes
        .filter((status) => status !== '500' && !given.has(`${method} ${route} ${status}`))
        .map((status) => `${method} ${route} ${status}`),
    );
    expect(never).toEqual([]);
  });
});
