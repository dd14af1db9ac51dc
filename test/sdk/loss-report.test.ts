import { ROOT_CONTEXT } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { type DiagnosticEvent, droppedCounts, setDiagnosticsSink } from '../../sdk/src/core/diagnostics.js';
import { makeKeyMatcher } from '../../sdk/src/core/redaction.js';
import type { SdkSpan } from '../../sdk/src/core/span.js';
import { SdkTracerProvider } from '../../sdk/src/core/tracer.js';
import { Exporter } from '../../sdk/src/export/exporter.js';
import { resourceJson } from '../../sdk/src/export/otlp-json.js';
import { nodeTransport } from '../../sdk/src/export/transport-node.js';
import type { FlatSpan } from '../helpers/otlp-receiver.js';
import { useReceiver } from '../helpers/otlp-receiver.js';
import { fixture, runLambda } from '../helpers/run-lambda.js';

// Nothing is lost silently: spans and log records the SDK drops are counted by reason and
// carried to the collector on the next export that gets through (attributes of one span),
// until an export carrying them is acknowledged — and then never again.
const rx = useReceiver();

const lossAttrs = (s: FlatSpan | undefined) =>
  Object.fromEntries(Object.entries(s?.attrs ?? {}).filter(([k]) => k.startsWith('fntrace.sdk.')));

describe('dropped telemetry reported on the next export', () => {
  it('keeps the counts through a refused export and reports them once, on the next one that gets through', async () => {
    // Prepare: at most 5 spans and 5 log records held; the first traces request is refused (400)
    rx.behave({ path: '/v1/traces', status: 400, times: 1 });
    const first = { event: { ...fixture('unknown'), _test: { spans: 8, logs: 7 } } };
    const plain = { event: fixture('unknown') };

    // Act: init + 8 steps + the invocation span = 10 spans, 7 lines: 5 spans and 2 lines
    // dropped (queue_full); the 5 spans sent are refused (export_rejected)
    const run = await runLambda({
      handler: 'bulk.cjs',
      functionName: 'loss-refused-fn',
      invocations: [first, plain, plain],
      endpoint: rx.url,
      env: { FNTRACE_MAX_QUEUE_SIZE: '5' },
      sequential: true,
    });

    // Assess
    const [one, two, three] = run.outcomes.map((o) => rx.invocationSpan(o.requestId));
    expect(one).toBeUndefined(); // dropped: the queue was full when it ended
    expect(lossAttrs(two)).toEqual({
      'fntrace.sdk.dropped_spans': 10,
      'fntrace.sdk.dropped.queue_full.spans': 5,
      'fntrace.sdk.dropped.export_rejected.spans': 5,
      'fntrace.sdk.dropped_log_records': 2,
      'fntrace.sdk.dropped.queue_full.log_records': 2,
    });
    expect(lossAttrs(three)).toEqual({}); // reported once: the counts reset when it was acknowledged
    const mine = rx.spans().filter((s) => s.resource['service.name'] === 'loss-refused-fn');
    expect(mine.filter((s) => s.attrs['fntrace.sdk.dropped_spans'] !== undefined)).toHaveLength(1);
    const dropped = run.diagnostics.filter((d) => d.fntrace_diagnostic === 'FNTRACE_ERR_SDK_DROPPED').at(-1);
    expect(dropped).toMatchObject({ count: 12 });
    expect(JSON.parse(dropped.msg.slice(dropped.msg.indexOf('{')))).toEqual({ queue_full: 7, export_rejected: 5 });
  });

  it('resends a request that failed for a retryable reason unchanged, so its counts arrive once', async () => {
    // Prepare: the first traces request gets 503; lines beyond 5 are dropped
    rx.behave({ path: '/v1/traces', status: 503, times: 1 });
    const before = rx.requests.length;

    // Act: 7 lines → 2 dropped, reported on the first invocation's span, in the request that got 503
    const run = await runLambda({
      handler: 'bulk.cjs',
      functionName: 'loss-resent-fn',
      invocations: [{ event: { ...fixture('unknown'), _test: { spans: 1, logs: 7 } } }, { event: fixture('unknown') }],
      endpoint: rx.url,
      env: { FNTRACE_MAX_QUEUE_SIZE: '5' },
      sequential: true,
    });

    // Assess: the second flush sent the first request again, byte for byte, then its own
    const [first, second] = run.outcomes;
    const traces = rx.requests.slice(before).filter((r) => r.path === '/v1/traces');
    expect(traces).toHaveLength(3);
    const withFirst = traces.filter((r) => r.body.includes(first!.requestId));
    expect(withFirst).toHaveLength(2);
    expect(withFirst[1]!.body).toBe(withFirst[0]!.body);
    expect(traces.filter((r) => r.body.includes(second!.requestId))).toHaveLength(1);

    const mine = rx.spans().filter((s) => s.resource['service.name'] === 'loss-resent-fn');
    expect(lossAttrs(rx.invocationSpan(first!.requestId))).toEqual({
      'fntrace.sdk.dropped_log_records': 2,
      'fntrace.sdk.dropped.queue_full.log_records': 2,
    });
    expect(lossAttrs(rx.invocationSpan(second!.requestId))).toEqual({});
    expect(mine.filter((s) => s.attrs['fntrace.sdk.dropped_log_records'] !== undefined)).toHaveLength(1);
  });
});

describe('requests kept for resending', () => {
  it('keeps at most the set number; the oldest falls off, counted as retry_limit and reported', async () => {
    // Prepare: an exporter in this process, over the real transport, keeping 2 unacknowledged requests
    const events: DiagnosticEvent[] = [];
    const previous = setDiagnosticsSink((e) => events.push(e));
    const exporter = new Exporter({
      tracesUrl: `${rx.url}/v1/traces`,
      logsUrl: `${rx.url}/v1/logs`,
      headers: {},
      resource: resourceJson({ 'service.name': 'loss-bounded' }),
      maxQueueSize: 100,
      maxUnackedRequests: 2,
      exportLogs: false,
      enabled: true,
      transport: nodeTransport,
    });
    const provider = new SdkTracerProvider({
      sample: () => true,
      isSecret: makeKeyMatcher([]),
      onEnd: (span) => exporter.enqueueSpan(span),
    });
    const tracer = provider.getTracer('loss-test');
    const span = (name: string) => {
      const s = tracer.startSpan(name, {}, ROOT_CONTEXT) as SdkSpan;
      s.end();
      return s;
    };
    try {
      // Act: three flushes against a collector too slow to answer in the budget, then one that answers
      rx.behave({ path: '/v1/traces', delayMs: 1000 });
      for (const name of ['a', 'b', 'c']) {
        span(name);
        await exporter.flush(100);
      }
      expect(exporter.pending()).toMatchObject({ spans: 2, requests: 2 });
      rx.behave({});
      const d = span('d');
      const result = await exporter.flush(1000, d);

      // Assess: 'a' was given up; 'b' and 'c' were resent; 'd' carries the count
      expect(result.ok).toBe(true);
      const mine = rx.spans().filter((s) => s.resource['service.name'] === 'loss-bounded');
      expect(mine.map((s) => s.name).sort()).toEqual(['b', 'c', 'd']);
      expect(lossAttrs(mine.find((s) => s.name === 'd'))).toEqual({
        'fntrace.sdk.dropped_spans': 1,
        'fntrace.sdk.dropped.retry_limit.spans': 1,
      });
      expect(droppedCounts()).toMatchObject({ retry_limit: 1 });
      expect(events.map((e) => e.code)).toContain('FNTRACE_ERR_SDK_RETRY_LIMIT');
      expect(exporter.pending()).toEqual({ spans: 0, logs: 0, requests: 0 });
    } finally {
      rx.behave({});
      setDiagnosticsSink(previous);
    }
  });
});
