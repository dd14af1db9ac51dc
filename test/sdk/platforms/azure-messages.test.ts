import { describe, expect, it } from 'vitest';
import { useReceiver } from '../../helpers/otlp-receiver.js';
import {
  invocationSpan,
  serviceBusBatchInvocation,
  serviceBusInvocation,
  startWorker,
  storageQueueInvocation,
  timerInvocation,
  traceparent,
} from './azure/functions-host.js';

// `@fntrace/sdk/azure` around Service Bus, Storage Queue and timer functions: the producer's
// context from what each message carries, one CONSUMER span per message of a batch.
const rx = useReceiver();
const spanOf = (invocationId: string) => invocationSpan(rx, invocationId);

const PRODUCER = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331' };

describe('Azure Functions Service Bus trigger', () => {
  it("continues the producer's trace from the message's Diagnostic-Id, with messaging attributes and its CorrelationId", async () => {
    const worker = await startWorker({ endpoint: rx.url });
    const inv = serviceBusInvocation(
      'orders-sb',
      {
        body: { orderId: 42 },
        messageId: '1001',
        // what the Azure SDK's tracing sets; the library hands it over as `diagnostic-Id`
        applicationProperties: { 'Diagnostic-Id': traceparent(PRODUCER.traceId, PRODUCER.spanId) },
        correlationId: 'checkout-42',
        deliveryCount: 2,
        enqueuedTimeUtc: '2026-12-04T07:00:00.123Z',
      },
      // the host's own span for the message, in the same trace
      { traceParent: traceparent(PRODUCER.traceId, 'cccccccccccccccc') },
    );
    expect((await worker.invoke(inv)).error).toBeUndefined();

    const span = await spanOf(inv.invocationId);
    expect(span).toMatchObject({
      name: 'orders process',
      kind: 5,
      traceId: PRODUCER.traceId,
      parentSpanId: PRODUCER.spanId,
    });
    expect(span.attrs).toMatchObject({
      'faas.trigger': 'pubsub',
      'faas.name': 'orders-sb',
      'faas.coldstart': true,
      'fntrace.trigger': 'azure.servicebus',
      'fntrace.parent.source': 'message-attributes',
      'fntrace.correlation_id': 'checkout-42',
      'messaging.system': 'servicebus',
      'messaging.operation.type': 'process',
      'messaging.destination.name': 'orders',
      'messaging.message.id': '1001',
      'messaging.message.conversation_id': 'checkout-42',
      'messaging.servicebus.message.delivery_count': 2,
      'fntrace.message.sent_timestamp_ms': Date.parse('2026-12-04T07:00:00.123Z'),
    });
    expect(span.attrs['messaging.batch.message_count']).toBeUndefined();
    expect(worker.logs().find((l) => l.msg === 'order received')).toMatchObject({
      trace_id: PRODUCER.traceId,
      span_id: span.spanId,
      correlation_id: 'checkout-42',
      orderId: 42,
      delivery: 2,
    });
  });

  it('prefers a traceparent application property, and its correlation_id', async () => {
    const worker = await startWorker({ endpoint: rx.url });
    const inv = serviceBusInvocation('orders-sb', {
      body: { orderId: 43 },
      messageId: 'm-43',
      applicationProperties: {
        traceparent: traceparent(PRODUCER.traceId, PRODUCER.spanId),
        'Diagnostic-Id': traceparent('1bf92f3577b34da6a3ce929d0e0e4736', '00f067aa0ba902b7'),
        correlation_id: 'cart-43',
      },
      correlationId: 'request-reply-43',
    });
    await worker.invoke(inv);
    const span = await spanOf(inv.invocationId);
    expect(span).toMatchObject({ traceId: PRODUCER.traceId, parentSpanId: PRODUCER.spanId });
    expect(span.attrs['fntrace.correlation_id']).toBe('cart-43');
  });

  it('gives each message of a batch its own CONSUMER span under its producer, linked both ways', async () => {
    const worker = await startWorker({ endpoint: rx.url });
    const producers = [
      { traceId: '11111111111111111111111111111111', spanId: '1111111111111111' },
      { traceId: '22222222222222222222222222222222', spanId: '2222222222222222' },
    ];
    const inv = serviceBusBatchInvocation('orders-sb-batch', [
      {
        body: { orderId: 1 },
        messageId: 'm-1',
        applicationProperties: { 'Diagnostic-Id': traceparent(producers[0]!.traceId, producers[0]!.spanId) },
      },
      {
        body: { orderId: 2 },
        messageId: 'm-2',
        applicationProperties: { traceparent: traceparent(producers[1]!.traceId, producers[1]!.spanId) },
        deliveryCount: 3,
      },
      { body: { orderId: 3 }, messageId: 'm-3' },
    ]);
    expect((await worker.invoke(inv)).error).toBeUndefined();

    const invocation = await spanOf(inv.invocationId);
    expect(invocation).toMatchObject({ name: 'order-events process', kind: 5, parentSpanId: '' });
    expect(invocation.attrs).toMatchObject({
      'messaging.batch.message_count': 3,
      'messaging.destination.subscription.name': 'billing',
    });
    expect(invocation.links.map((l) => [l.spanId, l.attrs['messaging.message.id']])).toEqual([
      [producers[0]!.spanId, 'm-1'],
      [producers[1]!.spanId, 'm-2'],
    ]);

    const perMessage = rx
      .spans()
      .filter((s) => s.attrs['faas.invocation_id'] === inv.invocationId && s.spanId !== invocation.spanId);
    const byId = Object.fromEntries(perMessage.map((s) => [String(s.attrs['messaging.message.id']), s]));
    expect(Object.keys(byId).sort()).toEqual(['m-1', 'm-2', 'm-3']);
    for (const [i, p] of producers.entries()) {
      const s = byId[`m-${i + 1}`]!;
      expect(s).toMatchObject({ traceId: p.traceId, parentSpanId: p.spanId, name: 'order-events process' });
      expect(s.links.map((l) => l.attrs['fntrace.link.type'])).toEqual(['producer', 'invocation']);
      expect(s.attrs['fntrace.batch.index']).toBe(i);
    }
    expect(byId['m-2']!.attrs['messaging.servicebus.message.delivery_count']).toBe(3);
    // a message that carried nothing sits under the invocation
    expect(byId['m-3']).toMatchObject({ traceId: invocation.traceId, parentSpanId: invocation.spanId });

    const lines = worker.logs().filter((l) => l.msg === 'order billed');
    expect(lines.map((l) => [l.orderId, l.message_id, l.span_id])).toEqual([
      [1, 'm-1', byId['m-1']!.spanId],
      [2, 'm-2', byId['m-2']!.spanId],
      [3, 'm-3', byId['m-3']!.spanId],
    ]);
  });

  it('puts the error on the span of the message that failed, and the invocation', async () => {
    const worker = await startWorker({ endpoint: rx.url });
    const inv = serviceBusBatchInvocation('orders-sb-batch', [
      { body: { orderId: 1 }, messageId: 'm-1' },
      { body: { orderId: 2, fail: true }, messageId: 'm-2' },
    ]);
    expect((await worker.invoke(inv)).error).toEqual({ name: 'Error', message: 'order 2 failed' });
    const invocation = await spanOf(inv.invocationId);
    expect(invocation.status.code).toBe(2);
    const spans = rx.spans().filter((s) => s.kind === 5 && s.attrs['faas.invocation_id'] === inv.invocationId);
    const failed = spans.find((s) => s.attrs['messaging.message.id'] === 'm-2')!;
    expect(failed.status).toMatchObject({ code: 2, message: 'order 2 failed' });
    expect(spans.find((s) => s.attrs['messaging.message.id'] === 'm-1')!.status.code ?? 0).toBe(0);
  });
});

describe('Azure Functions Storage Queue trigger', () => {
  it("reads the producer's context from a JSON message's traceparent field, else continues the host's", async () => {
    const worker = await startWorker({ endpoint: rx.url });
    const withContext = storageQueueInvocation('thumbnails', {
      text: JSON.stringify({
        image: 'cat.png',
        traceparent: traceparent(PRODUCER.traceId, PRODUCER.spanId),
        correlation_id: 'upload-7',
      }),
      id: '6f1c0e2a-9d3b-4c57-8a61-2b0c4f9e7d15',
      dequeueCount: 2,
      insertionTime: '2026-12-04T07:00:00Z',
    });
    const plainText = storageQueueInvocation(
      'thumbnails',
      { text: 'dog.png', id: '7f1c0e2a-9d3b-4c57-8a61-2b0c4f9e7d15' },
      { traceParent: traceparent('4bf92f3577b34da6a3ce929d0e0e4736', '00f067aa0ba902b7') },
    );
    await worker.invoke(withContext);
    await worker.invoke(plainText);

    const a = await spanOf(withContext.invocationId);
    expect(a).toMatchObject({
      name: 'thumbnails process',
      kind: 5,
      traceId: PRODUCER.traceId,
      parentSpanId: PRODUCER.spanId,
    });
    expect(a.attrs).toMatchObject({
      'faas.trigger': 'pubsub',
      'fntrace.trigger': 'azure.storage_queue',
      'fntrace.parent.source': 'message-body',
      'fntrace.correlation_id': 'upload-7',
      'messaging.system': 'azure_storage_queue',
      'messaging.destination.name': 'thumbnails',
      'messaging.message.id': '6f1c0e2a-9d3b-4c57-8a61-2b0c4f9e7d15',
      'fntrace.message.receive_count': 2,
      'fntrace.message.sent_timestamp_ms': Date.parse('2026-12-04T07:00:00Z'),
    });
    const b = await spanOf(plainText.invocationId);
    expect(b).toMatchObject({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', parentSpanId: '00f067aa0ba902b7' });
    expect(b.attrs['fntrace.parent.source']).toBe('azure-trace-context');
    expect(
      worker
        .logs()
        .filter((l) => l.msg === 'thumbnail made')
        .map((l) => l.image),
    ).toEqual(['cat.png', 'dog.png']);
  });
});

describe('Azure Functions timer trigger', () => {
  it('names the schedule', async () => {
    const worker = await startWorker({ endpoint: rx.url });
    const inv = timerInvocation('nightly');
    await worker.invoke(inv);
    const span = await spanOf(inv.invocationId);
    expect(span).toMatchObject({ name: 'nightly', kind: 2 });
    expect(span.attrs).toMatchObject({
      'faas.trigger': 'timer',
      'faas.cron': '0 0 2 * * *',
      'fntrace.timer.past_due': false,
    });
  });
});
