import { type Attributes, SpanKind } from '@opentelemetry/api';
import { report } from '../../core/diagnostics.js';
import { ERROR_CODES } from '../../core/errors.js';
import { currentSdk } from '../../core/setup.js';
import { instrument as instrumentAwsClient } from '../aws/middleware.js';
import {
  activeInvocationContext,
  contextHeaders,
  errorName,
  failSpan,
  type Outgoing,
  startOutgoing,
  suppressOutgoing,
} from '../span.js';

/**
 * `@google-cloud/pubsub` publishes: one PRODUCER span per message, the W3C context put in the
 * message's attributes (`traceparent`, `tracestate`, `baggage` with the correlation id), and the
 * message id Pub/Sub answers recorded as `messaging.message.id`, so the collector can join
 * producer and consumer by it even where the context could not travel.
 *
 * Every publish goes through `Topic.prototype.publishMessage` (`publish` and `publishJSON` call
 * it), so that one method is wrapped, once per copy of the library. The caller's message is
 * never mutated (the library gets a copy), and one that already holds a `traceparent` is sent
 * as it was made. The publish's gRPC call below is not traced again.
 */
type Message = Record<string, unknown>;
type PublishMessage = (this: { name?: unknown }, ...args: unknown[]) => unknown;
interface TopicProto {
  publishMessage?: PublishMessage;
}

const PATCHED = Symbol.for('fntrace.pubsub.publishMessage');
/** Pub/Sub's limits: 100 attributes a message, values of at most 1024 bytes. */
export const MAX_ATTRIBUTES = 100;
export const MAX_ATTRIBUTE_VALUE_BYTES = 1024;
/** Order of importance when room is short: the parent first, then the correlation id, then vendor state. */
const KEYS = ['traceparent', 'baggage', 'tracestate'] as const;

const isObj = (v: unknown): v is Message => typeof v === 'object' && v !== null && !Array.isArray(v);
const utf8Bytes = (s: string) => Buffer.byteLength(s, 'utf8');

/** A copy of `message` whose attributes carry `headers`, or undefined to send it as it is. */
export function withContextAttributes(
  message: Message,
  headers: Readonly<Record<string, string>>,
): Message | undefined {
  const own = isObj(message.attributes) ? message.attributes : {};
  if ('traceparent' in own) return undefined;
  const attributes: Message = { ...own };
  let room = MAX_ATTRIBUTES - Object.keys(own).length;
  const left: string[] = [];
  for (const key of KEYS) {
    const value = headers[key];
    if (value === undefined || key in own) continue;
    if (room > 0 && utf8Bytes(value) <= MAX_ATTRIBUTE_VALUE_BYTES) {
      attributes[key] = value;
      room--;
    } else {
      left.push(key);
    }
  }
  if (left.length > 0) {
    report(
      ERROR_CODES.CONTEXT_NOT_CARRIED,
      `a Pub/Sub message had no room for ${left.join(', ')} (Pub/Sub allows ${MAX_ATTRIBUTES} attributes of at most ${MAX_ATTRIBUTE_VALUE_BYTES} bytes); the consumer is joined by the message id instead`,
    );
  }
  return { ...message, attributes };
}

/** `projects/p/topics/orders` → `orders`. */
const topicIdOf = (name: unknown) => (typeof name === 'string' ? name.slice(name.lastIndexOf('/') + 1) : undefined);

function bodySize(message: Message): number | undefined {
  const data = message.data;
  if (data instanceof Uint8Array) return data.byteLength;
  return typeof data === 'string' ? utf8Bytes(data) : undefined;
}

/**
 * A `publishJSON`/`{ json }` message as the library sends it (`Topic.publishMessage` does the
 * same): done here once, so its size is known and the library does not serialize it again.
 */
function withJsonData(message: Message): Message {
  if (!message.json || typeof message.json !== 'object') return message;
  const { json, ...rest } = message;
  return { ...rest, data: Buffer.from(JSON.stringify(json)) };
}

function startPublish(topicName: unknown, given: Message): { outgoing: Outgoing; sent: Message } | undefined {
  const parent = activeInvocationContext();
  if (!parent) return undefined;
  const message = withJsonData(given);
  const topic = topicIdOf(topicName);
  const attributes: Attributes = {
    'messaging.system': 'gcp_pubsub',
    'messaging.destination.name': topic,
    'messaging.operation.type': 'send',
    'messaging.operation.name': 'publish',
    'messaging.message.body.size': bodySize(message),
    'messaging.gcp_pubsub.message.ordering_key':
      typeof message.orderingKey === 'string' ? message.orderingKey : undefined,
    'fntrace.pubsub.topic': typeof topicName === 'string' ? topicName : undefined,
  };
  const outgoing = startOutgoing(parent, `${topic ?? 'pubsub'} send`, SpanKind.PRODUCER, attributes);
  const sent = withContextAttributes(message, contextHeaders(outgoing.context)) ?? message;
  return { outgoing, sent };
}

function traced(original: PublishMessage): PublishMessage {
  return function publishMessage(this: { name?: unknown }, ...args: unknown[]): unknown {
    const message = args[0];
    let started: ReturnType<typeof startPublish>;
    try {
      if (isObj(message)) started = startPublish(this?.name, message);
    } catch (err) {
      report(ERROR_CODES.INTERNAL, `tracing a Pub/Sub publish failed: ${(err as Error)?.message ?? String(err)}`);
    }
    const sdk = currentSdk();
    if (!started || !sdk) return original.apply(this, args);
    const { span, context } = started.outgoing;
    let settled = false;
    const settle = (err: unknown, id?: unknown) => {
      if (settled) return;
      settled = true;
      try {
        if (err) failSpan(span, errorName(err), err);
        else if (typeof id === 'string') span.setAttribute('messaging.message.id', id);
        span.end();
      } catch {
        // the caller gets the library's answer, never one of ours
      }
    };
    const call = [started.sent, ...args.slice(1)];
    const callback = call[1];
    if (typeof callback === 'function') {
      call[1] = (err: unknown, id: unknown, ...rest: unknown[]) => {
        settle(err, id);
        return callback(err, id, ...rest);
      };
    }
    let returned: unknown;
    try {
      returned = sdk.contextManager.with(suppressOutgoing(context), () => original.apply(this, call));
    } catch (err) {
      settle(err);
      throw err;
    }
    if (returned && typeof (returned as Promise<unknown>).then === 'function') {
      (returned as Promise<unknown>).then(
        (id) => settle(undefined, id),
        (err) => settle(err ?? new Error('publish failed')),
      );
    } else if (typeof callback !== 'function') {
      settle(undefined);
    }
    return returned;
  };
}

/** Wrap `publishMessage` on the prototype that defines it (once). Returns whether it was new. */
export function instrumentTopicPrototype(proto: TopicProto | undefined): boolean {
  let owner: object | null | undefined = proto;
  while (owner && !Object.hasOwn(owner, 'publishMessage')) owner = Object.getPrototypeOf(owner);
  const p = owner as (TopicProto & { [PATCHED]?: true }) | null | undefined;
  if (!p || typeof p.publishMessage !== 'function' || Object.hasOwn(p, PATCHED)) return false;
  p.publishMessage = traced(p.publishMessage);
  Object.defineProperty(p, PATCHED, { value: true });
  return true;
}

/** Whether `client` is a `PubSub` client (it makes topics) or a `Topic`, and if so, instrument its copy of the library. */
export function instrumentPubSub(client: unknown): boolean {
  if (!isObj(client)) return false;
  if (typeof client.publishMessage === 'function') {
    instrumentTopicPrototype(client as TopicProto);
    return true;
  }
  if (typeof client.topic === 'function' && typeof client.getTopics === 'function') {
    // a topic object is a local handle (no request is made): it leads to the library's Topic class
    instrumentTopicPrototype((client.topic as (name: string) => TopicProto)('fntrace-probe'));
    return true;
  }
  return false;
}

/**
 * Add fntrace to a client whose library is bundled into your code (esbuild, webpack), where
 * fntrace cannot find it by itself: a `@google-cloud/pubsub` `PubSub` client or `Topic` (every
 * topic of that copy of the library is then traced), or an AWS SDK v3 client. Returns the client.
 * Libraries loaded through Node's module loader (in `node_modules`) need none of this.
 *
 * @example
 * import { PubSub } from '@google-cloud/pubsub';
 * import { instrument } from '@fntrace/sdk/gcp';
 * const pubsub = instrument(new PubSub());
 */
export function instrument<C>(client: C): C {
  try {
    if (!instrumentPubSub(client)) instrumentAwsClient(client);
  } catch (err) {
    report(ERROR_CODES.INTERNAL, `instrumenting a client failed: ${(err as Error)?.message ?? String(err)}`);
  }
  return client;
}
