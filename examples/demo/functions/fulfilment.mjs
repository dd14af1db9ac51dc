// Fulfilment, a Google Cloud Run function triggered by the `order-events` Pub/Sub topic
// (`--trigger-topic=order-events`): Eventarc delivers each message as a CloudEvent. Its span
// continues the trace of the checkout that started at the edge (the context travelled in the
// message's attributes), and its log lines carry that trace's ids for Cloud Logging and the
// collector. The warehouse runs out of espresso machines now and then: the function fails.
import { logger, wrap } from '@fntrace/sdk/gcp';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const CARRIERS = ['DHL', 'UPS', 'La Poste'];

export const fulfilment = wrap(async (cloudEvent) => {
  const { message } = cloudEvent.data;
  const order = JSON.parse(Buffer.from(message.data, 'base64').toString('utf8'));
  logger.info({ orderId: order.orderId, item: order.item, messageId: message.messageId }, 'order event received');
  await sleep(10 + Math.random() * 30); // "pick and pack"
  if (order.item === 'espresso-machine' && Math.random() < 0.25) {
    logger.error({ orderId: order.orderId, item: order.item }, 'out of stock');
    throw new Error(`out of stock: ${order.item}`);
  }
  const carrier = CARRIERS[Math.floor(Math.random() * CARRIERS.length)];
  logger.info({ orderId: order.orderId, carrier }, 'shipment booked');
});
