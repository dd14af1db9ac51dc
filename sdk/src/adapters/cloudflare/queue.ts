import { type Context, propagation, ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import type { InvocationPlan } from '../../core/lifecycle.js';
import { currentSdk } from '../../core/setup.js';
import { type BatchRecord, batchContext, finish } from '../aws-lambda/batch-records.js';
import { recordSpans } from '../aws-lambda/records.js';
import { contextFor, enterFor } from '../fetch/invocation.js';

/**
 * The consumer side of Cloudflare Queues. A Queue message has no headers, so a producer
 * wrapped by fntrace puts `traceparent`, `tracestate` and `baggage` (with `correlation_id`)
 * into the body, when the body is a plain object (see bindings.ts); here they are read back.
 *
 * The batch is one invocation: a CONSUMER span that links to every producer, and joins the
 * producers' trace when every message comes from one. `messages(batch)` then gives each
 * message its own CONSUMER span, as `records()` does for SQS.
 */
export interface QueueMessage {
  readonly id: string;
  readonly timestamp: Date;
  readonly body: unknown;
  readonly attempts: number;
}

export interface QueueBatch<M extends QueueMessage = QueueMessage> {
  readonly queue: string;
  readonly messages: readonly M[];
}

/** Cloudflare's wall-clock limit for a queue consumer or a cron trigger. */
export const CONSUMER_LIMIT_MS = 15 * 60_000;
const SYSTEM = 'cloudflare_queues';

const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function readMessage(message: QueueMessage, queue: string, index: number): BatchRecord {
  const body = isPlainObject(message.body) ? message.body : {};
  const sent = message.timestamp instanceof Date ? message.timestamp.getTime() : undefined;
  const carrier = {
    traceparent: text(body.traceparent),
    tracestate: text(body.tracestate),
    baggage: text(body.baggage),
    correlation_id: text(body.correlation_id),
    from: 'message-body',
  };
  return finish(index, `${queue} process`, message.id, carrier, undefined, {
    'messaging.system': SYSTEM,
    'messaging.destination.name': queue,
    'fntrace.message.sent_timestamp_ms': Number.isFinite(sent) ? sent : undefined,
    'fntrace.message.receive_count': typeof message.attempts === 'number' ? message.attempts : undefined,
  });
}

// what each batch's messages carry, read once for the plan and again by messages()
const read = new WeakMap<object, BatchRecord[]>();

function infosOf(batch: QueueBatch): BatchRecord[] {
  let infos = read.get(batch);
  if (!infos) {
    infos = batch.messages.map((m, i) => readMessage(m, batch.queue, i));
    read.set(batch, infos);
  }
  return infos;
}

export function planBatch(batch: QueueBatch): InvocationPlan {
  const infos = infosOf(batch);
  const { links, parent: producer, parentSource, correlationId } = batchContext(infos);
  let parent: Context = ROOT_CONTEXT;
  // every message from one trace (a batch of one, say): the invocation joins it
  if (producer) {
    parent = trace.setSpanContext(parent, producer);
    const baggage = infos[0]?.baggage;
    if (baggage) parent = propagation.setBaggage(parent, baggage);
  }
  const invocationId = crypto.randomUUID();
  return {
    name: `${batch.queue} process`,
    kind: SpanKind.CONSUMER,
    parent,
    links,
    invocationId,
    correlationId: correlationId ?? invocationId,
    deadlineMs: Date.now() + CONSUMER_LIMIT_MS,
    attributes: {
      'faas.trigger': 'pubsub',
      'fntrace.trigger': 'cloudflare.queue',
      'fntrace.parent.source': producer ? parentSource : undefined,
      'messaging.system': SYSTEM,
      'messaging.destination.name': batch.queue,
      'messaging.operation.type': 'process',
      'messaging.operation.name': 'process',
      'messaging.batch.message_count': batch.messages.length,
    },
  };
}

/**
 * Iterate a Queue batch's messages, one CONSUMER span per message:
 *
 * ```ts
 * async queue(batch, env, ctx) {
 *   for (const message of messages(batch)) {
 *     logger.info('processing');   // this message's trace_id, span_id and message_id
 *     message.ack();               // ack and retry are yours, untouched
 *   }
 * }
 * ```
 *
 * While message N is the loop's current item, its span is the active span. The span continues
 * the producer's trace and links to the producer and to the batch's invocation span; it ends
 * when the loop moves on (with the error, if the loop is left by one). Meant for sequential
 * loops: messages handled concurrently (`Promise.all(batch.messages.map(...))`) share the
 * invocation span. Outside a wrapped `queue` handler it yields the messages with no spans.
 */
export function* messages<M>(batch: {
  readonly queue: string;
  readonly messages: readonly M[];
}): Generator<M, void, undefined> {
  const sdk = currentSdk();
  // the invocation this batch was handed to, found by the batch itself: right even when the
  // active context cannot say (overlapping invocations without AsyncLocalStorage)
  const outer = sdk ? contextFor(batch) : undefined;
  if (!sdk || !outer) {
    yield* batch.messages;
    return;
  }
  yield* recordSpans(batch.messages, () => infosOf(batch as unknown as QueueBatch), {
    outer,
    enter: (ctx: Context) => enterFor(sdk, batch, ctx),
  });
}
