import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useReceiver } from '../../helpers/otlp-receiver.js';
import { httpInvocation, invocationSpan, startWorker, storageQueueInvocation } from './azure/functions-host.js';

// The functions in examples/azure as they are deployed: the API queues an order through a
// Storage Queue output binding, the worker takes it from the queue, and the worker's span
// continues the API's trace — the context went in the message's JSON body.
const rx = useReceiver();
const spanOf = (invocationId: string) => invocationSpan(rx, invocationId);
const EXAMPLE = resolve(import.meta.dirname, '../../../examples/azure/src/functions');

describe('examples/azure', () => {
  it('joins the API and the queue worker in one trace, with one correlation id', async () => {
    const api = await startWorker({ endpoint: rx.url, app: `${EXAMPLE}/orders-api.js` });
    const post = httpInvocation('orders-api', {
      method: 'POST',
      url: 'https://orders-app.azurewebsites.net/api/orders',
      headers: { 'content-type': 'application/json', 'x-correlation-id': 'web-checkout-1' },
      body: JSON.stringify({ sku: 'sku-42', quantity: 2 }),
    });
    const answer = await api.invoke(post);
    expect(answer.response.returnValue.http.statusCode).toBe('202');
    // what the host would put on the queue: the output binding's value
    const queued = answer.response.outputData.find((o: any) => o.data?.json)!.data.json as string;
    expect(JSON.parse(queued)).toMatchObject({ sku: 'sku-42', quantity: 2 });

    const worker = await startWorker({ endpoint: rx.url, app: `${EXAMPLE}/order-worker.js` });
    const take = storageQueueInvocation('order-worker', { text: queued, id: '3c1f0e2a-9d3b-4c57-8a61-2b0c4f9e7d15' });
    expect((await worker.invoke(take)).error).toBeUndefined();

    const producer = await spanOf(post.invocationId);
    const consumer = await spanOf(take.invocationId);
    expect(producer.name).toBe('POST /api/orders');
    expect(consumer).toMatchObject({
      traceId: producer.traceId,
      parentSpanId: producer.spanId,
      name: 'orders process',
    });
    expect(consumer.attrs).toMatchObject({
      'fntrace.parent.source': 'message-body',
      'fntrace.correlation_id': 'web-checkout-1',
    });
    expect(worker.logs().map((l) => [l.msg, l.trace_id, l.correlation_id])).toEqual([
      ['reserving stock', producer.traceId, 'web-checkout-1'],
      ['order ready to ship', producer.traceId, 'web-checkout-1'],
    ]);
  });
});
