import { describe, expect, it } from 'vitest';
import { useReceiver } from '../helpers/otlp-receiver.js';
import { fixture, runLambda } from '../helpers/run-lambda.js';

// Point 4: a correlation id from headers, baggage or message attributes, else the request id;
// on the span, on every log line, and in W3C baggage for downstream calls.
const rx = useReceiver();

const httpWith = (headers: Record<string, string>) => {
  const event = fixture('apigw-http-v2');
  return { ...event, headers: { host: event.headers.host, ...headers } };
};

describe('correlation id', () => {
  it.each([
    ['x-correlation-id header', fixture('apigw-rest-v1'), 'corr-rest-1'],
    ['x-request-id header', fixture('apigw-http-v2'), 'req-http-2'],
    ['correlation_id baggage member', httpWith({ baggage: 'correlation_id=from-baggage,tenant=t1' }), 'from-baggage'],
    ['SNS message attribute', fixture('sns'), 'corr-sns-1'],
  ])('comes from the %s', async (_what, event, expected) => {
    const run = await runLambda({ handler: 'app.cjs', invocations: [{ event }], endpoint: rx.url });
    const outcome = run.outcomes[0]!;
    const body = JSON.parse(outcome.result.body);
    expect(body.correlationId).toBe(expected);
    const span = rx
      .spans()
      .find((s) => s.attrs['faas.invocation_id'] === outcome.requestId && s.attrs['faas.trigger'])!;
    expect(span.attrs['fntrace.correlation_id']).toBe(expected);
    const lines = run.logs.filter((l) => l.invocation_id === outcome.requestId);
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(lines.every((l) => l.correlation_id === expected)).toBe(true);
    expect(body.headers.baggage).toContain(`correlation_id=${encodeURIComponent(expected)}`);
  });

  it('falls back to the platform request id', async () => {
    const run = await runLambda({
      handler: 'app.cjs',
      invocations: [{ event: fixture('scheduled') }],
      endpoint: rx.url,
    });
    const outcome = run.outcomes[0]!;
    expect(JSON.parse(outcome.result.body).correlationId).toBe(outcome.requestId);
  });

  it('propagates trace context and incoming baggage to downstream calls', async () => {
    const run = await runLambda({
      handler: 'app.cjs',
      invocations: [{ event: fixture('apigw-rest-v1') }],
      endpoint: rx.url,
    });
    const outcome = run.outcomes[0]!;
    const { headers } = JSON.parse(outcome.result.body);
    const span = rx
      .spans()
      .find((s) => s.attrs['faas.invocation_id'] === outcome.requestId && s.attrs['faas.trigger'])!;
    expect(headers.traceparent).toBe(`00-${span.traceId}-${span.spanId}-01`);
    expect(headers.tracestate).toBe('vendor=abc');
    expect(headers.baggage.split(',').sort()).toEqual(['correlation_id=corr-rest-1', 'tenant=acme']);
  });
});
