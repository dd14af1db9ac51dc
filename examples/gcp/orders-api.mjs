// An HTTP function (Cloud Run functions, `--trigger-http`): accepts an order and publishes it to
// the `orders` Pub/Sub topic with the real `@google-cloud/pubsub` client. One import and one
// wrap(): the invocation span, cold start, correlation id, Cloud Logging fields and the flush
// before the response come from @fntrace/sdk/gcp, and so do the publish's PRODUCER span and the
// trace context the message carries to order-events.mjs — there is no tracing code here.

import { correlationId, logger, wrap } from '@fntrace/sdk/gcp';
import { PubSub } from '@google-cloud/pubsub';

// made once per instance, outside the function, as Google's client libraries advise; locally it
// talks to PUBSUB_EMULATOR_HOST (the demo's stand-in, local-pubsub.mjs)
const orders = new PubSub().topic(process.env.ORDERS_TOPIC ?? 'orders');

export const ordersApi = wrap(async (req, res) => {
  const order = req.body ?? {};
  logger.info({ item: order.item, quantity: order.quantity }, 'order received');
  if (!order.item) {
    logger.warn('order without an item');
    res.status(400).json({ error: 'item is required' });
    return;
  }
  const messageId = await orders.publishMessage({ json: order });
  logger.info({ messageId }, 'order published');
  res.status(202).json({ messageId, correlationId: correlationId() });
});
