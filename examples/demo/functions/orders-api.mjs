// The orders API on AWS Lambda, behind an HTTP API (API Gateway v2). A checkout is charged with
// the payments provider (a third-party HTTP API: the demo's slow downstream dependency), then
// queued for order-worker with the AWS SDK's SQS client. One import and one wrap(): the
// invocation span, cold start, correlation id, the spans of the payment call and of the queue
// send, and the context the message carries come from @fntrace/sdk — there is no tracing code.
import { randomUUID } from 'node:crypto';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { correlationId, logger, wrap } from '@fntrace/sdk';

const sqs = new SQSClient({}); // AWS_ENDPOINT_URL points it at the local stand-in
const PRICES = { lamp: 39, kettle: 29, 'espresso-machine': 249, mug: 9 };
const answer = (statusCode, body) => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

async function checkout(order) {
  if (!PRICES[order.item] || !(order.quantity > 0)) {
    logger.warn({ item: order.item, quantity: order.quantity }, 'invalid order');
    return answer(400, { error: 'a known item and a quantity are required' });
  }
  const orderId = randomUUID();
  const amount = PRICES[order.item] * order.quantity;
  const started = Date.now();
  const charge = await fetch(`${process.env.PAYMENTS_URL}/v1/charges`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': orderId },
    body: JSON.stringify({ amount, currency: 'eur' }),
  });
  if (!charge.ok) {
    logger.error({ orderId, status: charge.status, ms: Date.now() - started }, 'payment failed');
    return answer(502, { error: 'payment provider unavailable' });
  }
  const { id: chargeId } = await charge.json();
  logger.info({ orderId, chargeId, amount, ms: Date.now() - started }, 'payment captured');
  const { MessageId: messageId } = await sqs.send(
    new SendMessageCommand({
      QueueUrl: process.env.ORDERS_QUEUE_URL,
      MessageBody: JSON.stringify({ orderId, chargeId, ...order }),
    }),
  );
  logger.info({ orderId, messageId }, 'order queued');
  return answer(202, { orderId, correlationId: correlationId() });
}

// the HTTP API's routes: POST /orders and GET /orders/{id}
export const handler = wrap(async (event) => {
  if (event.routeKey === 'POST /orders') return checkout(JSON.parse(event.body || '{}'));
  logger.info({ orderId: event.pathParameters.id }, 'order looked up');
  return answer(200, { orderId: event.pathParameters.id, status: 'shipped' });
});
