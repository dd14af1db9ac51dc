import { type Attributes, propagation, ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { newSpanId } from '../../core/ids.js';
import type { InvocationPlan } from '../../core/lifecycle.js';
import type { Sdk } from '../../core/setup.js';
import { FLAG_SAMPLED, parseTraceparent } from '../../propagation/traceparent.js';
import { isObj, type Obj, str } from '../aws-lambda/lambda-types.js';
import { learnedAttributes } from './metadata.js';
import { withParent } from './parent.js';
import { readPubSubMessage } from './pubsub-message.js';

/**
 * Event functions: CloudEvent functions, `(cloudEvent)` — Pub/Sub through Eventarc
 * (`google.cloud.pubsub.topic.v1.messagePublished`), Cloud Storage
 * (`google.cloud.storage.object.v1.*`), Firestore and any other event — and the first
 * generation's event functions, `(data, context)`, read as the CloudEvent they stand for.
 *
 * Pub/Sub delivers one message per event, so the invocation span is that message's CONSUMER
 * span: its parent is the publisher's span when the message attributes carry it (see
 * pubsub-message.ts). Otherwise a sampled `traceparent` on the event (the CloudEvents
 * distributed tracing extension, which the functions framework fills from the request's
 * header) is the parent. An unsampled one is not: on Google Cloud it is the front end's
 * span, sampled for Cloud Trace's budget (see parent.ts), and following it would drop the
 * trace. The event id is the invocation id (`faas.invocation_id`).
 */
interface EventLike {
  id?: string;
  type: string;
  source?: string;
  subject?: string;
  time?: string;
  specversion?: string;
  data?: unknown;
  traceparent?: string;
  tracestate?: string;
  correlationid?: string;
}

/** Whether `v` is a CloudEvent (what the functions framework passes a CloudEvent function). */
export const isCloudEvent = (v: unknown): boolean =>
  isObj(v) && typeof v.specversion === 'string' && typeof v.type === 'string';

/** Whether `v` is a first-generation event's context (`eventId`, `eventType`, `resource`). */
export const isLegacyContext = (v: unknown): boolean => isObj(v) && (str(v.eventType) ?? str(v.eventId)) !== undefined;

const LEGACY_STORAGE: Record<string, string> = {
  'google.storage.object.finalize': 'finalized',
  'google.storage.object.delete': 'deleted',
  'google.storage.object.archive': 'archived',
  'google.storage.object.metadataUpdate': 'metadataUpdated',
};

/** A first-generation `(data, context)` event as the CloudEvent it stands for. */
function fromLegacy(data: unknown, context: Obj): EventLike {
  const type = str(context.eventType) ?? 'unknown';
  const resource = isObj(context.resource) ? str(context.resource.name) : str(context.resource);
  const base = { id: str(context.eventId), time: str(context.timestamp) };
  if (type === 'google.pubsub.topic.publish' || type.startsWith('providers/cloud.pubsub/')) {
    const message = isObj(data) ? { ...data, messageId: str(data.messageId) ?? base.id } : { messageId: base.id };
    return {
      ...base,
      type: 'google.cloud.pubsub.topic.v1.messagePublished',
      source: resource && `//pubsub.googleapis.com/${resource}`,
      data: { message },
    };
  }
  const storage = LEGACY_STORAGE[type];
  if (storage) {
    const bucket = isObj(data) ? str(data.bucket) : undefined;
    return {
      ...base,
      type: `google.cloud.storage.object.v1.${storage}`,
      source: bucket && `//storage.googleapis.com/projects/_/buckets/${bucket}`,
      data,
    };
  }
  return { ...base, type, source: resource, data };
}

const DOCUMENT_OPERATION: Record<string, string> = {
  finalized: 'insert',
  created: 'insert',
  deleted: 'delete',
  archived: 'edit',
  metadataUpdated: 'edit',
  updated: 'edit',
  written: 'edit',
};

interface Described {
  trigger: 'pubsub' | 'datasource' | 'other';
  source: string;
  name: string;
  attributes: Attributes;
  messageParent?: ReturnType<typeof readPubSubMessage>;
}

function describe(event: EventLike): Described {
  const kind = event.type.slice(event.type.lastIndexOf('.') + 1);
  if (event.type.startsWith('google.cloud.pubsub.topic.v1.')) {
    const data = isObj(event.data) ? event.data : {};
    const topic = event.source?.replace(/^\/\/pubsub\.googleapis\.com\//, '');
    const message = readPubSubMessage(data.message, topic, str(data.subscription), data.deliveryAttempt);
    return {
      trigger: 'pubsub',
      source: 'gcp.pubsub',
      name: message.name,
      attributes: message.attributes,
      messageParent: message,
    };
  }
  if (event.type.startsWith('google.cloud.storage.object.v1.')) {
    const data = isObj(event.data) ? event.data : {};
    const bucket = str(data.bucket) ?? event.source?.split('/buckets/')[1];
    const object = str(data.name) ?? event.subject?.replace(/^objects\//, '');
    return {
      trigger: 'datasource',
      source: 'gcp.storage',
      name: `${bucket ?? 'storage'} ${kind}`,
      attributes: {
        'faas.document.collection': bucket,
        'faas.document.name': object,
        'faas.document.operation': DOCUMENT_OPERATION[kind] ?? kind,
        'faas.document.time': str(data.updated) ?? event.time,
        'fntrace.storage.generation': str(data.generation),
      },
    };
  }
  if (event.type.startsWith('google.cloud.firestore.document.v1.')) {
    // subject: documents/<collection path>/<document id>
    const path = event.subject?.replace(/^documents\//, '') ?? '';
    const cut = path.lastIndexOf('/');
    const collection = cut > 0 ? path.slice(0, cut) : undefined;
    return {
      trigger: 'datasource',
      source: 'gcp.firestore',
      name: `${collection ?? 'firestore'} ${kind}`,
      attributes: {
        'faas.document.collection': collection,
        'faas.document.name': cut > 0 ? path.slice(cut + 1) : undefined,
        'faas.document.operation': DOCUMENT_OPERATION[kind] ?? kind,
        'faas.document.time': event.time,
      },
    };
  }
  return { trigger: 'other', source: 'gcp.event', name: event.type, attributes: {} };
}

/**
 * The plan of an event function's invocation. `first` is the function's first argument (a
 * CloudEvent, or a first-generation event's data) and `second` its second (that event's
 * context, or the framework's callback).
 */
export function planEventInvocation(
  sdk: Sdk,
  first: unknown,
  second: unknown,
  deadlineMs: number | undefined,
): InvocationPlan {
  const cloudEvent = isCloudEvent(first);
  const legacy = !cloudEvent && isLegacyContext(second);
  const event: EventLike = cloudEvent
    ? (first as EventLike)
    : legacy
      ? fromLegacy(first, second as Obj)
      : { type: 'unknown', data: first };
  const info = describe(event);
  const message = info.messageParent;
  let parentSource: string | undefined;
  let { context: parent, found } = withParent(ROOT_CONTEXT, message?.parent, message?.baggage);
  if (found) parentSource = 'message-attributes';
  else {
    const carried = parseTraceparent(str(event.traceparent), str(event.tracestate));
    if (carried && (carried.traceFlags & FLAG_SAMPLED) === FLAG_SAMPLED) {
      parent = trace.setSpanContext(parent, carried);
      parentSource = 'cloudevent';
    }
  }
  const invocationId = str(event.id) ?? newSpanId();
  return {
    name: info.name,
    kind: SpanKind.CONSUMER,
    parent,
    links: [],
    invocationId,
    correlationId:
      message?.correlationId ??
      propagation.getBaggage(parent)?.getEntry('correlation_id')?.value ??
      str(event.correlationid) ??
      invocationId,
    deadlineMs,
    attributes: {
      ...info.attributes,
      'faas.trigger': info.trigger,
      'fntrace.trigger': info.source,
      'fntrace.parent.source': parentSource,
      ...(cloudEvent
        ? {
            'cloudevents.event_id': str(event.id),
            'cloudevents.event_source': str(event.source),
            'cloudevents.event_type': event.type,
            'cloudevents.event_subject': str(event.subject),
            'cloudevents.event_spec_version': str(event.specversion),
          }
        : { 'fntrace.gcp.event_type': legacy ? str((second as Obj).eventType) : undefined }),
      ...learnedAttributes(sdk.resource),
    },
  };
}
