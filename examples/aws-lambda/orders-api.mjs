// An HTTP API (API Gateway v2) function: accepts an order and queues it for the worker with
// the AWS SDK's SQS client. One import and one wrap(): the invocation span, cold start,
// correlation id and logs come from @fntrace/sdk, and so do the SQS "send" span and the
// trace context the message carries to the worker — there is no tracing code here.

import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { correlationId, logger, wrap } from '@fntrace/sdk';

// made once per environment, outside the handler, as the AWS SDK advises; the endpoint comes
// from AWS_ENDPOINT_URL when one is set (the local demo's stand-in for SQS)
const sqs = new SQSClient({});

export const handler = wrap(async (event) => {
  const order = JSON.parse(event.body ?? '{}');
  logger.info({ item: order.item, quantity: order.quantity }, 'order received');
  if (!order.item) {
    logger.warn('order without an item');
    return { statusCode: 400, body: JSON.stringify({ error: 'item is required' }) };
  }
  const { MessageId: messageId } = await sqs.send(
    new SendMessageCommand({ QueueUrl: process.env.ORDERS_QUEUE_URL, MessageBody: JSON.stringify(order) }),
  );
  logger.info({ messageId }, 'order queued');
  return { statusCode: 202, body: JSON.stringify({ messageId, correlationId: correlationId() }) };
});
