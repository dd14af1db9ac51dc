import { describe, expect, it } from 'vitest';
import { guardMargin } from '../../sdk/src/core/timeout-guard.js';
import { useReceiver } from '../helpers/otlp-receiver.js';
import { fixture, runLambda } from '../helpers/run-lambda.js';

// Point 8: an invocation about to time out ends its open spans, is marked as timed out,
// logs one fatal line naming the culprit, and flushes — before the platform kills it.
const rx = useReceiver();

describe('timeout guard', () => {
  it('reports a timed-out invocation with the span that was still open', async () => {
    const event = { ...fixture('apigw-http-v2'), _test: { childSpan: 'slow-query', childMs: 5000 } };
    const run = await runLambda({
      handler: 'app.cjs',
      invocations: [{ event, timeoutMs: 1200 }],
      endpoint: rx.url,
      env: { FNTRACE_TIMEOUT_MARGIN_MS: '400' },
      lingerMs: 300,
    });
    const outcome = run.outcomes[0]!;
    expect(outcome.error?.message).toMatch(/timed out/i); // lambda-local killed it, as Lambda would

    // the export reached the collector before the platform's deadline, not after it
    const carrying = (path: string, match: (body: string) => boolean) =>
      rx.requests.filter((r) => r.path === path && match(r.body));
    const tracesSent = carrying('/v1/traces', (b) => b.includes(outcome.requestId) && b.includes('"fntrace.timeout"'));
    const fatalSent = carrying('/v1/logs', (b) => b.includes(outcome.requestId) && b.includes('"FATAL"'));
    expect(tracesSent).toHaveLength(1);
    expect(fatalSent).toHaveLength(1);
    expect(tracesSent[0]!.atMs).toBeLessThan(outcome.deadlineMs);
    expect(fatalSent[0]!.atMs).toBeLessThan(outcome.deadlineMs);

    const spans = rx
      .spans()
      .filter((s) => s.attrs['faas.invocation_id'] === outcome.requestId || s.name === 'slow-query');
    const invocation = spans.find((s) => s.attrs['faas.trigger'])!;
    expect(invocation.attrs).toMatchObject({ 'fntrace.timeout': true, 'error.type': 'timeout' });
    expect(invocation.status).toEqual({ code: 2, message: 'invocation timed out' });
    const slow = spans.find((s) => s.name === 'slow-query' && s.traceId === invocation.traceId)!;
    expect(slow.attrs['fntrace.timeout']).toBe(true);
    expect(slow.status.code).toBe(2);

    const fatal = run.logs.filter((l) => l.level === 'fatal');
    expect(fatal).toHaveLength(1);
    expect(fatal[0]).toMatchObject({
      open_spans: ['slow-query'],
      invocation_id: outcome.requestId,
      trace_id: invocation.traceId,
      'error.type': 'timeout',
    });
    expect(rx.logs().some((l) => l.severityText === 'FATAL' && l.attrs.invocation_id === outcome.requestId)).toBe(true);
  });

  it('does not fire for an invocation that finishes in time', async () => {
    const event = { ...fixture('apigw-http-v2'), _test: { delayMs: 50 } };
    const run = await runLambda({
      handler: 'app.cjs',
      invocations: [{ event, timeoutMs: 1000 }],
      endpoint: rx.url,
      env: { FNTRACE_TIMEOUT_MARGIN_MS: '400' },
      lingerMs: 700,
    });
    const span = rx.invocationSpan(run.outcomes[0]!.requestId)!;
    expect(span.attrs['fntrace.timeout']).toBeUndefined();
    expect(run.logs.filter((l) => l.level === 'fatal')).toEqual([]);
  });

  it('does not call a short function timed out while it still has time', async () => {
    // 1 s timeout, 600 ms of work, default 500 ms margin: the guard keeps to a tenth of the time
    const event = { ...fixture('apigw-http-v2'), _test: { delayMs: 600 } };
    const run = await runLambda({ handler: 'app.cjs', invocations: [{ event, timeoutMs: 1000 }], endpoint: rx.url });
    const outcome = run.outcomes[0]!;
    expect(outcome.error).toBeUndefined();
    expect(rx.invocationSpan(outcome.requestId)!.attrs['fntrace.timeout']).toBeUndefined();
  });
});

describe('guard margin', () => {
  it('is the configured margin, at most a tenth of the time left, at least 50 ms', () => {
    expect(guardMargin(500, 900_000)).toBe(500);
    expect(guardMargin(500, 3000)).toBe(300);
    expect(guardMargin(500, 1000)).toBe(100);
    expect(guardMargin(500, 200)).toBe(50);
    expect(guardMargin(20, 200)).toBe(20);
  });
});
