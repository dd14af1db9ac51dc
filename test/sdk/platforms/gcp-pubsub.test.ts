import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error — plain ES module shared with the examples
import { startLocalPubSub } from '../../../examples/gcp/local-pubsub.mjs';
import { type FlatSpan, useReceiver } from '../../helpers/otlp-receiver.js';
import { serveInTest, useFunction } from './gcp/serve.js';

// Publishing with the real `@google-cloud/pubsub` client from a wrapped function, against a local
// stand-in that speaks Pub/Sub's gRPC Publisher API (examples/gcp/local-pubsub.mjs, via
// PUBSUB_EMULATOR_HOST) and pushes each message to a CloudEvent function as Eventarc does. Both
// functions run under @google-cloud/functions-framework in processes of their own.
const rx = useReceiver();
let pubsub: any;
beforeAll(async () => {
  pubsub = await startLocalPubSub({ project: 'orders-project' });
});
afterAll(() => pubsub?.close());

const pubsubEnv = () => ({
  OTEL_EXPORTER_OTLP_ENDPOINT: rx.url,
  PUBSUB_EMULATOR_HOST: pubsub.host,
  PUBSUB_PROJECT_ID: pubsub.project,
  GOOGLE_CLOUD_PROJECT: pubsub.project,
});
const consumer = useFunction(() => ({
  source: 'functions.cjs',
  target: 'eventFn',
  signatureType: 'cloudevent',
  service: 'order-events',
  env: pubsubEnv(),
}));
const producer = useFunction(() => ({
  source: 'publisher.mjs',
  target: 'publishFn',
  service: 'orders-api',
  env: pubsubEnv(),
}));

const spansOf = (service: string) => rx.spans().filter((s) => s.resource['service.name'] === service);
const tp = (value: string | undefined) => {
  const [, traceId, spanId] = String(value).split('-');
  return { traceId, spanId };
};

describe('Pub/Sub publish from a Google Cloud function', () => {
  let ids: string[];
  let invocation: FlatSpan;
  let sends: FlatSpan[];

  beforeAll(async () => {
    pubsub.subscribePush('orders', consumer.url, 'order-events-push');
    const res = await fetch(producer.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'function-execution-id': 'exec-publish',
        'x-correlation-id': 'order-99',
      },
      body: JSON.stringify({ topic: 'orders', order: { orderId: 99 } }),
    });
    ids = (await res.json()).ids;
    await pubsub.idle();
    invocation = rx.invocationSpan('exec-publish')!;
    sends = spansOf('orders-api').filter((s) => s.kind === 4);
  });

  it('give each publish a PRODUCER span with the id Pub/Sub answered, and put its context in the message', () => {
    const [ordered] = pubsub.messages;
    const send = sends.find((s) => s.attrs['messaging.message.id'] === ordered.messageId)!;
    expect(ids[0]).toBe(ordered.messageId);
    expect(send.name).toBe('orders send');
    expect(send.parentSpanId).toBe(invocation.spanId);
    expect(send.attrs).toMatchObject({
      'messaging.system': 'gcp_pubsub',
      'messaging.destination.name': 'orders',
      'messaging.operation.type': 'send',
      'messaging.operation.name': 'publish',
      'messaging.message.body.size': Buffer.byteLength('{"orderId":99}'),
      'fntrace.pubsub.topic': 'projects/orders-project/topics/orders',
    });
    // the message carries the send span, the correlation id, and the caller's own attribute
    expect(tp(ordered.attributes.traceparent)).toEqual({ traceId: send.traceId, spanId: send.spanId });
    expect(ordered.attributes.baggage).toBe('correlation_id=order-99');
    expect(ordered.attributes.source).toBe('orders-api');
    expect(JSON.parse(ordered.data.toString())).toEqual({ orderId: 99 });
  });

  it("leave a message's own traceparent as it is, and trace callback-style publishes too", () => {
    const [, own, called] = pubsub.messages;
    expect(own.attributes).toEqual({ traceparent: '00-11111111111111111111111111111111-2222222222222222-01' });
    expect(sends.map((s) => s.attrs['messaging.message.id']).sort()).toEqual([...ids].sort());
    const callbackSend = sends.find((s) => s.attrs['messaging.message.id'] === called.messageId)!;
    expect(tp(called.attributes.traceparent).spanId).toBe(callbackSend.spanId);
    expect(called.attributes.kind).toBe('callback');
  });

  it('continue the trace in the function the message is pushed to, one span per message, joined by message id', () => {
    expect(pubsub.deliveries.map((d: any) => d.status)).toEqual([204, 204, 204]);
    const [ordered] = pubsub.messages;
    const send = sends.find((s) => s.attrs['messaging.message.id'] === ordered.messageId)!;
    const received = spansOf('order-events').filter((s) => s.attrs['faas.trigger'] === 'pubsub');
    expect(received).toHaveLength(3);
    const span = received.find((s) => s.attrs['messaging.message.id'] === ordered.messageId)!;
    expect([span.traceId, span.parentSpanId]).toEqual([invocation.traceId, send.spanId]);
    expect(span.attrs).toMatchObject({
      'faas.invocation_id': ordered.messageId,
      'fntrace.correlation_id': 'order-99',
      'messaging.destination.name': 'orders',
      'messaging.destination.subscription.name': 'order-events-push',
    });
    const line = consumer.logs().find((l) => l.invocation_id === ordered.messageId)!;
    expect([line.trace_id, line.span_id, line.correlation_id]).toEqual([invocation.traceId, span.spanId, 'order-99']);
  });

  it('reach a client loaded after the first invocation started only once it is handed to instrument()', async () => {
    const lazy = await serveInTest({ source: 'lazy-publisher.cjs', target: 'lazyPublishFn', env: pubsubEnv() });
    const answers = [await fetch(lazy.url), await fetch(new URL('/?instrument=yes', lazy.url))];
    expect(answers.map((r) => r.status)).toEqual([200, 200]);

    const [before, after] = pubsub.messages.filter((m: any) => m.topic.endsWith('/lazy'));
    expect(before.attributes.traceparent).toBeUndefined();
    const send = rx.spans().find((s) => s.kind === 4 && s.attrs['messaging.message.id'] === after.messageId)!;
    expect(tp(after.attributes.traceparent).spanId).toBe(send.spanId);
  });
});
