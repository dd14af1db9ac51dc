// POST /api/orders: accepts an order and queues it for the worker. The order travels on a
// Storage Queue, whose messages have no properties: the trace context goes in the JSON body
// (`traceHeaders()` gives `traceparent` and `baggage`), where order-worker's wrap() reads it.
import { app, output } from '@azure/functions';
import { correlationId, logger, traceHeaders, wrap } from '@fntrace/sdk/azure';

const ordersQueue = output.storageQueue({ queueName: 'orders', connection: 'AzureWebJobsStorage' });

app.http('orders-api', {
  methods: ['POST'],
  route: 'orders',
  extraOutputs: [ordersQueue],
  handler: wrap(async (request, context) => {
    const order = await request.json().catch(() => undefined);
    if (!order?.sku) {
      logger.warn('order without a sku');
      return { status: 400, jsonBody: { error: 'sku is required' } };
    }
    const orderId = crypto.randomUUID();
    context.extraOutputs.set(ordersQueue, {
      orderId,
      sku: order.sku,
      quantity: order.quantity ?? 1,
      ...traceHeaders(),
    });
    logger.info({ orderId, sku: order.sku }, 'order accepted');
    return { status: 202, jsonBody: { orderId, correlationId: correlationId() } };
  }),
});
