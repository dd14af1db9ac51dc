import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTempDir } from '../helpers/cleanup.js';
import { type DemoRun, startDemo } from './demo-process.js';

// The journey `npm start` shows, read back through the collector's query API (docs/api.md): a
// checkout from a Cloudflare Worker (workerd) through the orders API on Lambda, its SQS queue,
// the Lambda worker and its Pub/Sub topic, to a Cloud Run function (functions-framework) — all
// of it from the SDK inside those functions. The demo runs with --fast: its incidents come
// every few seconds and its alert rules have 10-second windows evaluated every 2 s.
const dir = useTempDir('fntrace-journey-test-');
let demo: DemoRun;
let url = '';
let traceId = '';

beforeAll(async () => {
  demo = startDemo(dir.path, ['--fast']);
  const [, base, id] = await demo.until(/This journey: (http:\/\/127\.0\.0\.1:\d+)\/#\/trace\/([0-9a-f]{32})/);
  url = base!;
  traceId = id!;
}, 120_000);
afterAll(() => demo?.kill());

async function api(path: string): Promise<any> {
  const res = await fetch(`${url}/api/${path}`);
  expect(res.status, `${path}: ${await res.clone().text()}`).toBe(200);
  return res.json();
}

/** Polls `read` until `done` holds for what it answers (the test's timeout ends a wait that never does). */
async function until<T>(read: () => Promise<T>, done: (v: T) => boolean): Promise<T> {
  for (;;) {
    const v = await read();
    if (done(v)) return v;
    await new Promise((r) => setTimeout(r, 500));
  }
}

const spansOf = (view: any) => view.spans.filter((s: any) => !s.virtual);

describe('the demo journey through the query API', () => {
  it('is one trace from the edge to fulfilment: four functions on three platforms, joined by HTTP, a queue and a topic', async () => {
    const view = await api(`traces/${traceId}`);
    const spans = spansOf(view);
    const root = spans[0];
    expect(root).toMatchObject({ service: 'storefront', kind: 'Server', depth: 0 });
    const entries = spans.filter((s: any) => s.kind === 'Server' || s.kind === 'Consumer');
    const hop = (service: string, name: string) => entries.find((s: any) => s.service === service && s.name === name);
    const provider = (s: any) => [s.resource['cloud.provider'], s.resource['cloud.platform']];
    expect(provider(root)).toEqual(['cloudflare', 'cloudflare.workers']);
    expect(provider(hop('orders-api', 'POST /orders'))).toEqual(['aws', 'aws_lambda']);
    expect(provider(hop('order-worker', 'orders-queue process'))).toEqual(['aws', 'aws_lambda']);
    expect(provider(hop('fulfilment', 'order-events process'))).toEqual(['gcp', 'gcp_cloud_functions']);

    // each hop's span descends from the one before it: the context crossed every boundary
    const byId = new Map(spans.map((s: any) => [s.spanId, s]));
    const ancestors = (s: any): string[] => {
      const out: string[] = [];
      for (let p = byId.get(s.parentSpanId) as any; p; p = byId.get(p.parentSpanId)) out.push(`${p.service} ${p.name}`);
      return out;
    };
    expect(ancestors(hop('fulfilment', 'order-events process'))).toEqual(
      expect.arrayContaining([
        'order-worker order-events send',
        'order-worker orders-queue process',
        'orders-api orders-queue send',
        'orders-api POST /orders',
        'storefront POST',
      ]),
    );

    const journey = await api(`traces/${traceId}/journey`);
    expect(journey.traces.map((t: any) => t.traceId)).toContain(traceId);
    // this checkout's own hops (a batch the worker took may bring other checkouts into the journey)
    const hops = journey.edges.filter(
      (e: any) => e.kind === 'message' && (e.fromTraceId === traceId || e.toTraceId === traceId),
    );
    expect([...new Set(hops.map((e: any) => e.destination))].sort()).toEqual(['order-events', 'orders-queue']);
    for (const h of hops) expect(h.dwellMs).toBeGreaterThanOrEqual(0);
  });

  it('marks cold starts with their init duration on Lambda and Cloud Run, and the isolate start at the edge', async () => {
    for (const fn of ['orders-api', 'order-worker', 'fulfilment']) {
      const { invocations } = await api(`invocations?function=${fn}&coldStart=true&since=1h`);
      expect(invocations.length, fn).toBeGreaterThan(0);
      for (const i of invocations) expect(i.initDurationMs, fn).toBeGreaterThan(0);
    }
    const edge = await api('traces?service=storefront&coldStart=true&since=1h');
    expect(edge.traces.length).toBeGreaterThan(0);
  });

  it('has the log lines of every function, each on a span of the journey', async () => {
    const view = await api(`traces/${traceId}`);
    const ids = new Set(spansOf(view).map((s: any) => s.spanId));
    const { logs } = await api(`traces/${traceId}/logs`);
    for (const l of logs) {
      expect(l.traceId).toBe(traceId);
      expect(ids.has(l.spanId), `${l.service}: ${l.body}`).toBe(true);
    }
    const said = logs.map((l: any) => `${l.service}: ${l.body}`);
    expect(said).toEqual(
      expect.arrayContaining([
        'storefront: checkout',
        'orders-api: payment captured',
        'orders-api: order queued',
        'order-worker: order saved, fulfilment requested',
        'fulfilment: order event received',
      ]),
    );
    // the same lines by the correlation id the shopper's request carried
    const correlationId = view.spans[0].attributes['fntrace.correlation_id'];
    expect(correlationId).toMatch(/^shop-[0-9a-z]{5}-\d+$/);
    const byCorrelation = await api(`logs?correlationId=${correlationId}&since=1h`);
    expect(byCorrelation.logs.map((l: any) => l.spanId).sort()).toEqual(logs.map((l: any) => l.spanId).sort());
  });

  it("fires the demo's alert rule on its slow dependency, the payments provider", async () => {
    const rule = await until(
      async () => (await api('alerts/rules')).rules.find((r: any) => r.rule.id === 'checkout-slow'),
      (r) => r.states.some((s: any) => s.state === 'firing'),
    );
    expect(rule).toMatchObject({
      source: 'file',
      rule: { signal: 'latency_p95', target: { service: 'orders-api', operation: 'POST /orders' }, threshold: 400 },
    });
    expect(rule.states.find((s: any) => s.state === 'firing').value).toBeGreaterThan(400);

    // what was slow: the orders API's calls to the payments provider
    const { traces } = await api('traces?service=orders-api&operation=POST&spanMinDurationMs=400&since=1h');
    expect(traces.length).toBeGreaterThan(0);
    const slow = spansOf(await api(`traces/${traces[0].traceId}`)).find(
      (s: any) => s.service === 'orders-api' && s.kind === 'Client' && s.durationMs >= 400,
    );
    expect(slow.attributes['url.full']).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1\/charges$/);
  }, 120_000);

  it('gives every page of the dashboard something to show: services, their charts, the map, logs and alert rules', async () => {
    const FUNCTIONS = ['fulfilment', 'order-worker', 'orders-api', 'storefront'];
    const { services } = await api('services?since=1h');
    expect(services.map((s: any) => s.service).sort()).toEqual(FUNCTIONS);
    const metrics = await api('metrics?groupBy=function&since=15m');
    for (const fn of FUNCTIONS) {
      const series = metrics.series.find((s: any) => s.group === fn);
      expect(
        series?.points.some((p: any) => p.count > 0 && p.p95Ms > 0),
        fn,
      ).toBe(true);
    }
    const map = await api('map?since=1h');
    expect(map.nodes.map((n: any) => n.id)).toEqual(
      expect.arrayContaining([...FUNCTIONS, 'queue:order-events', 'queue:orders-queue']),
    );
    const edges = map.edges.map((e: any) => `${e.kind} ${e.source} → ${e.target}`);
    expect(edges).toEqual(
      expect.arrayContaining([
        'call storefront → orders-api',
        'publish orders-api → queue:orders-queue',
        'consume queue:orders-queue → order-worker',
        'publish order-worker → queue:order-events',
        'consume queue:order-events → fulfilment',
      ]),
    );
    const { logs } = await api('logs?since=1h&limit=50');
    expect(new Set(logs.map((l: any) => l.service)).size).toBeGreaterThan(1);
    const { rules } = await api('alerts/rules');
    expect(rules.map((r: any) => [r.rule.id, r.source]).sort()).toEqual([
      ['checkout-errors', 'file'],
      ['checkout-slow', 'file'],
      ['orders-api-timeouts', 'file'],
    ]);
  });

  it('starts instances for bursts and reaps idle ones: more than one cold start of the orders API', async () => {
    await demo.until(/orders-api: idle instance reaped/);
    const { invocations } = await until(
      () => api('invocations?function=orders-api&coldStart=true&since=1h'),
      (r) => r.invocations.length > 1,
    );
    expect(new Set(invocations.map((i: any) => i.invocationId)).size).toBe(invocations.length);
  }, 120_000);

  it('stops everything on Ctrl-C: SIGINT to its process group, exit 0, nothing left running or in its TMPDIR', async () => {
    expect(demo.group().length).toBeGreaterThan(4); // the demo, workerd, Lambda environments, Cloud Run instances
    process.kill(-demo.child.pid!, 'SIGINT');
    expect(await demo.exit, demo.output()).toBe(0);
    expect(demo.output()).toMatch(/stopping: traffic, functions, local services, then the collector\n.*stopped\n/);
    expect(demo.group()).toEqual([]);
    expect(readdirSync(demo.tmp)).toEqual([]);
  }, 60_000);
});
