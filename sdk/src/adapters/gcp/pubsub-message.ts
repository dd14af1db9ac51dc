import type { Attributes, Baggage, SpanContext } from '@opentelemetry/api';
import { parseBaggage } from '../../propagation/baggage.js';
import { parseTraceparent } from '../../propagation/traceparent.js';
import { isObj, type Obj, str } from '../aws-lambda/lambda-types.js';

/**
 * What a delivered Pub/Sub message carries (a push request's `message`, or the `message` of a
 * `google.cloud.pubsub.topic.v1.messagePublished` CloudEvent): its id, the producer's context,
 * its correlation id, and the `messaging.*` attributes of the span that processes it.
 *
 * The producer's context is read from the message attributes, in this order:
 * 1. `traceparent`, `tracestate`, `baggage` — what fntrace's publish instrumentation writes
 *    (outgoing/gcp/pubsub.ts) and what OpenTelemetry's W3C propagators write into a map;
 * 2. `googclient_traceparent`, `googclient_tracestate` — what `@google-cloud/pubsub` writes
 *    itself when its OpenTelemetry tracing is on (`enableOpenTelemetryTracing`, v4.5 and later);
 * 3. `googclient_OpenTelemetrySpanContext` — the JSON span context its earlier versions wrote.
 */
export interface PubSubMessage {
  messageId: string | undefined;
  parent: SpanContext | undefined;
  baggage: Baggage | undefined;
  correlationId: string | undefined;
  /** The span name: `<topic> process` (or the subscription when the topic is unknown). */
  name: string;
  attributes: Attributes;
}

const LEGACY_KEY = 'googclient_OpenTelemetrySpanContext';

/** The last path segment of `projects/p/topics/t` (or `…/subscriptions/s`). */
export const resourceId = (name: string | undefined): string | undefined =>
  name ? name.slice(name.lastIndexOf('/') + 1) || undefined : undefined;

/** The legacy attribute: `JSON.stringify(spanContext)` of the publisher's span. */
function fromLegacyJson(text: string | undefined): SpanContext | undefined {
  if (!text) return undefined;
  try {
    const sc = JSON.parse(text) as unknown;
    if (!isObj(sc) || typeof sc.traceId !== 'string' || typeof sc.spanId !== 'string') return undefined;
    const flags = (Number(sc.traceFlags) & 0xff).toString(16).padStart(2, '0');
    // validated like any traceparent: lower-case hex of the right lengths, not all zeros
    return parseTraceparent(`00-${sc.traceId}-${sc.spanId}-${flags}`);
  } catch {
    return undefined;
  }
}

function parentOf(attrs: Obj): SpanContext | undefined {
  return (
    parseTraceparent(str(attrs.traceparent), str(attrs.tracestate)) ??
    parseTraceparent(str(attrs.googclient_traceparent), str(attrs.googclient_tracestate)) ??
    fromLegacyJson(str(attrs[LEGACY_KEY]))
  );
}

/** Bytes of a base64 payload, without decoding it. */
function base64Bytes(data: string | undefined): number | undefined {
  if (data === undefined) return undefined;
  const padding = data.endsWith('==') ? 2 : data.endsWith('=') ? 1 : 0;
  return Math.max(0, Math.floor((data.length * 3) / 4) - padding);
}

/**
 * Read one delivered message. `topic` and `subscription` are full resource names when the
 * delivery says them (a CloudEvent's `source`, a push body's `subscription`).
 */
export function readPubSubMessage(
  message: unknown,
  topic: string | undefined,
  subscription: string | undefined,
  deliveryAttempt?: unknown,
): PubSubMessage {
  const m = isObj(message) ? message : {};
  const attrs = isObj(m.attributes) ? m.attributes : {};
  // push bodies spell the fields both ways (`messageId` and `message_id`)
  const messageId = str(m.messageId) ?? str(m.message_id);
  const published = Date.parse(str(m.publishTime) ?? str(m.publish_time) ?? '');
  const baggage = parseBaggage(str(attrs.baggage) ?? str(attrs.googclient_baggage));
  const topicId = resourceId(topic);
  const subscriptionId = resourceId(subscription);
  const attempt = Number(deliveryAttempt);
  return {
    messageId,
    parent: parentOf(attrs),
    baggage,
    correlationId: str(attrs.correlation_id) ?? baggage?.getEntry('correlation_id')?.value,
    name: `${topicId ?? subscriptionId ?? 'pubsub'} process`,
    attributes: {
      'messaging.system': 'gcp_pubsub',
      'messaging.operation.type': 'process',
      'messaging.operation.name': 'process',
      'messaging.destination.name': topicId,
      'messaging.destination.subscription.name': subscriptionId,
      'messaging.message.id': messageId,
      'messaging.message.body.size': base64Bytes(str(m.data)),
      'messaging.gcp_pubsub.message.ordering_key': str(m.orderingKey) ?? str(m.ordering_key),
      'messaging.gcp_pubsub.message.delivery_attempt': Number.isInteger(attempt) && attempt > 0 ? attempt : undefined,
      'fntrace.message.sent_timestamp_ms': Number.isFinite(published) ? published : undefined,
    },
  };
}

/**
 * A push subscription's request body (`{ message, subscription }`), as Pub/Sub sends it to an
 * HTTP endpoint without Eventarc; undefined for any other body.
 */
export function pushMessage(body: unknown): PubSubMessage | undefined {
  if (!isObj(body) || !isObj(body.message) || typeof body.subscription !== 'string') return undefined;
  if (!str(body.message.messageId) && !str(body.message.message_id)) return undefined;
  return readPubSubMessage(body.message, undefined, body.subscription, body.deliveryAttempt);
}
