import { describe, expect, it } from 'vitest';
import { useReceiver } from '../helpers/otlp-receiver.js';
import { fixture, runLambda } from '../helpers/run-lambda.js';

// Point 3: one span per record, linked to its producer; inside `for (const r of records(event))`
// the logger writes record N's trace, span and message id.
const rx = useReceiver();

const spansOf = (requestId: string) => rx.spans().filter((s) => s.attrs['faas.invocation_id'] === requestId);

describe('records(event)', () => {
  it('gives each SQS record a span linked to its producer, and rebinds the logger per record', async () => {
    const event = { ...fixture('sqs-batch-3'), _test: { records: true } };
    const run = await runLambda({ handler: 'app.cjs', invocations: [{ event }], endpoint: rx.url });
    const { requestId } = run.outcomes[0]!;
    expect(run.outcomes[0]!.error).toBeUndefined();

    const invocation = spansOf(requestId).find((s) => s.attrs['faas.trigger'])!;
    const recordSpans = spansOf(requestId)
      .filter((s) => s.attrs['fntrace.batch.index'] !== undefined)
      .sort((a, b) => Number(a.attrs['fntrace.batch.index']) - Number(b.attrs['fntrace.batch.index']));
    expect(recordSpans).toHaveLength(3);
    const messageIds = event.Records.map((r: { messageId: string }) => r.messageId);
    const producers = [
      ['11111111111111111111111111111111', '1111111111111111'],
      ['22222222222222222222222222222222', '2222222222222222'],
      ['5759e988bd862e3fe1be46a994272793', '53995c3f42cd8ad8'], // X-Ray AWSTraceHeader, sampled
    ];
    recordSpans.forEach((span, i) => {
      expect(span.kind).toBe(5); // CONSUMER
      expect(span.name).toBe('orders-queue process');
      expect(span.attrs['messaging.message.id']).toBe(messageIds[i]);
      expect(span.attrs['messaging.system']).toBe('aws_sqs');
      // the record continues its producer's trace and links back to the producer and the invocation
      expect([span.traceId, span.parentSpanId]).toEqual(producers[i]);
      expect(span.links).toContainEqual(
        expect.objectContaining({
          traceId: producers[i]![0],
          spanId: producers[i]![1],
          attrs: { 'fntrace.link.type': 'producer' },
        }),
      );
      expect(span.links).toContainEqual(
        expect.objectContaining({
          traceId: invocation.traceId,
          spanId: invocation.spanId,
          attrs: { 'fntrace.link.type': 'invocation' },
        }),
      );
    });
    expect(recordSpans[0]!.attrs['fntrace.correlation_id']).toBe('corr-sqs-1');

    const recordLines = run.logs.filter((l) => l.msg === 'record processed');
    expect(recordLines).toHaveLength(3);
    recordLines.forEach((line, i) => {
      expect(line.trace_id).toBe(recordSpans[i]!.traceId);
      expect(line.span_id).toBe(recordSpans[i]!.spanId);
      expect(line.message_id).toBe(messageIds[i]);
      expect(line.invocation_id).toBe(requestId);
    });
    expect(recordLines[0]!.correlation_id).toBe('corr-sqs-1');
    // after the loop the logger is bound to the invocation again
    const done = run.logs.find((l) => l.msg === 'done' && l.invocation_id === requestId)!;
    expect(done.span_id).toBe(invocation.spanId);
    expect(done.message_id).toBeUndefined();
  });

  it('keeps a single-producer batch in the producer trace, record under the invocation', async () => {
    const base = fixture('sqs-batch-3');
    const event = { Records: [base.Records[0]], _test: { records: true } };
    const run = await runLambda({ handler: 'app.cjs', invocations: [{ event }], endpoint: rx.url });
    const spans = spansOf(run.outcomes[0]!.requestId);
    const invocation = spans.find((s) => s.attrs['faas.trigger'])!;
    const record = spans.find((s) => s.attrs['fntrace.batch.index'] === 0)!;
    expect(invocation.traceId).toBe('11111111111111111111111111111111');
    expect(invocation.parentSpanId).toBe('1111111111111111');
    expect(record.parentSpanId).toBe(invocation.spanId);
    expect(invocation.attrs['fntrace.correlation_id']).toBe('corr-sqs-1');
  });

  it('marks the record that threw, and the invocation, with the error', async () => {
    const event = { ...fixture('sqs-batch-3'), _test: { records: true, failAtRecord: 1 } };
    const run = await runLambda({ handler: 'app.cjs', invocations: [{ event }], endpoint: rx.url });
    expect(run.outcomes[0]!.error).toMatchObject({ name: 'Error', message: 'record 1 failed' });
    const spans = spansOf(run.outcomes[0]!.requestId);
    const byIndex = (i: number) => spans.find((s) => s.attrs['fntrace.batch.index'] === i);
    expect(byIndex(0)!.status.code ?? 0).toBe(0);
    expect(byIndex(1)!.status).toEqual({ code: 2, message: 'record 1 failed' });
    expect(byIndex(1)!.events.map((e) => e.name)).toContain('exception');
    expect(byIndex(2)).toBeUndefined();
    expect(spans.find((s) => s.attrs['faas.trigger'])!.status.code).toBe(2);
  });

  it.each([
    ['kinesis-batch-2', 2, 'aws_kinesis', '55555555555555555555555555555555'],
    ['sns', 1, 'aws_sns', '33333333333333333333333333333333'],
    ['dynamodb-stream-2', 2, 'aws_dynamodb_streams', undefined],
  ])('handles %s records', async (name, count, system, firstTrace) => {
    const event = { ...fixture(name), _test: { records: true } };
    const run = await runLambda({ handler: 'app.cjs', invocations: [{ event }], endpoint: rx.url });
    const records = spansOf(run.outcomes[0]!.requestId).filter((s) => s.attrs['fntrace.batch.index'] !== undefined);
    expect(records).toHaveLength(count);
    expect(records.every((s) => s.attrs['messaging.system'] === system && s.attrs['messaging.message.id'])).toBe(true);
    const first = records.find((s) => s.attrs['fntrace.batch.index'] === 0)!;
    if (firstTrace) expect(first.traceId).toBe(firstTrace);
    const lines = run.logs.filter((l) => l.msg === 'record processed');
    expect(lines.map((l) => l.message_id)).toEqual(
      records
        .sort((a, b) => Number(a.attrs['fntrace.batch.index']) - Number(b.attrs['fntrace.batch.index']))
        .map((s) => s.attrs['messaging.message.id']),
    );
  });

  it('gives each Kafka record a span continued from its traceparent header, across partitions', async () => {
    const event = { ...fixture('kafka-msk-2'), _test: { records: true } };
    const run = await runLambda({ handler: 'app.cjs', invocations: [{ event }], endpoint: rx.url });
    expect(run.outcomes[0]!.error).toBeUndefined();
    const spans = spansOf(run.outcomes[0]!.requestId);
    const invocation = spans.find((s) => s.attrs['faas.trigger'])!;
    const byIndex = (i: number) => spans.find((s) => s.attrs['fntrace.batch.index'] === i)!;
    expect(byIndex(0)).toMatchObject({ kind: 5, name: 'orders process', traceId: '77777777777777777777777777777777' });
    expect(byIndex(0).parentSpanId).toBe('7777777777777777');
    expect(byIndex(0).attrs).toMatchObject({
      'messaging.system': 'kafka',
      'messaging.destination.partition.id': '0',
      'messaging.kafka.offset': 15,
      'messaging.kafka.message.key': 'order-42',
      'fntrace.correlation_id': 'corr-kafka-1',
    });
    // the record without headers sits under the invocation, whose trace it shares
    expect(byIndex(1).attrs['messaging.destination.partition.id']).toBe('1');
    expect(byIndex(1).traceId).toBe(invocation.traceId);
    expect(run.logs.filter((l) => l.msg === 'record processed').map((l) => l.span_id)).toEqual([
      byIndex(0).spanId,
      byIndex(1).spanId,
    ]);
  });
});
