// A function app as a user writes it for the v4 programming model: each handler registered with
// `app.*` and wrapped with one import. What an invocation does is steered by its input
// (`?status=`, `?delayMs=`, `?call=`, `?throw=` on HTTP; `fail` on a batch message).
import { app } from '@azure/functions';
import { correlationId, logger, messages, wrap } from '@fntrace/sdk/azure';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function orders(request, context) {
  const q = request.query;
  logger.info({ id: request.params.id, password: 'hunter2' }, 'order requested');
  if (q.get('delayMs')) await sleep(Number(q.get('delayMs')));
  let downstream;
  if (q.get('call')) downstream = (await fetch(q.get('call'))).status;
  if (q.get('throw')) throw new RangeError(q.get('throw'));
  logger.info({ step: 'end' }, 'order answered');
  return {
    status: Number(q.get('status') ?? 200),
    jsonBody: { correlationId: correlationId(), invocationId: context.invocationId, downstream },
  };
}

app.http('orders-http', { methods: ['GET', 'POST'], route: 'orders/{id}', handler: wrap(orders) });
app.http('orders-logged', { methods: ['GET'], route: 'logged/{id}', handler: wrap(orders, { contextLog: true }) });

app.serviceBusQueue('orders-sb', {
  connection: 'ServiceBusConnection',
  queueName: 'orders',
  handler: wrap(async (message, context) => {
    logger.info({ orderId: message.orderId, delivery: context.triggerMetadata.deliveryCount }, 'order received');
  }),
});

app.serviceBusTopic('orders-sb-batch', {
  connection: 'ServiceBusConnection',
  topicName: 'order-events',
  subscriptionName: 'billing',
  cardinality: 'many',
  handler: wrap(async (batch) => {
    for (const message of messages(batch)) {
      if (message.fail) throw new Error(`order ${message.orderId} failed`);
      logger.info({ orderId: message.orderId }, 'order billed');
    }
  }),
});

app.storageQueue('thumbnails', {
  connection: 'AzureWebJobsStorage',
  queueName: 'thumbnails',
  handler: wrap(async (message) => {
    logger.info({ image: message.image ?? message }, 'thumbnail made');
  }),
});

app.timer('nightly', {
  schedule: '0 0 2 * * *',
  handler: wrap(async (timer) => {
    logger.info({ pastDue: timer.isPastDue }, 'nightly run');
  }),
});
