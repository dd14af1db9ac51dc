import { type BatchRecord, type Carrier, finish, fromJsonText } from '../aws-lambda/batch-records.js';
import { isObj, lowerHeaders, type Obj, str } from '../aws-lambda/lambda-types.js';
import type { AzureInvocationContext } from './azure-types.js';

/**
 * What each Service Bus or Storage Queue message of an invocation carries: its id, its
 * producer's context, its correlation id, and the attributes of its span — the same
 * description the Lambda adapter makes of an SQS record, so the per-message spans are made by
 * the same code.
 *
 * Service Bus: the trigger metadata has the message's system properties and application
 * properties, one value per key for a single message and an `…Array` per key for a
 * `cardinality: 'many'` batch. The producer's context is a `traceparent` application property
 * (`tracestate`, `baggage` beside it), else `Diagnostic-Id`, which the Azure SDKs set to a W3C
 * `traceparent` (and the host, to its own span, on what an output binding sends). Keys are
 * matched case-insensitively: the library camel-cases them (`Diagnostic-Id` → `diagnostic-Id`).
 *
 * Storage Queue: a message has no properties. fntrace reads `traceparent`, `tracestate`,
 * `baggage` and `correlation_id` fields of a JSON object message, as it does for Kinesis data.
 */

/** A metadata value the library parsed as JSON when it looked like JSON (a numeric id): as text again. */
const text = (v: unknown): string | undefined => (typeof v === 'number' || typeof v === 'bigint' ? String(v) : str(v));

const epochMs = (v: unknown): number | undefined => {
  const ms = typeof v === 'string' ? Date.parse(v) : Number.NaN;
  return Number.isFinite(ms) ? ms : undefined;
};

const count = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

function fromProperties(props: unknown): Carrier {
  const p = lowerHeaders(props);
  if (!p) return {};
  return {
    traceparent: p.traceparent ?? p['diagnostic-id'],
    tracestate: p.tracestate,
    baggage: p.baggage,
    correlation_id: p.correlation_id,
  };
}

/** The entity a Service Bus trigger listens to: its queue, or its topic. */
export const serviceBusEntity = (ctx: AzureInvocationContext): string | undefined =>
  str(ctx.options?.trigger?.queueName) ?? str(ctx.options?.trigger?.topicName);

/** A `cardinality: 'many'` invocation: the metadata holds one array per property. */
export const isServiceBusBatch = (ctx: AzureInvocationContext): boolean =>
  ctx.options?.trigger?.cardinality === 'many' || Array.isArray(ctx.triggerMetadata?.messageIdArray);

/** One entry per message: one for a single message, one per message of a batch. */
export function serviceBusRecords(ctx: AzureInvocationContext): BatchRecord[] {
  const md: Obj = ctx.triggerMetadata ?? {};
  const entity = serviceBusEntity(ctx);
  const subscription = str(ctx.options?.trigger?.subscriptionName);
  const batch = isServiceBusBatch(ctx);
  const n = batch ? (Array.isArray(md.messageIdArray) ? md.messageIdArray.length : 0) : 1;
  const out: BatchRecord[] = [];
  for (let i = 0; i < n; i++) {
    const get = (key: string): unknown => {
      if (!batch) return md[key];
      const list = md[`${key}Array`];
      return Array.isArray(list) ? list[i] : undefined;
    };
    const systemCorrelation = text(get('correlationId'));
    const enqueued = epochMs(get('enqueuedTimeUtc'));
    const rec = finish(
      i,
      `${entity ?? 'servicebus'} process`,
      text(get('messageId')),
      fromProperties(get('applicationProperties') ?? get('userProperties')),
      undefined,
      {
        'messaging.system': 'servicebus',
        'messaging.destination.name': entity,
        'messaging.destination.subscription.name': subscription,
        'messaging.message.conversation_id': systemCorrelation,
        'messaging.servicebus.message.delivery_count': count(get('deliveryCount')),
        'fntrace.message.sent_timestamp_ms': enqueued,
      },
    );
    // the message's own CorrelationId is Service Bus's name for what fntrace calls one
    rec.correlationId ??= systemCorrelation;
    out.push(rec);
  }
  return out;
}

/** The message of a Storage Queue invocation: `message` is the handler's first argument. */
export function storageQueueRecord(message: unknown, ctx: AzureInvocationContext): BatchRecord {
  const md: Obj = ctx.triggerMetadata ?? {};
  const queue = str(ctx.options?.trigger?.queueName);
  // the library hands a JSON message over parsed; only one that names a traceparent is read again
  const body =
    typeof message === 'string'
      ? message
      : isObj(message) && typeof message.traceparent === 'string'
        ? JSON.stringify(message)
        : undefined;
  return finish(0, `${queue ?? 'queue'} process`, text(md.id), fromJsonText(body), undefined, {
    'messaging.system': 'azure_storage_queue',
    'messaging.destination.name': queue,
    'fntrace.message.sent_timestamp_ms': epochMs(md.insertionTime),
    'fntrace.message.receive_count': count(md.dequeueCount),
  });
}
