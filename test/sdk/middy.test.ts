import { describe, expect, it } from 'vitest';
import { useReceiver } from '../helpers/otlp-receiver.js';
import { fixture, runLambda } from '../helpers/run-lambda.js';

// The middy middleware (`@fntrace/sdk/middy`) drives the same wrapper core as wrap().
const rx = useReceiver();

describe('middy middleware', () => {
  it('traces the invocation and binds the logger, like wrap()', async () => {
    const run = await runLambda({
      handler: 'middy.mjs',
      invocations: [{ event: fixture('apigw-rest-v1') }],
      endpoint: rx.url,
    });
    const outcome = run.outcomes[0]!;
    expect(outcome.result).toEqual({ statusCode: 200, body: 'corr-rest-1' });
    const span = rx.invocationSpan(outcome.requestId)!;
    expect(span).toMatchObject({ name: 'POST /orders/{id}', traceId: '0af7651916cd43dd8448eb211c80319c' });
    expect(span.attrs['http.response.status_code']).toBe(200);
    const line = run.logs.find((l) => l.msg === 'inside middy handler')!;
    expect(line).toMatchObject({
      span_id: span.spanId,
      correlation_id: 'corr-rest-1',
      invocation_id: outcome.requestId,
    });
  });

  it('records the handler error and lets middy rethrow it', async () => {
    const event = { ...fixture('apigw-rest-v1'), _test: { throw: 'middy boom' } };
    const run = await runLambda({ handler: 'middy.mjs', invocations: [{ event }], endpoint: rx.url });
    const outcome = run.outcomes[0]!;
    expect(outcome.error).toMatchObject({ message: 'middy boom' });
    const span = rx.invocationSpan(outcome.requestId)!;
    expect(span.status).toEqual({ code: 2, message: 'middy boom' });
  });
});
