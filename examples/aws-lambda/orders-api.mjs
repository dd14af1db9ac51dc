// An HTTP API (API Gateway v2) function: accepts an order and queues it for the worker.
// One import and one wrap(): the invocation span, cold start, correlation id and logs
// come from @fntrace/sdk; the SQS "send" span and its message attributes are ours.

import { correlationId, logger, traceHeaders, wrap } from '@fntrace/sdk';
import { SpanKind, trace } from '@opentelemetry/api';
import { sendMessage } from './local-queue.mjs';

const tracer = trace.getTracer('orders-api', '1.0.0');
const QUEUE_FILE = process.env.ORDERS_QUEUE_FILE;

export const handler = wrap(async (event) => {
  const order = JSON.parse(event.body ?? '{}');
  logger.info({ item: order.item, quantity: order.quantity }, 'order received');
  if (!order.item) {
    logger.warn('order without an item');
    return { statusCode: 400, body: JSON.stringify({ error: 'item is required' }) };
  }
  const messageId = await tracer.startActiveSpan(
    'orders-queue send',
    {
      kind: SpanKind.PRODUCER,
      attributes: { 'messaging.system': 'aws_sqs', 'messaging.destination.name': 'orders-queue' },
    },
    async (span) => {
      // traceparent + baggage (with the correlation id) travel as message attributes
      const id = sendMessage(QUEUE_FILE, JSON.stringify(order), traceHeaders());
      span.setAttribute('messaging.message.id', id);
      span.end();
      return id;
    },
  );
  logger.info({ messageId }, 'order queued');
  return { statusCode: 202, body: JSON.stringify({ messageId, correlationId: correlationId() }) };
});
