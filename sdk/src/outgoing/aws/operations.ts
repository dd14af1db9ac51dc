import type { SpanContext } from '@opentelemetry/api';
import { sdkConfig } from '../../core/setup.js';
import { type Headers, type Message, withDetail, withMessageAttributes, withRecordData } from './carriers.js';

/**
 * The AWS SDK commands that send messages, and how to read each one: where the
 * destination is named, which input array holds a batch's entries, how each message
 * carries context (carriers.ts), and what the service answered for each message — the id
 * the consumer will see as its `messaging.message.id`, or why the message was refused.
 */
export type SendResult = { id: string } | { error: string; message?: string };
export type Inject = (message: Message, headers: Headers, ctx: SpanContext) => Message | undefined;

export interface MessageOperation {
  /** `messaging.system` */
  system: string;
  destination(input: Message): string | undefined;
  /** A batch entry's own destination, when entries may name different ones (EventBridge buses). */
  destinationOf?(entry: unknown): string | undefined;
  /** The input member holding a batch's entries; absent for single-message commands. */
  entries?: string;
  /** How a message carries context, or undefined when this one should not (Kinesis unless opted in). */
  inject(): Inject | undefined;
  /** One result per message sent, in the order of `messages`. */
  results(output: Message, messages: Message[]): (SendResult | undefined)[];
}

const obj = (v: unknown): Message => (typeof v === 'object' && v !== null ? (v as Message) : {});
const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const list = (v: unknown): Message[] => (Array.isArray(v) ? v.map(obj) : []);

/** Last segment of a queue URL or an ARN. */
function lastName(v: unknown): string | undefined {
  const s = text(v);
  return s ? s.replace(/\/+$/, '').split(/[:/]/).pop() || undefined : undefined;
}

/** SQS and SNS answer a batch with Successful and Failed lists keyed by each entry's Id. */
function byEntryId(output: Message, messages: Message[]): (SendResult | undefined)[] {
  const ok = new Map(list(output.Successful).map((s) => [s.Id, s]));
  const failed = new Map(list(output.Failed).map((f) => [f.Id, f]));
  return messages.map((m) => {
    const s = ok.get(m.Id);
    if (s && text(s.MessageId)) return { id: s.MessageId as string };
    const f = failed.get(m.Id);
    return f ? { error: text(f.Code) ?? 'Failed', message: text(f.Message) } : undefined;
  });
}

/** Kinesis names a record by shard and sequence number, as the consumer's `eventID` does. */
function kinesisId(r: Message): SendResult | undefined {
  if (text(r.SequenceNumber)) return { id: `${text(r.ShardId) ?? ''}:${r.SequenceNumber}` };
  if (text(r.ErrorCode)) return { error: r.ErrorCode as string, message: text(r.ErrorMessage) };
  return undefined;
}

const sqs: Inject = (m, h, c) => withMessageAttributes(m, h, c, 'SQS');
const sns: Inject = (m, h, c) => withMessageAttributes(m, h, c, 'SNS');
const snsTopic = (input: Message) =>
  lastName(input.TopicArn) ?? lastName(input.TargetArn) ?? (text(input.PhoneNumber) ? 'sms' : undefined);
const kinesis = () => (sdkConfig().kinesisInject ? (m: Message, h: Headers) => withRecordData(m, h) : undefined);
const stream = (input: Message) => text(input.StreamName) ?? lastName(input.StreamARN);
const bus = (entry: unknown) => lastName(obj(entry).EventBusName) ?? 'default';

export const MESSAGE_OPERATIONS: Readonly<Record<string, MessageOperation>> = {
  'SQS.SendMessage': {
    system: 'aws_sqs',
    destination: (input) => lastName(input.QueueUrl),
    inject: () => sqs,
    results: (output) => [text(output.MessageId) ? { id: output.MessageId as string } : undefined],
  },
  'SQS.SendMessageBatch': {
    system: 'aws_sqs',
    destination: (input) => lastName(input.QueueUrl),
    entries: 'Entries',
    inject: () => sqs,
    results: byEntryId,
  },
  'SNS.Publish': {
    system: 'aws_sns',
    destination: snsTopic,
    inject: () => sns,
    results: (output) => [text(output.MessageId) ? { id: output.MessageId as string } : undefined],
  },
  'SNS.PublishBatch': {
    system: 'aws_sns',
    destination: snsTopic,
    entries: 'PublishBatchRequestEntries',
    inject: () => sns,
    results: byEntryId,
  },
  'EventBridge.PutEvents': {
    system: 'aws_eventbridge',
    destination: (input) => {
      const buses = new Set(list(input.Entries).map(bus));
      return buses.size === 1 ? [...buses][0] : undefined;
    },
    destinationOf: bus,
    entries: 'Entries',
    inject: () => (m, h) => withDetail(m, h),
    // EventBridge answers one entry per entry sent, in order: an EventId or an error
    results: (output, messages) =>
      messages.map((_, i) => {
        const e = list(output.Entries)[i];
        if (!e) return undefined;
        if (text(e.EventId)) return { id: e.EventId as string };
        return text(e.ErrorCode) ? { error: e.ErrorCode as string, message: text(e.ErrorMessage) } : undefined;
      }),
  },
  'Kinesis.PutRecord': {
    system: 'aws_kinesis',
    destination: stream,
    inject: kinesis,
    results: (output) => [kinesisId(output)],
  },
  'Kinesis.PutRecords': {
    system: 'aws_kinesis',
    destination: stream,
    entries: 'Records',
    inject: kinesis,
    results: (output, messages) => messages.map((_, i) => kinesisId(list(output.Records)[i] ?? {})),
  },
};
