import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error — plain ES module shared with the demo (examples/)
import { startLocalAws } from '../../examples/aws-lambda/local-aws.mjs';
import { type FlatSpan, useReceiver } from '../helpers/otlp-receiver.js';
import { HANDLERS, type RunResult, runLambda } from '../helpers/run-lambda.js';

// The real AWS SDK v3 clients, called from a wrapped function with no fntrace code but wrap(),
// against a local stand-in that speaks each service's protocol (examples/aws-lambda/local-aws.mjs).
// What each request carried is read from the stand-in; what the consumer makes of it is read by
// handing the message, as the service would deliver it, to a wrapped consumer in the local
// Lambda runtime.
const rx = useReceiver();
let aws: any;
let producer: RunResult;
const ALL = [
  'sqs-send',
  'sqs-send-nine',
  'sqs-send-ten',
  'sqs-send-eleven',
  'sqs-own-context',
  'sqs-batch',
  'sns-publish',
  'sns-batch',
  'eventbridge-put',
  'kinesis-put',
  'kinesis-puts',
  'lambda-invoke',
  'lambda-invoke-failing',
  'sfn-start',
  'sfn-start-sync',
];

beforeAll(async () => {
  aws = await startLocalAws();
  aws.subscribeQueue('orders-topic', 'topic-queue');
  aws.respondToInvoke((name: string) => {
    if (name === 'failing-fn') throw new Error('boom');
    return { done: true };
  });
  producer = await runLambda({
    handler: 'aws-producer.mjs',
    functionName: 'producer-fn',
    endpoint: rx.url,
    env: { LOCAL_AWS_URL: aws.url, FNTRACE_KINESIS_INJECT: 'true' },
    invocations: [{ event: { ops: ALL }, timeoutMs: 15_000, context: { awsRequestId: 'producer-req-1' } }],
  });
}, 60_000);

afterAll(() => aws?.close());

const requestsOf = (service: string, operation: string) =>
  aws.requests.filter((r: any) => r.service === service && r.operation === operation);
const producerSpans = () => rx.spans().filter((s) => s.resource['service.name'] === 'producer-fn');
const spanNamed = (name: string) => producerSpans().find((s) => s.name === name)!;
const tp = (value: string | undefined) => {
  const [, traceId, spanId, flags] = String(value).split('-');
  return { traceId, spanId, flags };
};
const consumerRun = (event: unknown, extra: Record<string, unknown> = {}) =>
  runLambda({
    handler: 'app.cjs',
    functionName: 'consumer-fn',
    endpoint: rx.url,
    invocations: [{ event: { ...(event as object), _test: { records: true } }, ...extra }],
  });
const spansOfRun = (run: RunResult) =>
  rx.spans().filter((s) => s.attrs['faas.invocation_id'] === run.outcomes[0]!.requestId);

/**
 * The consumer's record span continues `producer`: in its trace, linked to it as its producer,
 * and under it — directly, or through the invocation span when every record of the batch came
 * from that one trace (records.ts).
 */
function expectContinues(consumer: RunResult, index: number, producer: FlatSpan): FlatSpan {
  const spans = spansOfRun(consumer);
  const record = spans.find((s) => s.attrs['fntrace.batch.index'] === index)!;
  const invocation = spans.find((s) => s.attrs['faas.trigger'])!;
  expect(record.kind).toBe(5);
  expect(record.traceId).toBe(producer.traceId);
  expect(record.links).toContainEqual(
    expect.objectContaining({
      traceId: producer.traceId,
      spanId: producer.spanId,
      attrs: { 'fntrace.link.type': 'producer' },
    }),
  );
  if (record.parentSpanId !== producer.spanId) {
    expect(record.parentSpanId).toBe(invocation.spanId);
    expect(invocation.traceId).toBe(producer.traceId);
  }
  return record;
}

describe('AWS SDK v3 calls from a wrapped handler', () => {
  it('ran every call; only the ones the service refused failed', () => {
    expect(producer.outcomes[0]!.error).toBeUndefined();
    const results = producer.outcomes[0]!.result;
    expect(Object.keys(results).filter((k) => !results[k].ok)).toEqual(['sqs-send-eleven']);
    expect(results['sqs-send-eleven'].error).toBe('InvalidParameterValue');
  });

  it('SQS SendMessage: a PRODUCER span whose context the message carries, with the message id', async () => {
    const invocation = rx.invocationSpan('producer-req-1')!;
    const span = spanNamed('orders-queue send');
    expect(span).toMatchObject({ kind: 4, traceId: invocation.traceId, parentSpanId: invocation.spanId });
    const [sent] = requestsOf('SQS', 'SendMessage').filter((r: any) => r.input.QueueUrl.endsWith('/orders-queue'));
    const attrs = sent.input.MessageAttributes;
    expect(tp(attrs.traceparent.StringValue)).toEqual({ traceId: span.traceId, spanId: span.spanId, flags: '03' });
    expect(attrs.baggage).toEqual({ DataType: 'String', StringValue: 'correlation_id=producer-req-1' });
    const delivered = aws.sqsEvent('orders-queue');
    expect(span.attrs).toMatchObject({
      'messaging.system': 'aws_sqs',
      'messaging.destination.name': 'orders-queue',
      'messaging.operation.type': 'send',
      'messaging.message.id': delivered.Records[0].messageId,
      'rpc.system': 'aws-api',
      'rpc.service': 'SQS',
      'rpc.method': 'SendMessage',
      'cloud.region': 'us-east-1',
      'http.response.status_code': 200,
      'fntrace.correlation_id': 'producer-req-1',
    });
    expect(span.attrs['aws.request_id']).toMatch(/^[0-9a-f-]{36}$/);
    // the SDK's own HTTP request under the span is not traced again
    expect(producerSpans().filter((s) => s.kind === 3 && String(s.attrs['url.full']).startsWith(aws.url))).toEqual([]);

    const consumer = await consumerRun(delivered);
    const record = expectContinues(consumer, 0, span);
    // a batch of one: the consumer's invocation joins the producer's span, the record under it
    expect(spansOfRun(consumer).find((s) => s.attrs['faas.trigger'])!.parentSpanId).toBe(span.spanId);
    expect(record.attrs['messaging.message.id']).toBe(span.attrs['messaging.message.id']);
    expect(record.attrs['fntrace.correlation_id']).toBe('producer-req-1');
  });

  it('SQS: 9 attributes of its own leave room for traceparent only, 10 send it as AWSTraceHeader', async () => {
    const [nine, ten] = requestsOf('SQS', 'SendMessage').filter((r: any) => /nine|ten/.test(r.input.MessageBody));
    expect(Object.keys(nine.input.MessageAttributes)).toHaveLength(10);
    expect(nine.input.MessageAttributes.traceparent).toBeDefined();
    expect(nine.input.MessageAttributes.baggage).toBeUndefined();
    expect(Object.keys(ten.input.MessageAttributes)).toHaveLength(10);
    expect(ten.input.MessageAttributes.traceparent).toBeUndefined();
    const xray = ten.input.MessageSystemAttributes.AWSTraceHeader.StringValue;
    const [tenSpan] = producerSpans().filter(
      (s) =>
        s.name === 'full-queue send' &&
        s.attrs['messaging.message.id'] === aws.sqsEvent('full-queue').Records[1].messageId,
    );
    expect(xray).toBe(
      `Root=1-${tenSpan!.traceId.slice(0, 8)}-${tenSpan!.traceId.slice(8)};Parent=${tenSpan!.spanId};Sampled=1`,
    );
    const notCarried = producer.diagnostics.filter(
      (d) => d.fntrace_diagnostic === 'FNTRACE_ERR_SDK_CONTEXT_NOT_CARRIED',
    );
    expect(notCarried[0].msg).toContain('already has 9 message attributes');
    // the consumer reads the X-Ray fallback: the record still continues the producer's span
    const consumer = await consumerRun(aws.sqsEvent('full-queue'));
    const second = expectContinues(consumer, 1, tenSpan!);
    expect(second.attrs['fntrace.parent.source']).toBe('xray');
  });

  it('SQS: a refused send marks its span with the service error; a traceparent of the caller is kept', () => {
    const refused = producerSpans().find((s) => s.name === 'full-queue send' && s.status.code === 2)!;
    expect(refused.attrs).toMatchObject({ 'error.type': 'InvalidParameterValue', 'http.response.status_code': 400 });
    expect(refused.events.map((e) => e.name)).toContain('exception');
    const [own] = requestsOf('SQS', 'SendMessage').filter((r: any) => r.input.MessageBody === 'mine');
    expect(own.input.MessageAttributes).toEqual({
      traceparent: { DataType: 'String', StringValue: '00-11111111111111111111111111111111-1111111111111111-01' },
    });
  });

  it('SQS SendMessageBatch: a create span per entry carried by it, ids per entry, the refused one marked', async () => {
    const send = spanNamed('batch-queue send');
    expect(send.kind).toBe(3);
    expect(send.attrs).toMatchObject({ 'messaging.batch.message_count': 3, 'fntrace.batch.failed_count': 1 });
    expect(send.status.code).toBe(2);
    const creates = producerSpans()
      .filter((s) => s.name === 'batch-queue create')
      .sort((a, b) => Number(a.attrs['fntrace.batch.index']) - Number(b.attrs['fntrace.batch.index']));
    expect(creates.map((c) => [c.kind, c.parentSpanId])).toEqual([
      [4, send.spanId],
      [4, send.spanId],
      [4, send.spanId],
    ]);
    expect(creates[1]!.attrs['error.type']).toBe('InvalidMessageContents');
    const [req] = requestsOf('SQS', 'SendMessageBatch');
    req.input.Entries.forEach((e: any, i: number) => {
      expect(tp(e.MessageAttributes.traceparent.StringValue).spanId).toBe(creates[i]!.spanId);
    });
    const delivered = aws.sqsEvent('batch-queue');
    expect(delivered.Records.map((r: any) => r.messageId)).toEqual([
      creates[0]!.attrs['messaging.message.id'],
      creates[2]!.attrs['messaging.message.id'],
    ]);
    const consumer = await consumerRun(delivered);
    expectContinues(consumer, 0, creates[0]!);
    expectContinues(consumer, 1, creates[2]!);
  });

  it('SNS Publish: context in message attributes, read by a Lambda subscriber and through an SQS subscription', async () => {
    const span = spanNamed('orders-topic send');
    const [req] = requestsOf('SNS', 'Publish');
    expect(req.input.MessageAttributes.kind).toEqual({ DataType: 'String', StringValue: 'order' });
    expect(tp(req.input.MessageAttributes.traceparent.StringValue).spanId).toBe(span.spanId);
    const viaLambda = await consumerRun(aws.snsEvent('orders-topic'));
    const direct = expectContinues(viaLambda, 0, span);
    expect(direct.attrs['messaging.message.id']).toBe(span.attrs['messaging.message.id']);
    const viaQueue = await consumerRun(aws.sqsEvent('topic-queue'));
    const enveloped = expectContinues(viaQueue, 0, span);
    expect(enveloped.attrs['fntrace.parent.source']).toBe('message-body');
    expect(producerSpans().filter((s) => s.name === 'batch-topic create')).toHaveLength(2);
  });

  it('EventBridge PutEvents: context inside Detail; a Detail that is not an object is sent as it was', async () => {
    const [req] = requestsOf('EventBridge', 'PutEvents');
    const creates = producerSpans().filter((s) => s.name === 'orders-bus create');
    const first = creates.find((s) => s.attrs['fntrace.batch.index'] === 0)!;
    const detail = JSON.parse(req.input.Entries[0].Detail);
    expect(detail.orderId).toBe(7);
    expect(tp(detail.traceparent).spanId).toBe(first.spanId);
    expect(req.input.Entries[1].Detail).toBe('[1,2]');
    expect(creates.find((s) => s.attrs['fntrace.batch.index'] === 1)!.attrs['error.type']).toBe('MalformedDetail');
    const [event] = aws.eventBridgeEvents();
    expect(first.attrs['messaging.message.id']).toBe(event.id);
    const consumer = await consumerRun(event);
    const invocation = spansOfRun(consumer).find((s) => s.attrs['faas.trigger'])!;
    expect([invocation.traceId, invocation.parentSpanId]).toEqual([first.traceId, first.spanId]);
    expect(invocation.attrs['messaging.message.id']).toBe(event.id);
  });

  it('Kinesis (opted in): context in the JSON data, the record named as the consumer names it', async () => {
    const span = spanNamed('clicks send');
    const delivered = aws.kinesisEvent('clicks');
    const data = JSON.parse(Buffer.from(delivered.Records[0].kinesis.data, 'base64').toString());
    expect(data.click).toBe(1);
    expect(tp(data.traceparent).spanId).toBe(span.spanId);
    expect(Buffer.from(delivered.Records[2].kinesis.data, 'base64').toString()).toBe('not json');
    expect(span.attrs['messaging.message.id']).toBe(delivered.Records[0].eventID);
    const consumer = await consumerRun(delivered);
    const record = expectContinues(consumer, 0, span);
    expect(record.attrs['messaging.message.id']).toBe(delivered.Records[0].eventID);
  });

  it('Lambda Invoke: context in the client context; a function error marks the span', async () => {
    const span = spanNamed('worker-fn invoke');
    expect(span).toMatchObject({ kind: 3 });
    expect(span.attrs).toMatchObject({ 'faas.invoked_name': 'worker-fn', 'faas.invoked_provider': 'aws' });
    const [call] = aws.invocations('worker-fn');
    expect(call.payload).toEqual({ job: 'resize' });
    expect(tp(call.clientContext.Custom.traceparent).spanId).toBe(span.spanId);
    const consumer = await runLambda({
      handler: 'app.cjs',
      functionName: 'worker-fn',
      endpoint: rx.url,
      invocations: [{ event: call.payload, clientContext: call.clientContext }],
    });
    const invocation = spansOfRun(consumer).find((s) => s.attrs['faas.trigger'])!;
    expect([invocation.traceId, invocation.parentSpanId]).toEqual([span.traceId, span.spanId]);
    expect(invocation.attrs['fntrace.correlation_id']).toBe('producer-req-1');
    const failed = spanNamed('failing-fn invoke');
    expect([failed.status.code, failed.attrs['error.type']]).toEqual([2, 'Unhandled']);
  });

  it('Step Functions: context in the execution input, read by a Lambda task given that input', async () => {
    const span = spanNamed('order-flow start');
    expect(span.kind).toBe(4);
    const [execution] = aws.executions('order-flow');
    expect(execution.input.orderId).toBe(42);
    expect(span.attrs['fntrace.sfn.execution_arn']).toBe(execution.executionArn);
    const consumer = await consumerRun(execution.input);
    const invocation = spansOfRun(consumer).find((s) => s.attrs['faas.trigger'])!;
    expect([invocation.traceId, invocation.parentSpanId]).toEqual([span.traceId, span.spanId]);
    const sync = spanNamed('quick-flow start');
    expect(sync.kind).toBe(3);
    expect(tp(aws.executions('quick-flow')[0].input.traceparent).spanId).toBe(sync.spanId);
  });
});

// ---- bundled handlers ----

// inside the repository, so that a bundle's external imports resolve from its node_modules
const CACHE = resolve(import.meta.dirname, '../../node_modules/.cache');
let BUNDLES = '';
let madeCache = false;
beforeAll(() => {
  madeCache = !existsSync(CACHE);
  mkdirSync(CACHE, { recursive: true });
  BUNDLES = mkdtempSync(join(CACHE, 'fntrace-bundles-'));
});
afterAll(() => {
  if (BUNDLES) rmSync(BUNDLES, { recursive: true, force: true });
  if (madeCache) rmSync(CACHE, { recursive: true, force: true });
});

async function bundle(name: string, external: string[]): Promise<string> {
  const outfile = join(BUNDLES, `${name}.mjs`);
  await build({
    entryPoints: [join(HANDLERS, 'aws-producer.mjs')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    external,
    logLevel: 'error',
    // the bundled CommonJS parts (pino, the AWS SDK) call require() for Node's built-ins
    banner: {
      js: "import { createRequire as bundleRequire } from 'node:module'; const require = bundleRequire(import.meta.url);",
    },
  });
  return outfile;
}

async function runBundle(file: string, env: Record<string, string> = {}) {
  const before = rx.spans().length;
  const run = await runLambda({
    handler: file,
    functionName: 'bundled-fn',
    endpoint: rx.url,
    env: { LOCAL_AWS_URL: aws.url, ...env },
    invocations: [{ event: { ops: ['sqs-send'] }, timeoutMs: 15_000 }],
  });
  const spans: FlatSpan[] = rx.spans().slice(before);
  const sent = requestsOf('SQS', 'SendMessage').at(-1);
  return { run, spans, attributes: sent.input.MessageAttributes ?? {} };
}

describe('an esbuild-bundled ESM handler', () => {
  it('is instrumented by itself when the AWS SDK stays external (the CDK and SAM default)', async () => {
    const { run, spans, attributes } = await runBundle(await bundle('sdk-external', ['@aws-sdk/*']));
    expect(run.outcomes[0]!.result['sqs-send']).toEqual({ ok: true, status: 200 });
    const send = spans.find((s) => s.name === 'orders-queue send')!;
    expect(tp(attributes.traceparent.StringValue).spanId).toBe(send.spanId);
  });

  it('with the SDK bundled in, is instrumented through instrument(client)', async () => {
    const { spans, attributes } = await runBundle(await bundle('sdk-inlined', []), {
      FNTRACE_TEST_INSTRUMENT: 'explicit',
    });
    const send = spans.find((s) => s.name === 'orders-queue send')!;
    expect(tp(attributes.traceparent.StringValue).spanId).toBe(send.spanId);
  });

  it('with the SDK bundled in and no instrument(client), traces the call as HTTP and says what to do', async () => {
    const { run, spans, attributes } = await runBundle(join(BUNDLES, 'sdk-inlined.mjs'));
    expect(attributes.traceparent).toBeUndefined();
    const http = spans.find((s) => s.kind === 3 && String(s.attrs['url.full']).startsWith(aws.url))!;
    expect(http.attrs['http.request.method']).toBe('POST');
    const diag = run.diagnostics.find((d) => d.fntrace_diagnostic === 'FNTRACE_ERR_SDK_CLIENT_NOT_INSTRUMENTED');
    expect(diag.msg).toContain('AmazonSQS.SendMessage');
    expect(diag.msg).toContain('instrument(client)');
  });
});
