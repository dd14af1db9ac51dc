// An SQS consumer: one span per message, each continuing the trace of the request that
// queued it, and log lines that carry that message's ids.
import { logger, records, wrap } from '@fntrace/sdk';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export const handler = wrap(async (event) => {
  logger.info({ batchSize: event.Records.length }, 'batch received');
  for (const record of records(event)) {
    const order = JSON.parse(record.body);
    await sleep(5 + Math.random() * 10); // "charge the card"
    logger.info({ item: order.item }, 'order fulfilled');
  }
  return { batchItemFailures: [] };
});
