import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { useReceiver } from '../../helpers/otlp-receiver.js';
import { type MetadataServer, startMetadataServer, useFunction } from './gcp/serve.js';

// HTTP functions wrapped with `@fntrace/sdk/gcp`, served by @google-cloud/functions-framework's
// own CLI in a process of their own, over real sockets; spans and log records arrive at a real
// OTLP receiver on 127.0.0.1, and the log lines are read from the function's stdout.
const rx = useReceiver();
let metadata: MetadataServer;
beforeAll(async () => {
  metadata = await startMetadataServer({ 'instance/id': '0087244a4e0b5c4d7e2f' });
});
afterAll(() => metadata?.close());

const fn = useFunction(() => ({
  source: 'functions.cjs',
  target: 'httpFn',
  service: 'orders-api',
  env: {
    OTEL_EXPORTER_OTLP_ENDPOINT: rx.url,
    GOOGLE_CLOUD_PROJECT: 'orders-project',
    GOOGLE_CLOUD_REGION: 'europe-west1',
    FUNCTION_MEMORY_MB: '512',
    GCE_METADATA_HOST: metadata.host,
  },
}));

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const tp = (spanId: string, flags = '01') => `00-${TRACE}-${spanId}-${flags}`;
const call = (path: string, executionId: string, headers: Record<string, string> = {}, init: RequestInit = {}) =>
  fetch(new URL(path, fn.url), { ...init, headers: { 'function-execution-id': executionId, ...headers } });
const logsOf = (executionId: string) => fn.logs().filter((l) => l.invocation_id === executionId);

describe('HTTP functions on the functions framework', () => {
  it('trace a request as a SERVER span, flushed before the response, with the cold start and Cloud Logging fields', async () => {
    const res = await call('/orders/42?id=7&token=s3cret', 'exec-cold', {
      traceparent: tp('00f067aa0ba902b7'),
      'x-correlation-id': 'checkout-42',
      'user-agent': 'fntrace-test',
    });
    const body = await res.json();

    // the response was let go only after the flush: the span is at the receiver already
    const span = rx.invocationSpan('exec-cold')!;
    expect(span).toBeDefined();
    expect(res.status).toBe(200);
    expect(span.kind).toBe(2);
    expect(span.name).toBe('GET');
    expect(span.traceId).toBe(TRACE);
    expect(span.parentSpanId).toBe('00f067aa0ba902b7');
    expect(span.attrs).toMatchObject({
      'faas.trigger': 'http',
      'fntrace.trigger': 'gcp.http',
      'fntrace.parent.source': 'http-headers',
      'faas.coldstart': true,
      'fntrace.correlation_id': 'checkout-42',
      'http.request.method': 'GET',
      'url.path': '/orders/42',
      'url.query': 'id=7&token=[REDACTED]',
      'url.scheme': 'http',
      'server.address': '127.0.0.1',
      'user_agent.original': 'fntrace-test',
      'network.protocol.version': '1.1',
      'http.response.status_code': 200,
    });
    expect(span.attrs['fntrace.init_duration_ms']).toBeGreaterThan(0);
    expect(span.resource).toMatchObject({
      'service.name': 'orders-api',
      'cloud.provider': 'gcp',
      'cloud.platform': 'gcp_cloud_functions',
      'faas.name': 'orders-api',
      'faas.version': 'orders-api-00001-abc',
      'cloud.region': 'europe-west1',
      'cloud.account.id': 'orders-project',
      'faas.max_memory': 512 * 1024 * 1024,
      'fntrace.gcp.function_target': 'httpFn',
      'fntrace.gcp.signature_type': 'http',
    });
    const init = rx.spans().find((s) => s.name === 'init' && s.parentSpanId === span.spanId)!;
    expect(init.traceId).toBe(TRACE);
    expect(init.endMs).toBeLessThanOrEqual(span.startMs + 0.001);

    // what the function saw: its correlation id, and the headers that carry its span on
    expect(body.correlationId).toBe('checkout-42');
    expect(body.headers.traceparent).toBe(`00-${TRACE}-${span.spanId}-01`);
    expect(body.headers.baggage).toBe('correlation_id=checkout-42');

    const [handling, answering] = logsOf('exec-cold');
    expect(handling).toMatchObject({
      msg: 'handling',
      level: 'info',
      severity: 'INFO',
      service: 'orders-api',
      function: 'orders-api',
      trace_id: TRACE,
      span_id: span.spanId,
      correlation_id: 'checkout-42',
      cold_start: true,
      'logging.googleapis.com/trace': `projects/orders-project/traces/${TRACE}`,
      'logging.googleapis.com/spanId': span.spanId,
      'logging.googleapis.com/trace_sampled': true,
    });
    expect(answering).toMatchObject({ msg: 'answering', severity: 'WARNING', span_id: span.spanId });
    // the same records went out as OTLP logs in the invocation's flush
    const exported = rx.logs().find((l) => l.body === 'handling' && l.spanId === span.spanId)!;
    expect(exported.traceId).toBe(TRACE);
    expect(exported.attrs.invocation_id).toBe('exec-cold');
  });

  it('take the parent from X-Cloud-Trace-Context (decimal span id) when no traceparent came, and mark only the first request cold', async () => {
    // the metadata server's answer (the instance id) is in by now
    await vi.waitFor(() => expect(metadata.requests.map((r) => r.path)).toContain('instance/id'));
    await call('/', 'exec-xctc', { 'x-cloud-trace-context': `${TRACE}/12345678901234567890;o=1` });

    const span = rx.invocationSpan('exec-xctc')!;
    expect(span.traceId).toBe(TRACE);
    expect(span.parentSpanId).toBe('ab54a98ceb1f0ad2');
    expect(span.attrs['fntrace.parent.source']).toBe('x-cloud-trace-context');
    expect(span.attrs['faas.coldstart']).toBe(false);
    expect(span.attrs['fntrace.init_duration_ms']).toBeUndefined();
    expect(rx.spans().some((s) => s.name === 'init' && s.parentSpanId === span.spanId)).toBe(false);
    expect(logsOf('exec-xctc')[0].cold_start).toBe(false);
    // learned from the metadata server, asked with its header
    expect(span.attrs['faas.instance']).toBe('0087244a4e0b5c4d7e2f');
    expect(metadata.requests.every((r) => r.flavor === 'Google')).toBe(true);
  });

  it("start a trace of its own when the front end's span (traceparent and X-Cloud-Trace-Context naming one span) is not sampled", async () => {
    const frontEnd = {
      traceparent: tp('ab54a98ceb1f0ad2', '00'),
      'x-cloud-trace-context': `${TRACE}/12345678901234567890;o=0`,
    };
    await call('/', 'exec-frontend-unsampled', frontEnd);
    await call('/', 'exec-frontend-sampled', {
      traceparent: tp('ab54a98ceb1f0ad2', '01'),
      'x-cloud-trace-context': `${TRACE}/12345678901234567890;o=1`,
    });

    const own = rx.invocationSpan('exec-frontend-unsampled')!;
    expect(own.traceId).not.toBe(TRACE);
    expect(own.parentSpanId).toBe('');
    expect(own.attrs['fntrace.parent.source']).toBeUndefined();
    const sampled = rx.invocationSpan('exec-frontend-sampled')!;
    expect([sampled.traceId, sampled.parentSpanId]).toEqual([TRACE, 'ab54a98ceb1f0ad2']);
    expect(sampled.attrs['fntrace.parent.source']).toBe('x-cloud-trace-context');
  });

  it('keep overlapping requests apart: each has its own span, parent and log ids', async () => {
    await Promise.all([
      call('/?sleepMs=150', 'exec-a', { traceparent: tp('aaaaaaaaaaaaaaaa'), 'x-correlation-id': 'corr-a' }),
      call('/?sleepMs=150', 'exec-b', { traceparent: tp('bbbbbbbbbbbbbbbb'), 'x-correlation-id': 'corr-b' }),
    ]);
    for (const id of ['a', 'b']) {
      const span = rx.invocationSpan(`exec-${id}`)!;
      expect(span.parentSpanId).toBe(id.repeat(16));
      expect(span.attrs['fntrace.correlation_id']).toBe(`corr-${id}`);
      const lines = logsOf(`exec-${id}`);
      expect(lines.map((l) => [l.span_id, l.correlation_id])).toEqual([
        [span.spanId, `corr-${id}`],
        [span.spanId, `corr-${id}`],
      ]);
    }
  });

  it('record 5xx answers and thrown errors, which the framework answers with 500', async () => {
    const unavailable = await call('/?status=503', 'exec-503');
    const thrown = await call('/?fail=throw', 'exec-throw');
    expect([unavailable.status, thrown.status]).toEqual([503, 500]);

    const s503 = rx.invocationSpan('exec-503')!;
    expect(s503.status.code).toBe(2);
    expect(s503.attrs).toMatchObject({ 'http.response.status_code': 503, 'error.type': '503' });
    const sThrown = rx.invocationSpan('exec-throw')!;
    expect(sThrown.status).toMatchObject({ code: 2, message: 'order rejected' });
    expect(sThrown.attrs).toMatchObject({ 'http.response.status_code': 500, 'error.type': 'Error' });
    expect(sThrown.events.find((e) => e.name === 'exception')?.attrs['exception.message']).toBe('order rejected');
  });

  it('end the invocation when the function fails after it started answering (the framework cannot answer 500 then)', async () => {
    const res = await call('/?fail=after-headers', 'exec-partial');
    expect(res.status).toBe(200);
    // nobody ends that response: stop reading it
    await res.body?.cancel();
    await vi.waitFor(() => expect(rx.invocationSpan('exec-partial')).toBeDefined());
    const span = rx.invocationSpan('exec-partial')!;
    expect(span.status).toMatchObject({ code: 2, message: 'failed mid-answer' });
  });

  it('trace a Pub/Sub push to the function as the processing of its message', async () => {
    const push = {
      message: {
        attributes: { traceparent: tp('cccccccccccccccc'), correlation_id: 'order-7' },
        data: Buffer.from('{"orderId":7}').toString('base64'),
        messageId: '9001',
        publishTime: '2026-11-27T10:00:00.000Z',
      },
      subscription: 'projects/orders-project/subscriptions/orders-push',
      deliveryAttempt: 2,
    };
    await call(
      '/',
      'exec-push',
      { 'content-type': 'application/json', traceparent: tp('dddddddddddddddd', '00') },
      { method: 'POST', body: JSON.stringify(push) },
    );

    const span = rx.invocationSpan('exec-push')!;
    expect(span.kind).toBe(5);
    expect(span.name).toBe('orders-push process');
    expect(span.parentSpanId).toBe('cccccccccccccccc');
    expect(span.attrs).toMatchObject({
      'faas.trigger': 'pubsub',
      'fntrace.trigger': 'gcp.pubsub.push',
      'fntrace.parent.source': 'message-attributes',
      'fntrace.correlation_id': 'order-7',
      'messaging.system': 'gcp_pubsub',
      'messaging.message.id': '9001',
      'messaging.destination.subscription.name': 'orders-push',
      'messaging.message.body.size': 13,
      'messaging.gcp_pubsub.message.delivery_attempt': 2,
      'fntrace.message.sent_timestamp_ms': Date.parse('2026-11-27T10:00:00.000Z'),
      'http.request.method': 'POST',
      'http.response.status_code': 200,
    });
  });
});
