import { describe, expect, it } from 'vitest';
import { useReceiver } from '../helpers/otlp-receiver.js';
import { fixture, runLambda } from '../helpers/run-lambda.js';

// Point 1: a span per invocation with the FaaS semantic conventions; results and errors
// reach the platform unchanged.
const rx = useReceiver();

describe('invocation span', () => {
  it('describes an API Gateway invocation with faas.*, cloud.* and http.* attributes', async () => {
    const event = { ...fixture('apigw-rest-v1'), _test: { statusCode: 201 } };
    const run = await runLambda({ handler: 'app.cjs', invocations: [{ event }], endpoint: rx.url });

    const outcome = run.outcomes[0]!;
    expect(outcome.error).toBeUndefined();
    expect(outcome.result.statusCode).toBe(201);
    const span = rx.invocationSpan(outcome.requestId)!;
    expect(span).toBeDefined();
    expect(span.name).toBe('POST /orders/{id}');
    expect(span.kind).toBe(2); // SPAN_KIND_SERVER
    expect(span.attrs).toMatchObject({
      'faas.trigger': 'http',
      'fntrace.trigger': 'aws.apigateway.rest',
      'faas.invocation_id': outcome.requestId,
      'cloud.account.id': '123456789012',
      'cloud.resource_id': 'arn:aws:lambda:us-east-1:123456789012:function:orders-fn',
      'http.request.method': 'POST',
      'http.route': '/orders/{id}',
      'url.path': '/orders/42',
      'url.scheme': 'https',
      'http.response.status_code': 201,
    });
    // what is the same for every invocation of the environment is on the resource (FaaS conventions)
    expect(span.resource).toMatchObject({
      'service.name': 'orders-fn',
      'faas.name': 'orders-fn',
      'faas.version': '$LATEST',
      'faas.max_memory': 256 * 1024 * 1024,
      'faas.instance': '2026/11/27/[$LATEST]0123456789abcdef',
      'cloud.provider': 'aws',
      'cloud.platform': 'aws_lambda',
      'host.arch': process.arch === 'x64' ? 'amd64' : process.arch,
      'cloud.region': 'us-east-1',
    });
    expect(span.status.code ?? 0).toBe(0);
  });

  it('records a thrown error on the span and rethrows it unchanged', async () => {
    const event = { ...fixture('apigw-http-v2'), _test: { throw: 'card declined' } };
    const run = await runLambda({ handler: 'app.cjs', invocations: [{ event }], endpoint: rx.url });

    const outcome = run.outcomes[0]!;
    expect(outcome.error).toMatchObject({ name: 'TypeError', message: 'card declined' });
    const span = rx.invocationSpan(outcome.requestId)!;
    expect(span.status).toEqual({ code: 2, message: 'card declined' });
    expect(span.attrs['error.type']).toBe('TypeError');
    const exception = span.events.find((e) => e.name === 'exception')!;
    expect(exception.attrs).toMatchObject({ 'exception.type': 'TypeError', 'exception.message': 'card declined' });
    expect(String(exception.attrs['exception.stacktrace'])).toContain('app.cjs');
  });

  it('marks 5xx responses as errors', async () => {
    const event = { ...fixture('alb'), _test: { statusCode: 503 } };
    const run = await runLambda({ handler: 'app.cjs', invocations: [{ event }], endpoint: rx.url });
    const span = rx.invocationSpan(run.outcomes[0]!.requestId)!;
    expect(span.attrs['http.response.status_code']).toBe(503);
    expect(span.status.code).toBe(2);
  });

  it('passes a callback-style result and error through unchanged', async () => {
    const run = await runLambda({
      handler: 'callback.cjs',
      invocations: [{ event: { fail: false } }, { event: { fail: true } }],
      endpoint: rx.url,
      sequential: true,
    });
    const [ok, failed] = run.outcomes;
    expect(ok!.result).toEqual({ ok: true, requestId: ok!.requestId, n: 42 });
    expect(failed!.error).toMatchObject({ name: 'RangeError', message: 'callback failure' });
    const span = rx.invocationSpan(failed!.requestId)!;
    expect(span.status.code).toBe(2);
  });

  it('works from an ES module through the ESM build', async () => {
    const run = await runLambda({
      handler: 'esm.mjs',
      invocations: [{ event: fixture('function-url') }],
      endpoint: rx.url,
    });
    const outcome = run.outcomes[0]!;
    expect(outcome.result).toEqual({ statusCode: 201, body: outcome.requestId });
    const span = rx.invocationSpan(outcome.requestId)!;
    expect(span.attrs['fntrace.trigger']).toBe('aws.lambda.url');
    expect(span.name).toBe('POST');
  });

  it('passes odd payloads through untouched and still records the invocation', async () => {
    const events = [
      null,
      'plain text',
      [1, 2, 3],
      { Records: 'not-a-list' },
      { requestContext: 5, Records: [null, 7] },
      42,
    ];
    const run = await runLambda({
      handler: 'echo.cjs',
      invocations: events.map((event) => ({ event })),
      endpoint: rx.url,
      sequential: true,
    });
    run.outcomes.forEach((outcome, i) => {
      expect(outcome.error).toBeUndefined();
      expect(outcome.result.echoed).toEqual(events[i]);
      expect(rx.invocationSpan(outcome.requestId)!.attrs['faas.trigger']).toBe('other');
    });
    expect(run.outcomes[4]!.result.records).toBe(2);
  });
});
