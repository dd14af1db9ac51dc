import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { SpanKind } from '@opentelemetry/api';
import { beforeAll, describe, expect, it } from 'vitest';
import { type FlatSpan, useReceiver } from '../../helpers/otlp-receiver.js';
import {
  bundleWorker,
  NODE_SPECIFIER,
  startDownstream,
  startGate,
  testMiniflare,
  until,
} from './cloudflare/harness.js';
import { readWranglerToml } from './cloudflare/wrangler-config.js';

// examples/cloudflare as it deploys: src/index.js bundled as wrangler bundles it (the published
// `@fntrace/sdk/cloudflare`, resolved for workerd), run in workerd through Miniflare with the
// settings of its wrangler.toml (compatibility date and flags, vars, the queue it produces to
// and consumes, its cron), exporting to a receiver on 127.0.0.1; INVENTORY_URL points at a
// small HTTP server there.
const EXAMPLE = resolve(import.meta.dirname, '../../../examples/cloudflare');
const config = readWranglerToml(join(EXAMPLE, 'wrangler.toml'));
const rx = useReceiver();
const OTLP_KIND = (k: SpanKind) => k + 1;
const PARENT_TRACE = '5b8aa5a2d2c872e8321cf37308d69df2';
const traceparent = `00-${PARENT_TRACE}-051581bf3cb55c13-01`;

let code: string;
beforeAll(async () => {
  const bundle = await bundleWorker(join(EXAMPLE, config.main));
  expect(bundle.inputs).toContain('sdk/dist/cloudflare.js');
  expect(bundle.code).not.toMatch(NODE_SPECIFIER);
  code = bundle.code;
});

interface Example {
  lines: Record<string, any>[];
  inventory: Awaited<ReturnType<typeof startDownstream>>;
  request(path: string, init?: RequestInit): Promise<Response>;
  scheduled(cron: string): Promise<Response>;
}

/**
 * `flushTimeoutMs`: the test's one setting beyond wrangler.toml's. Behind the gate, a budget
 * longer than the test's timeout makes a response that waited for its export never come.
 */
async function startExample(endpoint: string, flushTimeoutMs = '60000'): Promise<Example> {
  const inventory = await startDownstream();
  const lines: Record<string, any>[] = [];
  const mf = testMiniflare({
    modules: [{ type: 'ESModule', path: 'index.mjs', contents: code }],
    compatibilityDate: config.compatibilityDate,
    compatibilityFlags: config.compatibilityFlags,
    // the deployed vars, with the collector and the inventory service on 127.0.0.1
    bindings: {
      ...config.vars,
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      INVENTORY_URL: inventory.url,
      FNTRACE_FLUSH_TIMEOUT_MS: flushTimeoutMs,
    },
    queueProducers: config.queueProducers,
    queueConsumers: config.queueConsumers,
    unsafeTriggerHandlers: true,
    // workerd writes console.log to stdout, console.warn and console.error to stderr
    handleRuntimeStdio(stdout: Readable, stderr: Readable) {
      for (const stream of [stdout, stderr]) {
        let partial = '';
        stream.on('data', (chunk) => {
          partial += chunk;
          const parts = partial.split('\n');
          partial = parts.pop() ?? '';
          for (const l of parts) if (l.startsWith('{')) lines.push(JSON.parse(l));
        });
      }
    },
  });
  await mf.ready;
  return {
    lines,
    inventory,
    request: (path, init) => mf.dispatchFetch(`https://orders.example.com${path}`, init as never) as never,
    scheduled: (cron) =>
      mf.dispatchFetch(
        `https://orders.example.com/cdn-cgi/handler/scheduled?cron=${encodeURIComponent(cron)}`,
      ) as never,
  };
}

const invocationOf = (pred: (s: FlatSpan) => boolean) => rx.spans().find((s) => s.attrs['faas.trigger'] && pred(s));

describe('examples/cloudflare', () => {
  it('is configured as the README says: its queue, its cron, nodejs_als', () => {
    expect(config).toMatchObject({
      name: 'orders-edge',
      compatibilityFlags: ['nodejs_als'],
      queueProducers: { ORDERS: 'orders' },
      crons: ['0 3 * * *'],
    });
    expect(Object.keys(config.queueConsumers)).toEqual(['orders']);
  });

  it('answers an order before its export, and the queue consumer continues its trace', async () => {
    const gate = await startGate(rx);
    const w = await startExample(gate.url);

    const res = await w.request('/orders', {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent, 'x-correlation-id': 'checkout-7' },
      body: JSON.stringify({ sku: 'sku-42', quantity: 2 }),
    });
    // the gate has answered no export (and the flush budget outlasts the test): the response did not wait for one
    expect(res.status).toBe(202);
    const { orderId, correlationId } = (await res.json()) as { orderId: string; correlationId: string };
    expect(correlationId).toBe('checkout-7');
    expect(rx.spans()).toEqual([]);
    // the inventory call carried the trace on
    const stockCall = w.inventory.seen.find((r) => r.path === '/stock/sku-42')!;
    expect(String(stockCall.headers.traceparent)).toContain(PARENT_TRACE);

    gate.release();
    await until('the consumer span of the order', () =>
      rx.spans().some((s) => s.kind === OTLP_KIND(SpanKind.CONSUMER) && s.attrs['messaging.message.id'] !== undefined),
    );
    const request = invocationOf((s) => s.attrs['fntrace.trigger'] === 'cloudflare.fetch')!;
    expect(request).toMatchObject({ name: 'POST', traceId: PARENT_TRACE, parentSpanId: '051581bf3cb55c13' });
    expect(request.attrs).toMatchObject({
      'faas.coldstart': true,
      'fntrace.correlation_id': 'checkout-7',
      'http.request.method': 'POST',
      'http.response.status_code': 202,
      'url.path': '/orders',
    });
    expect(request.resource).toMatchObject({
      'service.name': 'orders-edge',
      'cloud.provider': 'cloudflare',
      'cloud.platform': 'cloudflare.workers',
    });
    const children = rx.spans().filter((s) => s.parentSpanId === request.spanId);
    const client = children.find((s) => s.kind === OTLP_KIND(SpanKind.CLIENT))!;
    expect(client.attrs['url.full']).toBe(`${w.inventory.url}/stock/sku-42`);
    expect(stockCall.headers.traceparent).toBe(`00-${PARENT_TRACE}-${client.spanId}-01`);
    const send = children.find((s) => s.kind === OTLP_KIND(SpanKind.PRODUCER))!;
    expect(send.attrs).toMatchObject({ 'messaging.system': 'cloudflare_queues', 'fntrace.queue.binding': 'ORDERS' });

    // the batch's invocation joins the trace (a batch of one), its message span is under the send
    const batch = invocationOf((s) => s.attrs['fntrace.trigger'] === 'cloudflare.queue')!;
    const message = rx
      .spans()
      .find((s) => s.kind === OTLP_KIND(SpanKind.CONSUMER) && s !== batch && s.attrs['messaging.message.id'])!;
    expect(batch).toMatchObject({ name: 'orders process', traceId: PARENT_TRACE, parentSpanId: send.spanId });
    expect(batch.attrs).toMatchObject({ 'faas.coldstart': false, 'fntrace.correlation_id': 'checkout-7' });
    expect(message.traceId).toBe(PARENT_TRACE);
    const fulfilled = w.lines.find((l) => l.msg === 'order fulfilled')!;
    expect(fulfilled).toMatchObject({
      orderId,
      sku: 'sku-42',
      trace_id: PARENT_TRACE,
      span_id: message.spanId,
      correlation_id: 'checkout-7',
      message_id: message.attrs['messaging.message.id'],
    });
    const queued = w.lines.find((l) => l.msg === 'order queued')!;
    expect(queued).toMatchObject({ trace_id: PARENT_TRACE, span_id: request.spanId, cold_start: true });
    // and the same lines arrived as OTLP log records
    await until('the log records', () => rx.logs().some((l) => l.body === 'order fulfilled'));
    expect(rx.logs().find((l) => l.body === 'order queued')).toMatchObject({ spanId: request.spanId });
  });

  it('runs its cron with a span of its own, and its fetch under it', async () => {
    const w = await startExample(rx.url);
    const res = await w.scheduled(config.crons[0]!);
    expect(res.status).toBe(200);

    await until('the scheduled span', () => invocationOf((s) => s.attrs['faas.trigger'] === 'timer') !== undefined);
    const tick = invocationOf((s) => s.attrs['faas.trigger'] === 'timer')!;
    expect(tick).toMatchObject({ name: 'scheduled 0 3 * * *', kind: OTLP_KIND(SpanKind.SERVER), parentSpanId: '' });
    expect(tick.attrs).toMatchObject({ 'faas.cron': '0 3 * * *', 'fntrace.trigger': 'cloudflare.scheduled' });
    await until('the report call', () => rx.spans().some((s) => s.parentSpanId === tick.spanId));
    const report = rx.spans().find((s) => s.parentSpanId === tick.spanId)!;
    expect(report.attrs['url.full']).toBe(`${w.inventory.url}/report`);
    expect(w.lines.find((l) => l.msg === 'stock report requested')).toMatchObject({
      status: 200,
      trace_id: tick.traceId,
      span_id: tick.spanId,
    });
  });

  it('refuses an order without a sku, with a warning under its span', async () => {
    const w = await startExample(rx.url);
    const res = await w.request('/orders', { method: 'POST', body: '{}' });
    expect(res.status).toBe(400);
    const warning = w.lines.find((l) => l.msg === 'order without a sku')!;
    expect(warning.level).toBe('warn');
    await until('the span', () => rx.spans().some((s) => s.spanId === warning.span_id));
    expect(rx.spans().find((s) => s.spanId === warning.span_id)!.attrs['http.response.status_code']).toBe(400);
    expect(w.inventory.seen).toEqual([]);
  });
});
