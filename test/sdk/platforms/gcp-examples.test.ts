import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error — plain ES module shared with the examples
import { startLocalPubSub } from '../../../examples/gcp/local-pubsub.mjs';
import { useReceiver } from '../../helpers/otlp-receiver.js';
import { useFunction } from './gcp/serve.js';

// The functions of examples/gcp as they are, under @google-cloud/functions-framework, joined by
// the local Pub/Sub stand-in that pushes each message to order-events as Eventarc would.
const EXAMPLES = resolve(import.meta.dirname, '../../../examples/gcp');
const rx = useReceiver();
let pubsub: any;
beforeAll(async () => {
  pubsub = await startLocalPubSub({ project: 'shop-project' });
});
afterAll(() => pubsub?.close());

const env = () => ({
  OTEL_EXPORTER_OTLP_ENDPOINT: rx.url,
  PUBSUB_EMULATOR_HOST: pubsub.host,
  PUBSUB_PROJECT_ID: pubsub.project,
  GOOGLE_CLOUD_PROJECT: pubsub.project,
});
const api = useFunction(() => ({
  source: `${EXAMPLES}/orders-api.mjs`,
  target: 'ordersApi',
  service: 'orders-api',
  env: env(),
}));
const events = useFunction(() => ({
  source: `${EXAMPLES}/order-events.mjs`,
  target: 'orderEvents',
  signatureType: 'cloudevent',
  service: 'order-events',
  env: env(),
}));

const order = (body: unknown, executionId: string) =>
  fetch(api.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'function-execution-id': executionId },
    body: JSON.stringify(body),
  });

describe('the Google Cloud examples', () => {
  it('take an order over HTTP, publish it, and continue its trace in the function the topic triggers', async () => {
    pubsub.subscribePush('orders', events.url, 'order-events');
    const res = await order({ item: 'book', quantity: 2 }, 'exec-order');
    const { messageId, correlationId } = await res.json();
    await pubsub.idle();

    expect(res.status).toBe(202);
    const request = rx.invocationSpan('exec-order')!;
    const consumed = rx.invocationSpan(messageId)!;
    const send = rx.spans().find((s) => s.kind === 4 && s.attrs['messaging.message.id'] === messageId)!;
    expect(send.parentSpanId).toBe(request.spanId);
    expect([consumed.traceId, consumed.parentSpanId]).toEqual([request.traceId, send.spanId]);
    expect(consumed.attrs['fntrace.correlation_id']).toBe(correlationId);
    const fulfilled = events.logs().find((l) => l.msg === 'order fulfilled')!;
    expect(fulfilled).toMatchObject({
      item: 'book',
      trace_id: request.traceId,
      span_id: consumed.spanId,
      'logging.googleapis.com/trace': `projects/shop-project/traces/${request.traceId}`,
    });
  });

  it('answer 400 to an order without an item, with a warning line under its span', async () => {
    const res = await order({ quantity: 1 }, 'exec-no-item');
    expect(res.status).toBe(400);
    const span = rx.invocationSpan('exec-no-item')!;
    expect(span.attrs['http.response.status_code']).toBe(400);
    expect(api.logs().find((l) => l.msg === 'order without an item')).toMatchObject({
      severity: 'WARNING',
      span_id: span.spanId,
    });
  });
});
