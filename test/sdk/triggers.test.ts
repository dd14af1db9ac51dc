import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FlatSpan, type Receiver, startReceiver } from '../helpers/otlp-receiver.js';
import { fixture, type RunResult, runLambda } from '../helpers/run-lambda.js';

// Point 2: every documented trigger is recognised, and parent context comes from W3C
// headers / message attributes first, X-Ray only as a sampled fallback.
const NAMES = [
  'apigw-rest-v1',
  'apigw-http-v2',
  'function-url',
  'websocket',
  'alb',
  'sqs-batch-3',
  'sqs-unsampled-xray',
  'sns',
  'eventbridge',
  'scheduled',
  'kinesis-batch-2',
  'dynamodb-stream-2',
  's3-put',
  'direct-invoke',
  'kafka-msk-2',
  'stepfunctions-task',
  'unknown',
] as const;

let rx: Receiver;
let run: RunResult;
const spanOf = (name: (typeof NAMES)[number]): FlatSpan => {
  const requestId = run.outcomes[NAMES.indexOf(name)]!.requestId;
  const span = rx.invocationSpan(requestId)!;
  if (!span) throw new Error(`no invocation span for ${name}`);
  return span;
};

beforeAll(async () => {
  rx = await startReceiver();
  run = await runLambda({
    handler: 'app.cjs',
    endpoint: rx.url,
    sequential: true,
    invocations: NAMES.map((name) => ({
      event: fixture(name),
      clientContext:
        name === 'direct-invoke'
          ? { Custom: { traceparent: '00-66666666666666666666666666666666-6666666666666666-01' } }
          : undefined,
    })),
  });
});
afterAll(() => rx.close());

describe('trigger detection', () => {
  it.each([
    ['apigw-rest-v1', 'http', 'aws.apigateway.rest', 'POST /orders/{id}', 2],
    ['apigw-http-v2', 'http', 'aws.apigateway.http', 'GET /orders/{id}', 2],
    ['function-url', 'http', 'aws.lambda.url', 'POST', 2],
    ['websocket', 'http', 'aws.apigateway.websocket', 'WS sendmessage', 2],
    ['alb', 'http', 'aws.alb', 'GET', 2],
    ['sqs-batch-3', 'pubsub', 'aws.sqs', 'orders-queue process', 5],
    ['sns', 'pubsub', 'aws.sns', 'order-events process', 5],
    ['eventbridge', 'pubsub', 'aws.eventbridge', 'com.example.orders OrderPlaced', 5],
    ['scheduled', 'timer', 'aws.scheduled', 'nightly-report', 2],
    ['kinesis-batch-2', 'pubsub', 'aws.kinesis', 'clicks process', 5],
    ['dynamodb-stream-2', 'datasource', 'aws.dynamodb', 'Orders process', 5],
    ['s3-put', 'datasource', 'aws.s3', 'uploads-bucket ObjectCreated:Put', 5],
    ['direct-invoke', 'other', 'aws.lambda.invoke', 'orders-fn', 2],
    ['kafka-msk-2', 'pubsub', 'aws.msk', 'orders process', 5],
    ['stepfunctions-task', 'other', 'payload', 'orders-fn', 2],
    ['unknown', 'other', 'unknown', 'orders-fn', 2],
  ] as const)('%s → faas.trigger=%s (%s)', (name, trigger, source, spanName, kind) => {
    const span = spanOf(name);
    expect(span.attrs['faas.trigger']).toBe(trigger);
    expect(span.attrs['fntrace.trigger']).toBe(source);
    expect(span.name).toBe(spanName);
    expect(span.kind).toBe(kind);
    expect(run.outcomes[NAMES.indexOf(name)]!.error).toBeUndefined();
  });

  it('puts HTTP attributes on HTTP API events', () => {
    expect(spanOf('apigw-http-v2').attrs).toMatchObject({
      'http.request.method': 'GET',
      'url.path': '/orders/42',
      'url.query': 'expand=items',
      'http.route': '/orders/{id}',
      'server.address': 'r3pmxmplak.execute-api.us-east-1.amazonaws.com',
      'network.protocol.version': '1.1',
    });
  });

  it('puts messaging attributes on queue and stream events', () => {
    expect(spanOf('sqs-batch-3').attrs).toMatchObject({
      'messaging.system': 'aws_sqs',
      'messaging.destination.name': 'orders-queue',
      'messaging.batch.message_count': 3,
    });
    expect(spanOf('kinesis-batch-2').attrs).toMatchObject({
      'messaging.system': 'aws_kinesis',
      'messaging.destination.name': 'clicks',
    });
    expect(spanOf('s3-put').attrs).toMatchObject({
      'faas.document.collection': 'uploads-bucket',
      'faas.document.name': 'invoices/2026/inv-42.pdf',
      'faas.document.operation': 'insert',
    });
    expect(spanOf('scheduled').attrs['fntrace.schedule.rule']).toBe('nightly-report');
    expect(spanOf('kafka-msk-2').attrs).toMatchObject({
      'messaging.system': 'kafka',
      'messaging.destination.name': 'orders',
      'messaging.batch.message_count': 2,
      'server.address': 'b-2.orders-cluster.a1bcde.c1.kafka.us-east-1.amazonaws.com',
    });
  });
});

describe('parent context', () => {
  it('continues the W3C trace from HTTP headers, keeping tracestate', () => {
    const span = spanOf('apigw-rest-v1');
    expect(span.traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(span.parentSpanId).toBe('b7ad6b7169203331');
  });

  it('continues the W3C trace from SNS message attributes and EventBridge detail', () => {
    expect(spanOf('sns').traceId).toBe('33333333333333333333333333333333');
    expect(spanOf('eventbridge').traceId).toBe('44444444444444444444444444444444');
  });

  it('continues a Step Functions task from the W3C fields of its input', () => {
    const span = spanOf('stepfunctions-task');
    expect([span.traceId, span.parentSpanId]).toEqual(['88888888888888888888888888888888', '8888888888888888']);
    expect(span.attrs['fntrace.correlation_id']).toBe('corr-sfn-1');
  });

  it('continues a direct invoke from the client context', () => {
    const span = spanOf('direct-invoke');
    expect(span.traceId).toBe('66666666666666666666666666666666');
    expect(span.parentSpanId).toBe('6666666666666666');
  });

  it('links a mixed batch to every producer instead of choosing one parent', () => {
    const span = spanOf('sqs-batch-3');
    expect(span.parentSpanId).toBe('');
    expect(span.links.map((l) => l.traceId).sort()).toEqual([
      '11111111111111111111111111111111',
      '22222222222222222222222222222222',
      '5759e988bd862e3fe1be46a994272793',
    ]);
  });

  it('never adopts an unsampled X-Ray header, nor one without a parent id', () => {
    const unsampled = spanOf('sqs-unsampled-xray');
    expect(unsampled.traceId).not.toBe('5759e988bd862e3fe1be46a994272799');
    expect(unsampled.links).toEqual([]);
    // the function URL carries X-Amzn-Trace-Id with a Root but no Parent or Sampled flag
    expect(spanOf('function-url').parentSpanId).toBe('');
  });

  it('starts a new trace for unknown payloads', () => {
    const span = spanOf('unknown');
    expect(span.parentSpanId).toBe('');
    expect(span.traceId).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe('X-Ray fallback from the environment', () => {
  it('uses a sampled _X_AMZN_TRACE_ID when no W3C context travelled, and ignores an unsampled one', async () => {
    const sampled = await runLambda({
      handler: 'app.cjs',
      endpoint: rx.url,
      env: { _X_AMZN_TRACE_ID: 'Root=1-6744d2a1-0123456789abcdef01234567;Parent=89abcdef01234567;Sampled=1' },
      invocations: [{ event: fixture('scheduled') }, { event: fixture('apigw-rest-v1') }],
      sequential: true,
    });
    const unsampled = await runLambda({
      handler: 'app.cjs',
      endpoint: rx.url,
      env: { _X_AMZN_TRACE_ID: 'Root=1-6744d2a1-0123456789abcdef01234568;Parent=89abcdef01234568;Sampled=0' },
      invocations: [{ event: fixture('scheduled') }],
    });
    const find = (id: string) => rx.invocationSpan(id)!;
    const timer = find(sampled.outcomes[0]!.requestId);
    expect(timer.traceId).toBe('6744d2a10123456789abcdef01234567');
    expect(timer.parentSpanId).toBe('89abcdef01234567');
    // W3C wins over X-Ray when both are present
    expect(find(sampled.outcomes[1]!.requestId).traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(find(unsampled.outcomes[0]!.requestId).traceId).not.toBe('6744d2a10123456789abcdef01234568');
  });
});

describe('parent source', () => {
  it('says where each parent came from, so the collector can tell platform hops from lost parents', () => {
    expect(spanOf('apigw-rest-v1').attrs['fntrace.parent.source']).toBe('http-headers');
    expect(spanOf('eventbridge').attrs['fntrace.parent.source']).toBe('event-detail');
    expect(spanOf('direct-invoke').attrs['fntrace.parent.source']).toBe('client-context');
    expect(spanOf('sns').attrs['fntrace.parent.source']).toBe('message-attributes');
    expect(spanOf('stepfunctions-task').attrs['fntrace.parent.source']).toBe('event-payload');
    expect(spanOf('unknown').attrs['fntrace.parent.source']).toBeUndefined();
  });
});
