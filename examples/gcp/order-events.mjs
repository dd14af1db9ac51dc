// A CloudEvent function (Cloud Run functions, `--trigger-topic=orders`): Eventarc delivers each
// Pub/Sub message as a `google.cloud.pubsub.topic.v1.messagePublished` event. Its span continues
// the trace of the request that published the message (the context is in the message's
// attributes), and its log lines carry that trace's ids for Cloud Logging and the collector.
import { logger, wrap } from '@fntrace/sdk/gcp';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export const orderEvents = wrap(async (cloudEvent) => {
  const { message } = cloudEvent.data;
  const order = JSON.parse(Buffer.from(message.data, 'base64').toString('utf8'));
  logger.info({ messageId: message.messageId, item: order.item }, 'order event received');
  await sleep(5 + Math.random() * 10); // "reserve the stock"
  logger.info({ item: order.item }, 'order fulfilled');
});
