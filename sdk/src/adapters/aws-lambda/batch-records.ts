import type { Attributes, Baggage, Link, SpanContext } from '@opentelemetry/api';
import { parseBaggage } from '../../propagation/baggage.js';
import { parseTraceparent } from '../../propagation/traceparent.js';
import { parseXrayHeader } from '../../propagation/xray.js';
import { arnName, isObj, kafkaRecords, type Obj, str } from './lambda-types.js';

/**
 * What each record of an SQS, SNS, Kinesis or DynamoDB Streams batch carries: its
 * message id, the producer's context (W3C first — message attributes, an SNS envelope
 * in an SQS body, a `traceparent` field in Kinesis JSON data — then a sampled X-Ray
 * `AWSTraceHeader`), its correlation id, and the attributes of its span.
 */
export interface BatchRecord {
  index: number;
  name: string;
  messageId: string | undefined;
  parent: SpanContext | undefined;
  /** Where the parent came from: `message-attributes`, `message-body` or `xray`. */
  parentSource: string | undefined;
  baggage: Baggage | undefined;
  correlationId: string | undefined;
  attributes: Attributes;
}

/** Where a message carries its producer's context; `from` names the place for `fntrace.parent.source`. */
export type Carrier = {
  traceparent?: string;
  tracestate?: string;
  baggage?: string;
  correlation_id?: string;
  from?: string;
};

function fromSqsAttributes(attrs: unknown): Carrier {
  if (!isObj(attrs)) return {};
  const get = (k: string) => {
    const a = attrs[k];
    return isObj(a) ? str(a.stringValue) : undefined;
  };
  return {
    traceparent: get('traceparent'),
    tracestate: get('tracestate'),
    baggage: get('baggage'),
    correlation_id: get('correlation_id'),
  };
}

function fromSnsAttributes(attrs: unknown): Carrier {
  if (!isObj(attrs)) return {};
  const get = (k: string) => {
    const a = attrs[k];
    return isObj(a) ? str(a.Value) : undefined;
  };
  return {
    traceparent: get('traceparent'),
    tracestate: get('tracestate'),
    baggage: get('baggage'),
    correlation_id: get('correlation_id'),
  };
}

/** A JSON document that may hold trace context: a raw object's fields, or an SNS envelope's MessageAttributes. */
export function fromJsonText(text: string | undefined): Carrier {
  // cheap test first: most bodies carry no context and need no parse
  if (!text?.includes('traceparent')) return {};
  try {
    const doc = JSON.parse(text) as unknown;
    if (!isObj(doc)) return {};
    if (isObj(doc.MessageAttributes)) return { ...fromSnsAttributes(doc.MessageAttributes), from: 'message-body' };
    return {
      from: 'message-body',
      traceparent: str(doc.traceparent),
      tracestate: str(doc.tracestate),
      baggage: str(doc.baggage),
      correlation_id: str(doc.correlation_id),
    };
  } catch {
    return {};
  }
}

function decodeBase64(data: unknown): string | undefined {
  const s = str(data);
  if (!s) return undefined;
  try {
    const bin = atob(s);
    const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
    return new TextDecoder().decode(bytes);
  } catch {
    return undefined;
  }
}

/** A record's description from its carrier (W3C first, then a sampled X-Ray header). Shared with the other adapters' message batches. */
export function finish(
  index: number,
  name: string,
  messageId: string | undefined,
  carrier: Carrier,
  xray: string | undefined,
  attributes: Attributes,
): BatchRecord {
  const baggage = parseBaggage(carrier.baggage);
  const w3c = parseTraceparent(carrier.traceparent, carrier.tracestate);
  const parent = w3c ?? parseXrayHeader(xray);
  const parentSource = w3c ? (carrier.from ?? 'message-attributes') : parent ? 'xray' : undefined;
  return {
    index,
    name,
    messageId,
    parent,
    parentSource,
    baggage,
    correlationId: carrier.correlation_id ?? baggage?.getEntry('correlation_id')?.value,
    attributes: {
      ...attributes,
      'messaging.message.id': messageId,
      'messaging.operation.type': 'process',
      'fntrace.batch.index': index,
      'fntrace.parent.source': parentSource,
    },
  };
}

function sqs(r: Obj, i: number): BatchRecord {
  const queue = arnName(r.eventSourceARN);
  let carrier = fromSqsAttributes(r.messageAttributes);
  if (!carrier.traceparent) carrier = { ...fromJsonText(str(r.body)), ...dropUndefined(carrier) };
  const attrs = isObj(r.attributes) ? r.attributes : {};
  const sent = Number(attrs.SentTimestamp);
  return finish(i, `${queue ?? 'sqs'} process`, str(r.messageId), carrier, str(attrs.AWSTraceHeader), {
    'messaging.system': 'aws_sqs',
    'messaging.destination.name': queue,
    'fntrace.message.sent_timestamp_ms': Number.isFinite(sent) ? sent : undefined,
    'fntrace.message.receive_count': Number(attrs.ApproximateReceiveCount) || undefined,
  });
}

function sns(r: Obj, i: number): BatchRecord {
  const msg = isObj(r.Sns) ? r.Sns : {};
  const topic = arnName(msg.TopicArn);
  const ts = Date.parse(str(msg.Timestamp) ?? '');
  return finish(
    i,
    `${topic ?? 'sns'} process`,
    str(msg.MessageId),
    fromSnsAttributes(msg.MessageAttributes),
    undefined,
    {
      'messaging.system': 'aws_sns',
      'messaging.destination.name': topic,
      'aws.sns.topic.arn': str(msg.TopicArn),
      'fntrace.message.sent_timestamp_ms': Number.isFinite(ts) ? ts : undefined,
    },
  );
}

function kinesis(r: Obj, i: number): BatchRecord {
  const k = isObj(r.kinesis) ? r.kinesis : {};
  const stream = arnName(r.eventSourceARN);
  const arrival = Number(k.approximateArrivalTimestamp);
  return finish(
    i,
    `${stream ?? 'kinesis'} process`,
    str(r.eventID) ?? str(k.sequenceNumber),
    fromJsonText(decodeBase64(k.data)),
    undefined,
    {
      'messaging.system': 'aws_kinesis',
      'messaging.destination.name': stream,
      'messaging.destination.partition.id': str(r.eventID)?.split(':')[0],
      'aws.kinesis.partition_key': str(k.partitionKey),
      'aws.kinesis.sequence_number': str(k.sequenceNumber),
      'fntrace.message.sent_timestamp_ms': Number.isFinite(arrival) ? Math.round(arrival * 1000) : undefined,
    },
  );
}

const DOC_OPERATION: Record<string, string> = { INSERT: 'insert', MODIFY: 'edit', REMOVE: 'delete' };

function dynamodb(r: Obj, i: number): BatchRecord {
  const table = arnName(r.eventSourceARN);
  const ddb = isObj(r.dynamodb) ? r.dynamodb : {};
  const created = Number(ddb.ApproximateCreationDateTime);
  return finish(i, `${table ?? 'dynamodb'} process`, str(r.eventID), {}, undefined, {
    'messaging.system': 'aws_dynamodb_streams',
    'messaging.destination.name': table,
    'faas.document.collection': table,
    'faas.document.operation': DOC_OPERATION[str(r.eventName) ?? ''] ?? str(r.eventName),
    'aws.dynamodb.sequence_number': str(ddb.SequenceNumber),
    'fntrace.message.sent_timestamp_ms': Number.isFinite(created) ? Math.round(created * 1000) : undefined,
  });
}

const textDecoder = new TextDecoder();

/** A Kafka record's headers: `[{ name: [byte, ...] }, ...]`, values as UTF-8. */
function fromKafkaHeaders(headers: unknown): Carrier {
  const out: Carrier = {};
  if (!Array.isArray(headers)) return out;
  for (const h of headers) {
    if (!isObj(h)) continue;
    for (const [name, bytes] of Object.entries(h)) {
      const key = name.toLowerCase();
      if (key !== 'traceparent' && key !== 'tracestate' && key !== 'baggage' && key !== 'correlation_id') continue;
      if (!Array.isArray(bytes) || (out as Record<string, string>)[key] !== undefined) continue;
      (out as Record<string, string>)[key] = textDecoder.decode(Uint8Array.from(bytes, (b) => Number(b) & 0xff));
    }
  }
  return out;
}

function kafka(r: Obj, i: number): BatchRecord {
  const topic = str(r.topic);
  const key = decodeBase64(r.key);
  const ts = Number(r.timestamp);
  return finish(i, `${topic ?? 'kafka'} process`, undefined, fromKafkaHeaders(r.headers), undefined, {
    'messaging.system': 'kafka',
    'messaging.destination.name': topic,
    'messaging.destination.partition.id': r.partition === undefined ? undefined : String(r.partition),
    'messaging.kafka.offset': typeof r.offset === 'number' ? r.offset : undefined,
    'messaging.kafka.message.key': key,
    'fntrace.message.sent_timestamp_ms': Number.isFinite(ts) ? ts : undefined,
  });
}

function dropUndefined(c: Carrier): Carrier {
  return Object.fromEntries(Object.entries(c).filter(([, v]) => v !== undefined)) as Carrier;
}

/** The records of a batch event with what each carries; empty for anything that is not a batch. */
export function batchRecords(event: unknown): BatchRecord[] {
  const kafkaList = kafkaRecords(event);
  if (kafkaList) return kafkaList.map(kafka);
  if (!isObj(event) || !Array.isArray(event.Records)) return [];
  const out: BatchRecord[] = [];
  event.Records.forEach((r: unknown, i: number) => {
    if (!isObj(r)) return;
    const src = str(r.eventSource) ?? str(r.EventSource);
    if (src === 'aws:sqs') out.push(sqs(r, i));
    else if (src === 'aws:sns') out.push(sns(r, i));
    else if (src === 'aws:kinesis') out.push(kinesis(r, i));
    else if (src === 'aws:dynamodb') out.push(dynamodb(r, i));
  });
  return out;
}

/**
 * What a batch's records say about its invocation: a link to each producer (once per producer
 * span), the producers' context when every record comes from one trace, and the correlation id
 * when every record carries the same one.
 */
export function batchContext(recs: readonly BatchRecord[]): {
  links: Link[];
  parent: SpanContext | undefined;
  parentSource: string | undefined;
  correlationId: string | undefined;
} {
  const links: Link[] = [];
  const seen = new Set<string>();
  for (const r of recs) {
    if (!r.parent || seen.has(r.parent.spanId)) continue;
    seen.add(r.parent.spanId);
    links.push({
      context: r.parent,
      attributes: { 'fntrace.link.type': 'producer', 'messaging.message.id': r.messageId ?? '' },
    });
  }
  const traces = new Set(recs.map((r) => r.parent?.traceId));
  const ids = new Set(recs.map((r) => r.correlationId));
  return {
    links,
    parent: traces.size === 1 ? recs[0]?.parent : undefined,
    parentSource: recs[0]?.parentSource,
    correlationId: ids.size === 1 ? recs[0]?.correlationId : undefined,
  };
}
