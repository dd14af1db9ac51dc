import { resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { SpanKind } from '@opentelemetry/api';
import { beforeAll, describe, expect, it } from 'vitest';
import { type FlatSpan, useReceiver } from '../../helpers/otlp-receiver.js';
import {
  type Bundle,
  bundleWorker,
  NODE_SPECIFIER,
  startDownstream,
  startGate,
  startWorker,
  until,
} from './cloudflare/harness.js';

// Issue #17, Cloudflare Workers: the test Worker (cloudflare/worker.ts) wrapped by
// `@fntrace/sdk/cloudflare`, bundled for workerd and run by Miniflare with no compatibility
// flag (so no nodejs_compat and no AsyncLocalStorage), exporting to a receiver on 127.0.0.1.
const rx = useReceiver();
const PARENT_TRACE = '0af7651916cd43dd8448eb211c80319c';
const PARENT_SPAN = 'b7ad6b7169203331';
const traceparent = `00-${PARENT_TRACE}-${PARENT_SPAN}-01`;
const OTLP_KIND = (k: SpanKind) => k + 1;
const ROOT = resolve(import.meta.dirname, '../../..');

let worker: Bundle;
beforeAll(async () => {
  worker = await bundleWorker();
});

function env(endpoint: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
    OTEL_SERVICE_NAME: 'edge-api',
    // the gate holds exports for as long as a test needs: the flush must outlast it
    FNTRACE_FLUSH_TIMEOUT_MS: '10000',
    ...extra,
  };
}

const byInvocation = (id: string) => (s: FlatSpan) => s.attrs['faas.invocation_id'] === id;
const invocationSpans = () => rx.spans().filter((s) => s.attrs['faas.trigger'] !== undefined);

describe('the Worker bundle', () => {
  it('imports nothing from node: and stays small', () => {
    expect(worker.inputs.filter((f) => f.startsWith('node:'))).toEqual([]);
    expect(worker.code).not.toMatch(NODE_SPECIFIER);
    // the SDK is in it, from its workers-safe entry
    expect(worker.inputs).toContain('sdk/src/cloudflare.ts');
    expect(worker.inputs.some((f) => f.includes('pino'))).toBe(false);
    expect(gzipSync(worker.code).length).toBeGreaterThan(0);
  });

  it('resolves the published entries for workerd to ESM files without node:', async () => {
    // what wrangler resolves from the package's exports (the built dist)
    for (const [specifier, file] of [
      ['@fntrace/sdk/cloudflare', 'sdk/dist/cloudflare.js'],
      ['@fntrace/sdk/fetch', 'sdk/dist/fetch.js'],
    ] as const) {
      const built = await bundleWorker(undefined, {
        entryPoints: undefined,
        stdin: { contents: `export * from '${specifier}';`, resolveDir: ROOT, loader: 'js' },
      });
      expect(built.inputs).toContain(file);
      expect(built.code).not.toMatch(NODE_SPECIFIER);
    }
  });
});

describe('a wrapped fetch handler in workerd', () => {
  it('answers before the export, which then arrives with the SERVER span, its parent and attributes', async () => {
    const gate = await startGate(rx);
    const w = await startWorker(worker.code, { bindings: env(gate.url) });

    const res = await w.request('/orders?page=2&token=abc', {
      headers: { traceparent, 'x-correlation-id': 'checkout-42', 'user-agent': 'edge-test' },
    });
    // the gate has answered no export yet: the response did not wait for one
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('ok');
    const line = await w.line((l) => l.msg === 'handling');
    expect(rx.spans().some((s) => s.traceId === line.trace_id)).toBe(false);

    gate.release();
    await until('the invocation span', () => rx.spans().some((s) => s.spanId === line.span_id));
    const span = rx.spans().find((s) => s.spanId === line.span_id)!;
    expect(span).toMatchObject({ name: 'GET', kind: OTLP_KIND(SpanKind.SERVER), traceId: PARENT_TRACE });
    expect(span.parentSpanId).toBe(PARENT_SPAN);
    expect(span.attrs).toMatchObject({
      'faas.trigger': 'http',
      'fntrace.trigger': 'cloudflare.fetch',
      'fntrace.parent.source': 'http-headers',
      'faas.coldstart': true,
      'fntrace.correlation_id': 'checkout-42',
      'http.request.method': 'GET',
      'http.response.status_code': 200,
      'url.path': '/orders',
      'url.query': 'page=2&token=[REDACTED]',
      'url.scheme': 'http',
      'server.address': 'worker.test',
      'user_agent.original': 'edge-test',
    });
    expect(span.resource).toMatchObject({
      'service.name': 'edge-api',
      'faas.name': 'edge-api',
      'cloud.provider': 'cloudflare',
      'cloud.platform': 'cloudflare.workers',
      'faas.max_memory': 128 * 1024 * 1024,
    });
    expect(typeof span.resource['faas.instance']).toBe('string');
  });

  it('writes pino-format log lines with the invocation ids, redacted, and exports the same records', async () => {
    const w = await startWorker(worker.code, { bindings: env(rx.url) });
    const res = await w.request('/child', { headers: { traceparent, 'x-request-id': 'req-7' } });
    expect(res.status).toBe(200);

    const handling = await w.line((l) => l.msg === 'handling');
    expect(Object.keys(handling).slice(0, 3)).toEqual(['level', 'time', 'service']);
    expect(handling).toMatchObject({
      level: 'info',
      service: 'edge-api',
      function: 'edge-api',
      trace_id: PARENT_TRACE,
      correlation_id: 'req-7',
      cold_start: true,
      path: '/child',
      password: '[REDACTED]',
      nested: { apiKey: '[REDACTED]', keep: 'visible' },
    });
    expect(typeof handling.time).toBe('number');
    expect(JSON.stringify(w.lines)).not.toContain('hunter2');
    await until('the spans', () => rx.spans().some((s) => s.name === 'load-order' && s.traceId === PARENT_TRACE));
    const invocation = rx.spans().find((s) => s.spanId === handling.span_id)!;
    expect(handling.invocation_id).toBe(invocation.attrs['faas.invocation_id']);
    // a line written inside a child span names that span
    const child = rx.spans().find((s) => s.name === 'load-order' && s.traceId === PARENT_TRACE)!;
    expect(child.parentSpanId).toBe(invocation.spanId);
    expect((await w.line((l) => l.msg === 'inside child')).span_id).toBe(child.spanId);

    await until('the log records', () => rx.logs().some((l) => l.attrs.invocation_id === handling.invocation_id));
    const exported = rx.logs().filter((l) => l.attrs.invocation_id === handling.invocation_id);
    expect(exported.map((l) => l.body)).toEqual(
      w.lines.filter((l) => l.invocation_id === handling.invocation_id).map((l) => l.msg),
    );
    expect(exported[0]).toMatchObject({ traceId: PARENT_TRACE, spanId: handling.span_id, severityText: 'INFO' });
    expect(exported[0]!.attrs).toMatchObject({ correlation_id: 'req-7', password: '[REDACTED]' });
  });

  it('marks only the isolate’s first request a cold start, with no init span (workerd cannot time it)', async () => {
    const first = await startWorker(worker.code, { bindings: env(rx.url) });
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      expect((await first.request('/')).status).toBe(200);
      ids.push((await first.line((l) => l.msg === 'handling', i)).invocation_id);
    }
    await first.scheduled('0 * * * *');
    await until('the first isolate’s spans', () => ids.every((id) => rx.spans().some(byInvocation(id))));
    const [a, b] = ids.map((id) => rx.spans().find((s) => byInvocation(id)(s) && s.attrs['faas.trigger'])!);
    expect(a!.attrs['faas.coldstart']).toBe(true);
    expect(b!.attrs['faas.coldstart']).toBe(false);
    expect(first.lines.filter((l) => l.invocation_id).map((l) => l.cold_start)).toEqual([true, false, false]);
    expect(a!.attrs['fntrace.init_duration_ms']).toBeUndefined();
    expect(rx.spans().some((s) => s.traceId === a!.traceId && s.name === 'init')).toBe(false);

    // a new isolate starts cold again, with its own faas.instance
    const second = await startWorker(worker.code, { bindings: env(rx.url) });
    await second.request('/');
    const id = (await second.line((l) => l.msg === 'handling')).invocation_id;
    await until('the second isolate’s span', () => rx.spans().some(byInvocation(id)));
    const c = rx.spans().find((s) => byInvocation(id)(s) && s.attrs['faas.trigger'])!;
    expect(c.attrs['faas.coldstart']).toBe(true);
    expect(c.resource['faas.instance']).not.toBe(a!.resource['faas.instance']);
    expect(b!.resource['faas.instance']).toBe(a!.resource['faas.instance']);
    // the isolate numbers its invocations (the core does it for every adapter); a new one afresh
    const numbering = (x: typeof a) => [x!.attrs['fntrace.environment.id'], x!.attrs['fntrace.environment.sequence']];
    const [isolate] = numbering(a);
    expect([numbering(a), numbering(b)]).toEqual([
      [isolate, 1],
      [isolate, 2],
    ]);
    expect(numbering(c)[0]).not.toBe(isolate);
    expect(numbering(c)[1]).toBe(1);
  });

  it('records a 5xx response and a thrown error, and passes both on', async () => {
    const w = await startWorker(worker.code, { bindings: env(rx.url) });
    expect((await w.request('/unavailable')).status).toBe(503);
    const thrown = await w.request('/throw');
    expect(thrown.status).toBe(500);
    const [down, boom] = await Promise.all(
      ['/unavailable', '/throw'].map(
        async (path) => (await w.line((l) => l.msg === 'handling' && l.path === path)).span_id,
      ),
    );
    await until('both spans', () => [down, boom].every((id) => rx.spans().some((s) => s.spanId === id)));
    const unavailable = rx.spans().find((s) => s.spanId === down)!;
    expect(unavailable.attrs).toMatchObject({ 'http.response.status_code': 503, 'error.type': '503' });
    expect(unavailable.status.code).toBe(2);
    const failed = rx.spans().find((s) => s.spanId === boom)!;
    expect(failed.attrs['error.type']).toBe('Error');
    expect(failed.status).toMatchObject({ code: 2, message: 'boom' });
    expect(failed.events[0]).toMatchObject({ name: 'exception', attrs: { 'exception.message': 'boom' } });
  });

  it('carries the context on outgoing fetch and service-binding calls, each with a CLIENT span', async () => {
    const downstream = await startDownstream();
    const inventory: Request[] = [];
    const w = await startWorker(worker.code, {
      bindings: env(rx.url, { DOWNSTREAM: downstream.url }),
      inventory: (request) => {
        inventory.push(request);
        return new Response('in stock');
      },
    });
    const res = await w.request('/call', { headers: { traceparent, 'x-correlation-id': 'corr-call' } });
    expect(await res.json()).toEqual({ correlationId: 'corr-call', downstream: 'pong' });
    const invocationSpanId = (await w.line((l) => l.msg === 'handling')).span_id;
    await until('the client spans', () => rx.spans().filter((s) => s.kind === OTLP_KIND(SpanKind.CLIENT)).length >= 2);
    const clients = rx.spans().filter((s) => s.kind === OTLP_KIND(SpanKind.CLIENT) && s.traceId === PARENT_TRACE);

    const echo = downstream.seen.find((r) => r.path === '/echo')!;
    const echoSpan = clients.find((s) => String(s.attrs['url.full']).includes('/echo'))!;
    expect(echo.headers.traceparent).toBe(`00-${PARENT_TRACE}-${echoSpan.spanId}-01`);
    expect(echo.headers.baggage).toBe('correlation_id=corr-call');
    expect(echo.headers['x-app']).toBe('edge'); // the caller's own headers stay
    expect(echoSpan.parentSpanId).toBe(invocationSpanId);
    expect(echoSpan.attrs).toMatchObject({
      'http.request.method': 'GET',
      'url.full': `${downstream.url}/echo?token=[REDACTED]`,
      'server.address': '127.0.0.1',
      'http.response.status_code': 200,
    });

    const stock = clients.find((s) => String(s.attrs['url.full']).includes('inventory.internal'))!;
    expect(inventory[0]!.headers.get('traceparent')).toBe(`00-${PARENT_TRACE}-${stock.spanId}-01`);
    // the exports themselves are not traced
    expect(clients.some((s) => String(s.attrs['url.full']).startsWith(rx.url))).toBe(false);
  });

  it('flushes the spans and lines of waitUntil work after that work is done', async () => {
    const downstream = await startDownstream();
    const w = await startWorker(worker.code, { bindings: env(rx.url, { DOWNSTREAM: downstream.url }) });
    expect((await w.request('/background', { headers: { traceparent } })).status).toBe(202);
    await until('the background span', () => rx.spans().some((s) => s.name === 'background-work'));
    const invocation = await w.line((l) => l.msg === 'handling');
    const background = rx.spans().find((s) => s.name === 'background-work')!;
    expect(background.traceId).toBe(PARENT_TRACE);
    expect(background.parentSpanId).toBe(invocation.span_id);
    await until('its log record', () => rx.logs().some((l) => l.body === 'background done'));
    expect(await w.line((l) => l.msg === 'background done')).toMatchObject({
      trace_id: PARENT_TRACE,
      invocation_id: invocation.invocation_id,
    });
  });
});

describe('Queues and cron triggers in workerd', () => {
  it('carries the producer’s context through a real queue: one CONSUMER span per message', async () => {
    const w = await startWorker(worker.code, { bindings: env(rx.url) });
    const res = await w.request('/enqueue', { headers: { traceparent, 'x-correlation-id': 'order-batch' } });
    expect(res.status).toBe(202);
    await until('four processed messages', () => w.lines.filter((l) => l.msg === 'message processed').length === 4);
    const processed = w.lines.filter((l) => l.msg === 'message processed');
    await until('the consumer spans', () => processed.every((l) => rx.spans().some((s) => s.spanId === l.span_id)));

    // producer side: a PRODUCER span for send, a CLIENT span with one PRODUCER "create" span per message for sendBatch
    const producers = rx.spans().filter((s) => s.traceId === PARENT_TRACE && s.attrs['messaging.system']);
    const sends = producers.filter((s) => s.name === 'send ORDERS');
    const creates = producers.filter((s) => s.name === 'create ORDERS');
    expect(sends.map((s) => s.kind).sort()).toEqual(
      [OTLP_KIND(SpanKind.CLIENT), OTLP_KIND(SpanKind.PRODUCER), OTLP_KIND(SpanKind.PRODUCER)].sort(),
    );
    expect(creates).toHaveLength(2);
    // the text message could not carry the context: said once on stderr
    expect(w.errors.some((e) => e.fntrace_diagnostic === 'FNTRACE_ERR_SDK_CONTEXT_NOT_CARRIED')).toBe(true);

    const byOrder = (orderId: number) => processed.find((l) => l.body?.orderId === orderId)!;
    const span = (line: Record<string, any>) => rx.spans().find((s) => s.spanId === line.span_id)!;
    // message 1 came from send(): its span's parent is that PRODUCER span; 2 and 3 from their create spans
    expect(sends.map((s) => s.spanId)).toContain(span(byOrder(1)).parentSpanId);
    expect(creates.map((c) => c.spanId)).toContain(span(byOrder(2)).parentSpanId);
    expect(creates.map((c) => c.spanId)).toContain(span(byOrder(3)).parentSpanId);
    for (const order of [1, 2, 3]) {
      const s = span(byOrder(order));
      expect(s).toMatchObject({ name: 'orders process', kind: OTLP_KIND(SpanKind.CONSUMER), traceId: PARENT_TRACE });
      expect(s.attrs).toMatchObject({
        'messaging.system': 'cloudflare_queues',
        'messaging.destination.name': 'orders',
        'messaging.message.id': byOrder(order).message_id,
        'fntrace.parent.source': 'message-body',
        'fntrace.correlation_id': 'order-batch',
        'fntrace.message.receive_count': 1,
      });
      // the producer's fields travel in the body
      expect(byOrder(order).body.traceparent).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-/);
      expect(byOrder(order).correlation_id).toBe('order-batch');
    }

    // the batch is one invocation: a CONSUMER span linking to every producer
    const batchLine = await w.line((l) => l.msg === 'batch received');
    const batch = invocationSpans().find((s) => s.spanId === batchLine.span_id)!;
    expect(batch).toMatchObject({ name: 'orders process', kind: OTLP_KIND(SpanKind.CONSUMER) });
    expect(batch.attrs).toMatchObject({
      'faas.trigger': 'pubsub',
      'fntrace.trigger': 'cloudflare.queue',
      'messaging.batch.message_count': 4,
      'faas.coldstart': false,
    });
    expect(batch.links.filter((l) => l.attrs['fntrace.link.type'] === 'producer')).toHaveLength(3);
    // ack() was the handler's: each message was delivered once
    expect(new Set(processed.map((l) => l.message_id)).size).toBe(4);
  });

  it('traces a cron trigger as a timer invocation', async () => {
    const w = await startWorker(worker.code, { bindings: env(rx.url) });
    expect((await w.scheduled('*/5 * * * *')).status).toBe(200);
    const line = await w.line((l) => l.msg === 'tick');
    expect(line).toMatchObject({ cron: '*/5 * * * *', cold_start: true });
    await until('the scheduled span', () => rx.spans().some((s) => s.spanId === line.span_id));
    const span = rx.spans().find((s) => s.spanId === line.span_id)!;
    expect(span).toMatchObject({ name: 'scheduled */5 * * * *', kind: OTLP_KIND(SpanKind.SERVER) });
    expect(span.attrs).toMatchObject({
      'faas.trigger': 'timer',
      'fntrace.trigger': 'cloudflare.scheduled',
      'faas.cron': '*/5 * * * *',
    });
    expect(typeof span.attrs['faas.time']).toBe('string');
  });
});
