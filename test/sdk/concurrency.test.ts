import { describe, expect, it } from 'vitest';
import { useReceiver } from '../helpers/otlp-receiver.js';
import { fixture, runLambda } from '../helpers/run-lambda.js';

// Point 9: overlapping invocations in one process never mix spans, logs or correlation ids.
const rx = useReceiver();

describe('concurrent invocations', () => {
  it('keep their own spans, log lines and correlation ids', async () => {
    const a = fixture('apigw-http-v2');
    a.headers = {
      ...a.headers,
      traceparent: '00-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-aaaaaaaaaaaaaaaa-01',
      'x-request-id': 'req-A',
    };
    a._test = { childSpan: 'child', childMs: 120, delayMs: 40 };
    const b = fixture('apigw-http-v2');
    b.headers = {
      ...b.headers,
      traceparent: '00-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-bbbbbbbbbbbbbbbb-01',
      'x-request-id': 'req-B',
    };
    b._test = { childSpan: 'child', childMs: 20, delayMs: 20 };
    const run = await runLambda({
      handler: 'app.cjs',
      invocations: [{ event: a }, { event: b, startAfterMs: 30 }],
      endpoint: rx.url,
    });
    const [ra, rb] = run.outcomes;
    // B starts after A and ends before it: they overlap
    expect(rb!.startedAtMs).toBeLessThan(ra!.endedAtMs);

    for (const [outcome, traceId, corr] of [
      [ra!, 'a'.repeat(32), 'req-A'],
      [rb!, 'b'.repeat(32), 'req-B'],
    ] as const) {
      expect(JSON.parse(outcome.result.body).correlationId).toBe(corr);
      const lines = run.logs.filter((l) => l.invocation_id === outcome.requestId);
      expect(lines).toHaveLength(3); // handling, inside child, done — and nothing of the other invocation
      expect(lines.every((l) => l.trace_id === traceId && l.correlation_id === corr)).toBe(true);
      const invocation = rx
        .spans()
        .find((s) => s.attrs['faas.invocation_id'] === outcome.requestId && s.attrs['faas.trigger'])!;
      expect(invocation.traceId).toBe(traceId);
      const child = rx.spans().find((s) => s.name === 'child' && s.traceId === traceId)!;
      expect(child.parentSpanId).toBe(invocation.spanId);
    }
  });
});
