import { context } from '@opentelemetry/api';
import { recordSpans } from '../aws-lambda/records.js';
import { getAzureScope } from './scope.js';

/**
 * Iterate the messages of a Service Bus trigger with `cardinality: 'many'`, one span per
 * message:
 *
 * ```ts
 * app.serviceBusQueue('orders', { connection: 'SB', queueName: 'orders', cardinality: 'many',
 *   handler: wrap(async (batch, context) => {
 *     for (const message of messages(batch)) logger.info('processing'); // this message's ids
 *   }),
 * });
 * ```
 *
 * While message N is the loop's current item, its `CONSUMER` span is the active span: it
 * continues the producer's trace (from the message's `traceparent` or `Diagnostic-Id`
 * application property) and links to the producer and to the invocation span, exactly as
 * `records()` does for SQS. If the loop is left by an exception, that message's span carries
 * the error. A single message (or anything outside a wrapped batch handler) is yielded as it
 * is, with no span of its own: the invocation span is the message's.
 */
export function* messages<T = any>(batch: readonly T[] | T): Generator<T, void, undefined> {
  const list: readonly T[] = Array.isArray(batch) ? batch : batch === undefined ? [] : [batch as T];
  yield* recordSpans(list, () => {
    const records = getAzureScope(context.active())?.records;
    // a list that is not the invocation's batch gets no spans: they would name other messages
    return records && records.length === list.length ? records : [];
  });
}
