// A stand-in for Amazon SQS in the local demo: `sendMessage` appends an SQS-shaped
// record to a JSON-lines file, and `receiveBatch` turns the file into the event Lambda's
// SQS integration would deliver. On AWS you would call SQS's SendMessage with the same
// MessageAttributes instead.
import { randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';

const QUEUE_ARN = 'arn:aws:sqs:us-east-1:123456789012:orders-queue';

/** Append a message; `attributes` become SQS string message attributes. Returns the message id. */
export function sendMessage(file, body, attributes) {
  const messageId = randomUUID();
  const messageAttributes = Object.fromEntries(
    Object.entries(attributes).map(([k, v]) => [
      k,
      { stringValue: v, stringListValues: [], binaryListValues: [], dataType: 'String' },
    ]),
  );
  const record = {
    messageId,
    receiptHandle: `local-${messageId}`,
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: String(Date.now()),
      SenderId: 'LOCAL',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    },
    messageAttributes,
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: QUEUE_ARN,
    awsRegion: 'us-east-1',
  };
  appendFileSync(file, `${JSON.stringify(record)}\n`);
  return messageId;
}

/** The SQS event for everything in the queue file. */
export function receiveBatch(file) {
  if (!existsSync(file)) return { Records: [] };
  const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
  return { Records: lines.map((l) => JSON.parse(l)) };
}
