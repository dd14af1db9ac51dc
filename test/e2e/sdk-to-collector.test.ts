import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error — plain ES modules of the example app
import { startLocalAws } from '../../examples/aws-lambda/local-aws.mjs';
// @ts-expect-error — plain ES modules of the example app
import { runLocal } from '../../examples/aws-lambda/run-local.mjs';
import { api } from '../collector/fixtures.js';
import { useCollector } from '../collector/helpers.js';

// The whole data path: the example functions, wrapped by @fntrace/sdk and run in local
// Lambda environments, export to the real collector; the query API reads it back.
const c = useCollector();
const EXAMPLES = resolve(import.meta.dirname, '../../examples/aws-lambda');
let api1: any;
let worker: any;
let aws: any;

beforeAll(async () => {
  // the real SQS client in orders-api, against a local stand-in for SQS
  aws = await startLocalAws();
  const order = JSON.parse(readFileSync(join(EXAMPLES, 'events/create-order.json'), 'utf8'));
  const second = {
    ...order,
    headers: { ...order.headers, 'x-correlation-id': 'e2e-2' },
    body: JSON.stringify({ item: 'lamp', quantity: 1 }),
  };
  api1 = await runLocal({
    handler: join(EXAMPLES, 'orders-api.mjs'),
    functionName: 'orders-api',
    endpoint: c.url,
    env: { AWS_ENDPOINT_URL: aws.url, ORDERS_QUEUE_URL: `${aws.url}/123456789012/orders-queue` },
    invocations: [{ event: order }, { event: second }],
    sequential: true,
  });
  worker = await runLocal({
    handler: join(EXAMPLES, 'order-worker.mjs'),
    functionName: 'order-worker',
    endpoint: c.url,
    invocations: [{ event: aws.sqsEvent('orders-queue') }],
  });
  await c.drained();
}, 60_000);

afterAll(() => aws?.close());

describe('SDK → collector → query API', () => {
  it('finds the first order by correlation id, cold start and function', async () => {
    const { traces } = await api(c.url, '/api/traces?correlationId=demo-checkout-1');
    expect(traces).toHaveLength(1);
    expect(traces[0]).toMatchObject({
      rootService: 'orders-api',
      rootOperation: 'POST /orders',
      coldStarts: 1,
      invocations: 1,
    });
    expect(traces[0].services).toEqual(['order-worker', 'orders-api']);
    const cold = await api(c.url, '/api/traces?function=orders-api&coldStart=true');
    expect(cold.traces.map((t: any) => t.traceId)).toEqual([traces[0].traceId]);
  });

  it('reads the order as one trace: request, queue send, and the worker record under it', async () => {
    const { traces } = await api(c.url, '/api/traces?correlationId=demo-checkout-1');
    const view = await api(c.url, `/api/traces/${traces[0].traceId}`);
    expect(view.spans.map((s: any) => [s.name, s.depth, s.service])).toEqual([
      ['POST /orders', 0, 'orders-api'],
      ['init', 1, 'orders-api'],
      ['orders-queue send', 1, 'orders-api'],
      ['orders-queue process', 2, 'order-worker'],
    ]);
    expect(view.invocations.map((i: any) => [i.functionName, i.coldStart, i.outcome])).toEqual([
      ['orders-api', true, 'ok'],
    ]);
    const logs = await api(c.url, `/api/traces/${traces[0].traceId}/logs`);
    expect(logs.logs.map((l: any) => l.body)).toEqual(['order received', 'order queued', 'order fulfilled']);
    expect(logs.logs[2].spanId).toBe(view.spans[3].spanId);
  });

  it('joins both orders and the batch invocation into one journey with queue dwell', async () => {
    const { traces } = await api(c.url, '/api/traces?correlationId=demo-checkout-1');
    const j = await api(c.url, `/api/traces/${traces[0].traceId}/journey`);
    expect(j.traces).toHaveLength(3);
    const hops = j.edges.filter((e: any) => e.kind === 'message');
    expect(hops).toHaveLength(2);
    for (const h of hops) expect(h.dwellMs).toBeGreaterThan(0);
    expect(j.costUsd).toBeGreaterThan(0);
  });

  it('draws the service map with the queue as its own node', async () => {
    const map = await api(c.url, '/api/map?since=1h');
    expect(map.nodes.map((n: any) => n.id).sort()).toEqual(['order-worker', 'orders-api', 'queue:orders-queue']);
    const publish = map.edges.find((e: any) => e.kind === 'publish');
    expect(publish).toMatchObject({ source: 'orders-api', target: 'queue:orders-queue', count: 2 });
    const consume = map.edges.find((e: any) => e.kind === 'consume');
    expect(consume).toMatchObject({ source: 'queue:orders-queue', target: 'order-worker', count: 2 });
    expect(consume.dwellP95Ms).toBeGreaterThan(0);
  });

  it('lists invocations with cost, and metrics per function', async () => {
    const { invocations } = await api(c.url, '/api/invocations?function=order-worker');
    expect(invocations).toHaveLength(1);
    expect(invocations[0]).toMatchObject({ coldStart: true, trigger: 'pubsub', memoryMb: 256, outcome: 'ok' });
    expect(invocations[0].requestId).toBeUndefined();
    expect(invocations[0].invocationId).toBe(worker.outcomes[0].requestId);
    const m = await api(c.url, '/api/metrics?groupBy=function&since=1h');
    const api2 = m.series.find((s: any) => s.group === 'orders-api');
    const total = api2.points.reduce((n: number, p: any) => n + p.count, 0);
    expect(total).toBe(api1.outcomes.length);
    // the one cold start: its init duration is every init percentile of its bucket
    const cold = api2.points.filter((p: any) => p.coldStartPercent > 0);
    expect(cold).toHaveLength(1);
    const { invocations: coldOnes } = await api(c.url, '/api/invocations?function=orders-api&coldStart=true');
    const init = coldOnes[0].initDurationMs;
    expect(init).toBeGreaterThan(0);
    expect([cold[0].initP50Ms, cold[0].initP95Ms, cold[0].initP99Ms]).toEqual([init, init, init]);
    for (const p of api2.points.filter((p: any) => p.coldStartPercent === 0))
      expect([p.initP50Ms, p.initP95Ms, p.initP99Ms]).toEqual([null, null, null]);
  });

  it('searches logs by correlation id and level', async () => {
    const { logs } = await api(c.url, '/api/logs?correlationId=e2e-2');
    expect(logs.map((l: any) => l.body).sort()).toEqual(['order fulfilled', 'order queued', 'order received']);
    const none = await api(c.url, '/api/logs?level=warn&service=orders-api');
    expect(none.logs).toEqual([]);
  });
});
