import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { SpanKind } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { killWhenDone } from '../../helpers/cleanup.js';
import { useReceiver } from '../../helpers/otlp-receiver.js';
import { startDownstream, until } from './cloudflare/harness.js';

// examples/fetch as it is: orders.mjs (wrapped with the published `@fntrace/sdk/fetch`, which Node
// resolves to its Node build) served by serve-node.mjs, Node's own HTTP server, in a process of
// its own, exporting to a receiver on 127.0.0.1; INVENTORY_URL points at a small server there.
// Node's server has no waitUntil, so each response goes out after its export has been answered.
const EXAMPLE = resolve(import.meta.dirname, '../../../examples/fetch');
const rx = useReceiver();
const OTLP_KIND = (k: SpanKind) => k + 1;
const PARENT_TRACE = '7e1c2a4b9d0f4e6a8b3c5d7e9f1a2b3c';
const PARENT_SPAN = '3f2e1d0c9b8a7f6e';

async function serveExample() {
  const inventory = await startDownstream();
  const child = killWhenDone(
    spawn(process.execPath, [`${EXAMPLE}/serve-node.mjs`], {
      env: {
        PATH: process.env.PATH,
        PORT: '0',
        OTEL_SERVICE_NAME: 'orders-fetch',
        OTEL_EXPORTER_OTLP_ENDPOINT: rx.url,
        INVENTORY_URL: inventory.url,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  const lines: Record<string, any>[] = [];
  let url = '';
  let partial = '';
  child.stdout!.on('data', (d) => {
    partial += d;
    const parts = partial.split('\n');
    partial = parts.pop() ?? '';
    for (const l of parts) {
      if (l.startsWith('{')) lines.push(JSON.parse(l));
      else url = /listening on (\S+)/.exec(l)?.[1] ?? url;
    }
  });
  let stderr = '';
  child.stderr!.on('data', (d) => {
    stderr += d;
  });
  await until(`the server's URL (stderr: ${stderr})`, () => url !== '' || child.exitCode !== null);
  if (!url) throw new Error(`serve-node.mjs ended: ${stderr}`);
  return { url, lines, inventory };
}

describe('examples/fetch', () => {
  it('takes an order, its export answered before the response, with the inventory call under its span', async () => {
    const server = await serveExample();

    const res = await fetch(`${server.url}/api/orders`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        traceparent: `00-${PARENT_TRACE}-${PARENT_SPAN}-01`,
        'x-request-id': 'req-19',
      },
      body: JSON.stringify({ sku: 'sku-7', quantity: 3 }),
    });
    expect(res.status).toBe(201);
    const { orderId, correlationId } = (await res.json()) as { orderId: string; correlationId: string };
    expect(correlationId).toBe('req-19');

    // already at the receiver as the response arrives: the flush came first
    const span = rx.spans().find((s) => s.attrs['faas.trigger'] === 'http')!;
    expect(span).toMatchObject({
      name: 'POST',
      kind: OTLP_KIND(SpanKind.SERVER),
      traceId: PARENT_TRACE,
      parentSpanId: PARENT_SPAN,
    });
    expect(span.attrs).toMatchObject({
      'faas.coldstart': true,
      'fntrace.trigger': 'nodejs.fetch',
      'fntrace.correlation_id': 'req-19',
      'http.request.method': 'POST',
      'http.response.status_code': 201,
      'url.path': '/api/orders',
    });
    expect(typeof span.attrs['fntrace.init_duration_ms']).toBe('number');
    expect(span.resource).toMatchObject({ 'service.name': 'orders-fetch', 'process.runtime.name': 'nodejs' });
    const call = rx.spans().find((s) => s.parentSpanId === span.spanId && s.kind === OTLP_KIND(SpanKind.CLIENT))!;
    expect(call.attrs['url.full']).toBe(`${server.inventory.url}/stock/sku-7`);
    expect(server.inventory.seen[0]!.headers.traceparent).toBe(`00-${PARENT_TRACE}-${call.spanId}-01`);
    expect(rx.logs().find((l) => l.body === 'order accepted')).toMatchObject({ spanId: span.spanId });
    await until('the log line', () => server.lines.some((l) => l.msg === 'order accepted'));
    expect(server.lines.find((l) => l.msg === 'order accepted')).toMatchObject({
      orderId,
      sku: 'sku-7',
      quantity: 3,
      service: 'orders-fetch',
      trace_id: PARENT_TRACE,
      span_id: span.spanId,
      correlation_id: 'req-19',
      cold_start: true,
    });
  });

  it('refuses an order without a sku, with a warning under its span; the next call is warm', async () => {
    const server = await serveExample();
    const earlier = rx.spans().length; // the receiver is the file's: what the first test exported
    await fetch(`${server.url}/api/orders`, { method: 'POST', body: '{"sku":"sku-1"}' });
    const res = await fetch(`${server.url}/api/orders`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(400);

    const spans = rx
      .spans()
      .slice(earlier)
      .filter((s) => s.attrs['faas.trigger'] === 'http');
    expect(spans.map((s) => [s.attrs['http.response.status_code'], s.attrs['faas.coldstart']])).toEqual([
      [201, true],
      [400, false],
    ]);
    await until('the warning', () => server.lines.some((l) => l.msg === 'order without a sku'));
    expect(server.lines.find((l) => l.msg === 'order without a sku')).toMatchObject({
      level: 'warn',
      span_id: spans[1]!.spanId,
    });
  });
});
