import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type {
  HttpHandler,
  HttpRequest,
  InvocationContext,
  ServiceBusQueueHandler,
  StorageQueueHandler,
} from '@azure/functions';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import type { wrap as azureWrap } from '../../../sdk/src/azure.js';
import { useReceiver } from '../../helpers/otlp-receiver.js';
import { APP_ENV, httpInvocation, invocationSpan, startWorker, traceparent } from './azure/functions-host.js';

// `@fntrace/sdk/azure` around HTTP functions of the v4 programming model, invoked through the
// `@azure/functions` library's own programming model in a worker process per instance (the
// Functions host itself is not installable here; see azure/worker.mjs).
const rx = useReceiver();
const spanOf = (invocationId: string) => invocationSpan(rx, invocationId);
const BASE = 'https://orders-app.azurewebsites.net/api';
const MIB = 1024 * 1024;

describe('Azure Functions HTTP trigger', () => {
  it('gives each invocation a SERVER span with FaaS and HTTP attributes, and marks only the first cold, with an init span', async () => {
    // a placeholder worker, started ahead of the app it is then given
    const worker = await startWorker({ endpoint: rx.url, env: { AZURE_TEST_PLACEHOLDER_MS: '300' } });
    const first = httpInvocation('orders-http', {
      url: `${BASE}/orders/42?expand=items&token=s3cret`,
      params: { id: '42' },
      headers: { 'x-forwarded-for': '203.0.113.24:51234' },
    });
    const second = httpInvocation('orders-http', {
      method: 'POST',
      url: `${BASE}/orders/43?status=201`,
      params: { id: '43' },
      body: '{"items":3}',
    });
    const outcomes = [await worker.invoke(first), await worker.invoke(second)];
    expect(outcomes.map((o) => o.response.returnValue.http.statusCode)).toEqual(['200', '201']);

    const cold = await spanOf(first.invocationId);
    const warm = await spanOf(second.invocationId);
    expect(cold.name).toBe('GET /api/orders/{id}');
    expect(warm.name).toBe('POST /api/orders/{id}');
    expect(cold.kind).toBe(2);
    expect(cold.attrs).toMatchObject({
      'faas.trigger': 'http',
      'faas.name': 'orders-http',
      'faas.invocation_id': first.invocationId,
      'faas.coldstart': true,
      'fntrace.trigger': 'azure.http',
      'fntrace.correlation_id': first.invocationId,
      'http.request.method': 'GET',
      'http.route': '/api/orders/{id}',
      'http.response.status_code': 200,
      'url.path': '/api/orders/42',
      'url.scheme': 'https',
      'server.address': 'orders-app.azurewebsites.net',
      'client.address': '203.0.113.24',
      'user_agent.original': 'test-client/1.0',
      'cloud.resource_id':
        '/subscriptions/8f3c1c1e-4b0a-4d7e-9a51-0c5b6f1d2e3a/resourceGroups/orders-rg/providers/Microsoft.Web/sites/orders-app/functions/orders-http',
    });
    expect(cold.attrs['url.query']).toMatch(/^expand=items&token=(?!s3cret)/);
    expect(warm.attrs).toMatchObject({ 'faas.coldstart': false, 'http.response.status_code': 201 });
    expect(cold.resource).toMatchObject({
      'service.name': 'orders-app',
      'cloud.provider': 'azure',
      'cloud.platform': 'azure_functions',
      'cloud.region': 'westeurope',
      'cloud.account.id': '8f3c1c1e-4b0a-4d7e-9a51-0c5b6f1d2e3a',
      'faas.instance': APP_ENV.WEBSITE_INSTANCE_ID,
      'faas.max_memory': 1536 * MIB,
      'fntrace.azure.function_app': 'orders-app',
      'fntrace.azure.functions_version': '~4',
      'fntrace.azure.sku': 'Dynamic',
    });

    // init: from when the app began loading to the first invocation, as its own span
    const initMs = cold.attrs['fntrace.init_duration_ms'] as number;
    expect(initMs).toBeGreaterThan(0);
    expect(warm.attrs['fntrace.init_duration_ms']).toBeUndefined();
    const init = rx.spans().find((s) => s.name === 'init' && s.parentSpanId === cold.spanId)!;
    expect(init.traceId).toBe(cold.traceId);
    expect(init.endMs - init.startMs).toBeCloseTo(initMs, 0);
    // the app's loading, not the time the process waited as a placeholder before it
    expect(init.startMs).toBeGreaterThanOrEqual(worker.appLoadStartMs);
    expect(worker.appLoadStartMs - worker.processStartMs).toBeGreaterThanOrEqual(300);
    expect(rx.spans().filter((s) => s.name === 'init' && s.parentSpanId === warm.spanId)).toEqual([]);
    expect(
      worker
        .logs()
        .filter((l) => l.msg === 'order requested')
        .map((l) => l.cold_start),
    ).toEqual([true, false]);
  });

  it("continues the host's trace context when the request carries none, if the host sampled it", async () => {
    const worker = await startWorker({ endpoint: rx.url });
    const sampled = httpInvocation('orders-http', {
      url: `${BASE}/orders/1`,
      params: { id: '1' },
      traceContext: {
        traceParent: traceparent('4bf92f3577b34da6a3ce929d0e0e4736', '00f067aa0ba902b7'),
        traceState: 'az=1',
      },
    });
    const unsampled = httpInvocation('orders-http', {
      url: `${BASE}/orders/2`,
      params: { id: '2' },
      traceContext: { traceParent: traceparent('5bf92f3577b34da6a3ce929d0e0e4736', '10f067aa0ba902b7', '00') },
    });
    await worker.invoke(sampled);
    await worker.invoke(unsampled);

    const a = await spanOf(sampled.invocationId);
    expect(a.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(a.parentSpanId).toBe('00f067aa0ba902b7');
    expect(a.attrs['fntrace.parent.source']).toBe('azure-trace-context');
    // a host that records nothing says "not sampled": that must not silence fntrace
    const b = await spanOf(unsampled.invocationId);
    expect(b.traceId).not.toBe('5bf92f3577b34da6a3ce929d0e0e4736');
    expect(b.parentSpanId).toBe('');
    expect(b.attrs['fntrace.parent.source']).toBeUndefined();
  });

  it("takes the parent from a traceparent header before the host's context, and writes log lines with the trace, span, correlation and invocation ids", async () => {
    const worker = await startWorker({ endpoint: rx.url });
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const inv = httpInvocation('orders-http', {
      url: `${BASE}/orders/7`,
      params: { id: '7' },
      headers: { traceparent: traceparent(traceId, 'b7ad6b7169203331'), 'x-correlation-id': 'checkout-7' },
      // the host continues the caller's trace with a span of its own
      traceContext: { traceParent: traceparent(traceId, 'aaaaaaaaaaaaaaaa') },
    });
    const outcome = await worker.invoke(inv);
    expect(JSON.parse(outcome.response.returnValue.http.body.bytes).correlationId).toBe('checkout-7');

    const span = await spanOf(inv.invocationId);
    expect(span.traceId).toBe(traceId);
    expect(span.parentSpanId).toBe('b7ad6b7169203331');
    expect(span.attrs).toMatchObject({
      'fntrace.parent.source': 'http-headers',
      'fntrace.correlation_id': 'checkout-7',
    });

    const line = worker.logs().find((l) => l.msg === 'order requested')!;
    expect(line).toMatchObject({
      level: 'info',
      service: 'orders-app',
      function: 'orders-http',
      trace_id: traceId,
      span_id: span.spanId,
      correlation_id: 'checkout-7',
      invocation_id: inv.invocationId,
      cold_start: true,
      id: '7',
      password: '[REDACTED]',
    });
    // the same line as an OTLP log record, tied to the span
    const record = rx.logs().find((l) => l.body === 'order requested' && l.attrs.invocation_id === inv.invocationId)!;
    expect(record).toMatchObject({ traceId, spanId: span.spanId, severityText: 'INFO' });
    // not forwarded to context.log unless asked for
    expect(outcome.userLogs).toEqual([]);
  });

  it('hands each line to context.log when the handler asks for it (contextLog)', async () => {
    const worker = await startWorker({ endpoint: rx.url });
    const inv = httpInvocation('orders-logged', { url: `${BASE}/logged/9`, params: { id: '9' } });
    const outcome = await worker.invoke(inv);
    const span = await spanOf(inv.invocationId);
    const forwarded = outcome.userLogs.map((l) => ({ level: l.level, line: JSON.parse(l.message) }));
    expect(forwarded.map((f) => [f.level, f.line.msg])).toEqual([
      ['information', 'order requested'],
      ['information', 'order answered'],
    ]);
    expect(forwarded[0]!.line).toMatchObject({
      trace_id: span.traceId,
      span_id: span.spanId,
      function: 'orders-logged',
    });
  });

  it('marks a 5xx answer as an error, and records a thrown error that reaches the host unchanged', async () => {
    const worker = await startWorker({ endpoint: rx.url });
    const unavailable = httpInvocation('orders-http', { url: `${BASE}/orders/5?status=503`, params: { id: '5' } });
    const thrown = httpInvocation('orders-http', {
      url: `${BASE}/orders/6?throw=no%20such%20order`,
      params: { id: '6' },
    });
    expect((await worker.invoke(unavailable)).response.returnValue.http.statusCode).toBe('503');
    expect((await worker.invoke(thrown)).error).toEqual({ name: 'RangeError', message: 'no such order' });

    const a = await spanOf(unavailable.invocationId);
    expect(a.status.code).toBe(2);
    expect(a.attrs).toMatchObject({ 'http.response.status_code': 503, 'error.type': '503' });
    const b = await spanOf(thrown.invocationId);
    expect(b.status).toMatchObject({ code: 2, message: 'no such order' });
    expect(b.attrs['error.type']).toBe('RangeError');
    expect(b.events.find((e) => e.name === 'exception')?.attrs['exception.type']).toBe('RangeError');
  });

  it('keeps concurrent invocations of one worker apart', async () => {
    const worker = await startWorker({ endpoint: rx.url });
    const slow = httpInvocation('orders-http', { url: `${BASE}/orders/10?delayMs=300`, params: { id: '10' } });
    const fast = httpInvocation('orders-http', { url: `${BASE}/orders/11?delayMs=50`, params: { id: '11' } });
    await Promise.all([worker.invoke(slow), worker.invoke(fast)]);
    for (const inv of [slow, fast]) {
      const span = await spanOf(inv.invocationId);
      const lines = worker.logs().filter((l) => l.invocation_id === inv.invocationId);
      expect(lines.map((l) => l.msg)).toEqual(['order requested', 'order answered']);
      for (const l of lines) expect([l.trace_id, l.span_id]).toEqual([span.traceId, span.spanId]);
    }
  });

  it('fires the timeout guard before the functionTimeout given as FNTRACE_AZURE_FUNCTION_TIMEOUT', async () => {
    const worker = await startWorker({ endpoint: rx.url, env: { FNTRACE_AZURE_FUNCTION_TIMEOUT: '00:00:01' } });
    const inv = httpInvocation('orders-http', { url: `${BASE}/orders/12?delayMs=1500`, params: { id: '12' } });
    await worker.invoke(inv);
    const span = await spanOf(inv.invocationId);
    expect(span.attrs).toMatchObject({ 'fntrace.timeout': true, 'error.type': 'timeout' });
    const fatal = worker.logs().find((l) => l.level === 'fatal')!;
    expect(fatal).toMatchObject({ invocation_id: inv.invocationId, span_id: span.spanId, 'error.type': 'timeout' });
  });
});

describe('wrap() types', () => {
  it("fits the library's handler types, the handler's parameters inferred from app.http and the like", () => {
    // type-checked by tsc (npm run typecheck); at run time the stand-in `wrap` returns the handler
    const handlers = (wrap: typeof azureWrap) => {
      const http: HttpHandler = wrap(async (request, context) => {
        expectTypeOf(request).toEqualTypeOf<HttpRequest>();
        expectTypeOf(context).toEqualTypeOf<InvocationContext>();
        return {
          status: 201,
          jsonBody: { id: request.params.id, fn: context.functionName, q: request.query.get('q') },
        };
      });
      const queue: StorageQueueHandler = wrap((message, context) => {
        context.log(message);
      });
      const bus: ServiceBusQueueHandler<{ orderId: number }> = wrap(
        async (message: { orderId: number }, context) => {
          context.info(message.orderId, context.triggerMetadata?.messageId);
        },
        { contextLog: true },
      );
      return [http, queue, bus];
    };
    expect(handlers(((h: unknown) => h) as typeof azureWrap).map((h) => typeof h)).toEqual([
      'function',
      'function',
      'function',
    ]);
  });
});

describe('outgoing HTTP from an Azure function', () => {
  const seen: IncomingHttpHeaders[] = [];
  let downstream: Server;
  let downstreamUrl: string;
  beforeAll(async () => {
    downstream = createServer((req, res) => {
      seen.push(req.headers);
      res.writeHead(204).end();
    });
    await new Promise<void>((r) => downstream.listen(0, '127.0.0.1', r));
    downstreamUrl = `http://127.0.0.1:${(downstream.address() as { port: number }).port}/stock`;
  });
  afterAll(() => new Promise<void>((r) => downstream.close(() => r())));

  it('gives a fetch call a CLIENT span and carries the trace and correlation id to the callee', async () => {
    const worker = await startWorker({ endpoint: rx.url });
    const inv = httpInvocation('orders-http', {
      url: `${BASE}/orders/8?call=${encodeURIComponent(downstreamUrl)}`,
      params: { id: '8' },
      headers: { 'x-correlation-id': 'checkout-8' },
    });
    const outcome = await worker.invoke(inv);
    expect(JSON.parse(outcome.response.returnValue.http.body.bytes).downstream).toBe(204);

    const span = await spanOf(inv.invocationId);
    const client = rx.spans().find((s) => s.kind === 3 && s.attrs['url.full'] === downstreamUrl)!;
    expect(client).toMatchObject({ traceId: span.traceId, parentSpanId: span.spanId });
    expect(client.attrs['http.response.status_code']).toBe(204);
    const headers = seen.at(-1)!;
    // sampled, and (W3C Level 2) the random trace id flag
    expect(headers.traceparent).toBe(traceparent(span.traceId, client.spanId, '03'));
    expect(headers.baggage).toBe('correlation_id=checkout-8');
  });
});
