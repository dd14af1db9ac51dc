// Storage Queue worker: one invocation per order. Its span continues the API's trace (the
// `traceparent` field of the message), and its log lines carry that trace and the order's
// correlation id.
import { app } from '@azure/functions';
import { logger, wrap } from '@fntrace/sdk/azure';

app.storageQueue('order-worker', {
  queueName: 'orders',
  connection: 'AzureWebJobsStorage',
  handler: wrap(async (order) => {
    logger.info({ orderId: order.orderId, sku: order.sku }, 'reserving stock');
    // calls made here (fetch, node:http) carry the trace on with no code of yours
    logger.info({ orderId: order.orderId }, 'order ready to ship');
  }),
});
