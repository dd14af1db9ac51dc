// The order worker on AWS Lambda, fed by the orders SQS queue: one span per message, each
// continuing the trace of the checkout that queued it. It saves the order and asks fulfilment,
// a Google Cloud function, to ship it by publishing to the `order-events` Pub/Sub topic with
// Google's own client. fntrace traces that publish and puts the context in the message's
// attributes; on Lambda it needs the client handed to `instrument` once (on Google Cloud,
// `@fntrace/sdk/gcp` finds the library by itself).
import { logger, records, wrap } from '@fntrace/sdk';
import { instrument } from '@fntrace/sdk/gcp';
import { PubSub } from '@google-cloud/pubsub';

// PUBSUB_EMULATOR_HOST points the client at the local stand-in
const orderEvents = instrument(new PubSub()).topic(process.env.ORDER_EVENTS_TOPIC ?? 'order-events');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export const handler = wrap(async (event) => {
  logger.info({ batchSize: event.Records.length }, 'batch received');
  for (const record of records(event)) {
    const order = JSON.parse(record.body);
    await sleep(5 + Math.random() * 15); // "save the order"
    const messageId = await orderEvents.publishMessage({ json: order });
    logger.info({ orderId: order.orderId, messageId }, 'order saved, fulfilment requested');
  }
  return { batchItemFailures: [] };
});
