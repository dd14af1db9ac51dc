import { type Context, type Link, propagation, SpanKind, trace } from '@opentelemetry/api';
import { report } from '../../core/diagnostics.js';
import { ERROR_CODES } from '../../core/errors.js';
import { getInvocation, setRecord } from '../../core/invocation-state.js';
import { currentSdk } from '../../core/setup.js';
import type { SdkSpan } from '../../core/span.js';
import { type BatchRecord, batchRecords } from './batch-records.js';
import { isObj, kafkaRecords } from './lambda-types.js';

/**
 * Iterate a batch event's records, one span per record:
 *
 * ```ts
 * for (const record of records(event)) {
 *   logger.info('processing');   // carries this record's trace_id, span_id and message_id
 * }
 * ```
 *
 * While record N is the loop's current item, its span is the active span and `logger`
 * writes record N's ids. The record span continues the producer's trace (its parent is
 * the producer's span, or the invocation span when both share a trace) and links to the
 * producer's context and to the invocation span, so the collector can join the hops
 * either way. A record span is ended when the loop moves on; if the loop is left by an
 * exception, the wrapper marks that record's span with the error before ending it.
 *
 * Works for SQS, SNS, Kinesis, DynamoDB Streams and Kafka (MSK, self-managed) events —
 * for Kafka it yields the records of every topic-partition in turn; other events yield their
 * `Records` unchanged (or nothing), and outside a wrapped handler no spans are made.
 */
export function* records<R = any>(event: { Records?: readonly R[] } | unknown): Generator<R, void, undefined> {
  const list = (kafkaRecords(event) ?? (isObj(event) && Array.isArray(event.Records) ? event.Records : [])) as R[];
  yield* recordSpans(list, () => batchRecords(event));
}

/**
 * Where a batch loop runs when the active context cannot say (Cloudflare Workers without
 * AsyncLocalStorage, see core/ambient-context.ts): the invocation's context, and how to make
 * record N's context current in that invocation. The default is the active context and `enter`.
 */
export interface RecordScopeHooks {
  outer: Context;
  enter(ctx: Context): void;
}

/**
 * The loop behind `records()` and the other adapters' batch iterators (Azure's and Cloudflare's `messages()`):
 * yields `list` in order, and while item N is current, a CONSUMER span made from the entry of
 * `describe()` whose `index` is N is the active span (items without one get none). Outside a
 * wrapped handler it yields the items alone and `describe` is not called.
 */
export function* recordSpans<R>(
  list: readonly R[],
  describe: () => BatchRecord[],
  scope?: RecordScopeHooks,
): Generator<R, void, undefined> {
  const sdk = currentSdk();
  if (!sdk) {
    yield* list;
    return;
  }
  let infos: BatchRecord[] = [];
  try {
    infos = describe();
  } catch (err) {
    report(ERROR_CODES.INTERNAL, `reading batch records failed: ${(err as Error)?.message}`);
  }
  const cm = sdk.contextManager;
  const outer = scope?.outer ?? cm.active();
  const enter = scope?.enter ?? ((ctx: Context) => cm.enter(ctx));
  const invocation = getInvocation(outer);
  const invocationSpan = invocation?.span;
  let current: SdkSpan | undefined;
  let completed = false;
  try {
    for (let i = 0; i < list.length; i++) {
      current?.end();
      current = undefined;
      const info = infos.find((r) => r.index === i);
      if (info) {
        try {
          let parentCtx = outer;
          const sameTrace =
            info.parent && invocationSpan && info.parent.traceId === invocationSpan.spanContext().traceId;
          if (info.parent && !sameTrace) parentCtx = trace.setSpanContext(outer, info.parent);
          if (info.baggage) {
            // the record's own baggage joins the invocation's for calls made while it is processed
            let baggage = propagation.getBaggage(outer) ?? propagation.createBaggage();
            for (const [k, v] of info.baggage.getAllEntries()) baggage = baggage.setEntry(k, v);
            parentCtx = propagation.setBaggage(parentCtx, baggage);
          }
          const links: Link[] = [];
          if (info.parent) links.push({ context: info.parent, attributes: { 'fntrace.link.type': 'producer' } });
          if (invocationSpan && !sameTrace) {
            links.push({ context: invocationSpan.spanContext(), attributes: { 'fntrace.link.type': 'invocation' } });
          }
          const span = sdk.tracer.startSpan(
            info.name,
            {
              kind: SpanKind.CONSUMER,
              links,
              attributes: {
                ...info.attributes,
                'faas.invocation_id': invocation?.invocationId,
                'fntrace.correlation_id': info.correlationId ?? invocation?.correlationId,
              },
            },
            parentCtx,
          ) as SdkSpan;
          current = span;
          const ctx = setRecord(trace.setSpan(parentCtx, span), {
            span,
            messageId: info.messageId,
            correlationId: info.correlationId,
            index: i,
          });
          enter(ctx);
        } catch (err) {
          report(ERROR_CODES.INTERNAL, `starting a record span failed: ${(err as Error)?.message}`);
        }
      }
      yield list[i] as R;
    }
    completed = true;
  } finally {
    if (current) {
      if (!completed && invocation && !invocation.ended) invocation.abandonedRecordSpan = current;
      else current.end();
    }
    enter(outer);
  }
}
