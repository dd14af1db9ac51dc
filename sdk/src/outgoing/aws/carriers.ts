import type { SpanContext } from '@opentelemetry/api';
import { report } from '../../core/diagnostics.js';
import { ERROR_CODES } from '../../core/errors.js';
import { FLAG_SAMPLED } from '../../propagation/traceparent.js';

/**
 * Where each AWS service lets a message carry W3C context, and where the consumer side
 * (adapters/aws-lambda) reads it back:
 *
 * | service       | carrier                                        | limit                                      |
 * | ------------- | ---------------------------------------------- | ------------------------------------------ |
 * | SQS           | message attributes                             | 10 a message; else `AWSTraceHeader` (X-Ray) |
 * | SNS           | message attributes                             | 10 a message (what SQS subscribers take)   |
 * | EventBridge   | fields of the `Detail` JSON object             | `TraceHeader` only takes X-Ray             |
 * | Kinesis       | fields of the record's JSON data (opt-in)      | changes the bytes the consumer reads       |
 * | Lambda Invoke | `ClientContext.Custom`                         | 3,583 bytes base64; synchronous only       |
 * | Step Functions| fields of the execution's `input` JSON object  |                                            |
 *
 * Every function returns a copy of the message it was given, or undefined to send it as it
 * is. A message that already holds a `traceparent` is left as the caller made it. When the
 * context cannot go in, a diagnostic says why, once (the collector still joins the hop by
 * the message id the producer span records).
 */
export type Message = Record<string, unknown>;
export type Headers = Readonly<Record<string, string>>;

const isObj = (v: unknown): v is Message => typeof v === 'object' && v !== null && !Array.isArray(v);
/** Order of importance when room is short: the parent first, then the correlation id, then vendor state. */
const KEYS = ['traceparent', 'baggage', 'tracestate'] as const;
export const MAX_MESSAGE_ATTRIBUTES = 10;

function notCarried(message: string): void {
  report(ERROR_CODES.CONTEXT_NOT_CARRIED, message);
}

/** An X-Ray trace header naming the same trace and parent as `ctx`. */
export function xrayHeader(ctx: SpanContext): string {
  const sampled = (ctx.traceFlags & FLAG_SAMPLED) === FLAG_SAMPLED ? 1 : 0;
  return `Root=1-${ctx.traceId.slice(0, 8)}-${ctx.traceId.slice(8)};Parent=${ctx.spanId};Sampled=${sampled}`;
}

/**
 * SQS and SNS message attributes (`{ DataType: 'String', StringValue }`), within the
 * 10-attribute limit. SQS falls back to the `AWSTraceHeader` system attribute, which
 * does not count against it, when not even `traceparent` fits.
 */
export function withMessageAttributes(
  message: Message,
  headers: Headers,
  ctx: SpanContext,
  service: 'SQS' | 'SNS',
): Message | undefined {
  const own = isObj(message.MessageAttributes) ? message.MessageAttributes : {};
  if ('traceparent' in own) return undefined;
  const attributes: Message = { ...own };
  let room = MAX_MESSAGE_ATTRIBUTES - Object.keys(own).length;
  const left: string[] = [];
  for (const key of KEYS) {
    const value = headers[key];
    if (value === undefined || key in own) continue;
    if (room > 0) {
      attributes[key] = { DataType: 'String', StringValue: value };
      room--;
    } else {
      left.push(key);
    }
  }
  const copy: Message = { ...message, MessageAttributes: attributes };
  if (left.length === 0) return copy;
  const count = Object.keys(own).length;
  if (left.includes('traceparent') && service === 'SQS') {
    const system = isObj(message.MessageSystemAttributes) ? message.MessageSystemAttributes : {};
    if (!('AWSTraceHeader' in system)) {
      copy.MessageSystemAttributes = {
        ...system,
        AWSTraceHeader: { DataType: 'String', StringValue: xrayHeader(ctx) },
      };
    }
    notCarried(
      `an SQS message already has ${count} message attributes (SQS allows ${MAX_MESSAGE_ATTRIBUTES}): its trace context went in the AWSTraceHeader system attribute instead` +
        (left.includes('baggage') ? ', and its correlation id was not sent' : ''),
    );
  } else if (left.includes('traceparent')) {
    notCarried(
      `an SNS message already has ${count} message attributes (${MAX_MESSAGE_ATTRIBUTES} is what SQS subscribers accept): it was sent without trace context; the collector joins it by message id`,
    );
  } else {
    notCarried(
      `a ${service} message already has ${count} message attributes (limit ${MAX_MESSAGE_ATTRIBUTES}): ${left.join(' and ')} left out`,
    );
  }
  return copy;
}

/** Parse a JSON object document, or undefined (not JSON, or JSON but not an object). */
function jsonObject(text: string): Message | undefined {
  try {
    const doc = JSON.parse(text) as unknown;
    return isObj(doc) ? doc : undefined;
  } catch {
    return undefined;
  }
}

/** The headers as top-level fields of a JSON object document; undefined if it is not one or already has them. */
export function withJsonFields(text: string, headers: Headers, what: string): string | undefined {
  const doc = jsonObject(text);
  if (!doc) {
    notCarried(`${what} is not a JSON object: it was sent without trace context`);
    return undefined;
  }
  if ('traceparent' in doc) return undefined;
  return JSON.stringify({ ...doc, ...headers });
}

/** EventBridge: inside `Detail` (the `TraceHeader` field only takes X-Ray). */
export function withDetail(entry: Message, headers: Headers): Message | undefined {
  const detail = typeof entry.Detail === 'string' ? entry.Detail : '{}';
  const next = withJsonFields(detail, headers, 'an EventBridge event Detail');
  return next === undefined ? undefined : { ...entry, Detail: next };
}

/** Step Functions: fields of the execution input (an execution started without input gets `{}` plus them). */
export function withExecutionInput(input: Message, headers: Headers): Message | undefined {
  const text = typeof input.input === 'string' && input.input.trim() !== '' ? input.input : '{}';
  const next = withJsonFields(text, headers, 'a Step Functions execution input');
  return next === undefined ? undefined : { ...input, input: next };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Kinesis (opt-in): fields of the record's JSON data, re-encoded as UTF-8. */
export function withRecordData(record: Message, headers: Headers): Message | undefined {
  let text: string;
  try {
    if (typeof record.Data === 'string') text = record.Data;
    else if (record.Data instanceof Uint8Array) text = decoder.decode(record.Data);
    else return undefined;
  } catch {
    notCarried('a Kinesis record is not UTF-8 JSON, so it was sent without trace context');
    return undefined;
  }
  const next = withJsonFields(text, headers, 'a Kinesis record');
  return next === undefined ? undefined : { ...record, Data: encoder.encode(next) };
}

/** Lambda's `ClientContext` is base64 of a JSON object, at most 3,583 characters. */
export const MAX_CLIENT_CONTEXT = 3583;

function base64ToText(b64: string): string {
  const bin = atob(b64);
  return decoder.decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
}

function textToBase64(text: string): string {
  let bin = '';
  for (const b of encoder.encode(text)) bin += String.fromCharCode(b);
  return btoa(bin);
}

/** Lambda Invoke: `ClientContext.Custom`, which the invoked function reads as `context.clientContext.Custom`. */
export function withClientContext(input: Message, headers: Headers): Message | undefined {
  let doc: Message = {};
  if (typeof input.ClientContext === 'string' && input.ClientContext !== '') {
    let parsed: Message | undefined;
    try {
      parsed = jsonObject(base64ToText(input.ClientContext));
    } catch {
      parsed = undefined;
    }
    if (!parsed) {
      notCarried(
        'a Lambda Invoke has a ClientContext that is not base64 JSON: it was sent as it was, without trace context',
      );
      return undefined;
    }
    doc = parsed;
  }
  const custom = isObj(doc.Custom) ? doc.Custom : {};
  if ('traceparent' in custom) return undefined;
  const encoded = textToBase64(JSON.stringify({ ...doc, Custom: { ...custom, ...headers } }));
  if (encoded.length > MAX_CLIENT_CONTEXT) {
    notCarried(
      `a Lambda Invoke's ClientContext would pass ${MAX_CLIENT_CONTEXT} bytes with trace context: it was sent without it`,
    );
    return undefined;
  }
  return { ...input, ClientContext: encoded };
}
