import { describe, expect, it } from 'vitest';
import { useReceiver } from '../helpers/otlp-receiver.js';
import { fixture, runLambda } from '../helpers/run-lambda.js';

// Point 5: JSON log lines on stdout with the invocation's ids, the same records exported as
// OTLP logs in the same flush, and secrets redacted in logs and span attributes.
const rx = useReceiver();

describe('structured logs', () => {
  it('writes JSON lines that name their trace, span, correlation and invocation', async () => {
    const event = { ...fixture('apigw-rest-v1'), _test: { childSpan: 'load-order' } };
    const run = await runLambda({ handler: 'app.cjs', invocations: [{ event }], endpoint: rx.url });
    const { requestId } = run.outcomes[0]!;
    const spans = rx.spans().filter((s) => s.attrs['faas.invocation_id'] === requestId || s.name === 'load-order');
    const invocation = spans.find((s) => s.attrs['faas.trigger'])!;
    const child = spans.find((s) => s.name === 'load-order' && s.traceId === invocation.traceId)!;

    const first = run.logs.find((l) => l.msg === 'handling')!;
    expect(first).toMatchObject({
      level: 'info',
      service: 'orders-fn',
      function: 'orders-fn',
      trace_id: invocation.traceId,
      span_id: invocation.spanId,
      correlation_id: 'corr-rest-1',
      invocation_id: requestId,
      cold_start: true,
      step: 'start',
    });
    expect(typeof first.time).toBe('number');
    // a line written inside a child span names that span
    expect(run.logs.find((l) => l.msg === 'inside child')!.span_id).toBe(child.spanId);
  });

  it('redacts secrets at any depth without touching other fields', async () => {
    const run = await runLambda({
      handler: 'app.cjs',
      invocations: [{ event: fixture('apigw-rest-v1') }],
      endpoint: rx.url,
    });
    const first = run.logs.find((l) => l.msg === 'handling')!;
    expect(first.password).toBe('[REDACTED]');
    expect(first.nested).toEqual({ apiKey: '[REDACTED]', keep: 'visible' });
    expect(run.stdout).not.toContain('hunter2');
    expect(run.stdout).not.toContain('k-123');
  });

  it('exports the same records as OTLP logs in the invocation flush', async () => {
    const run = await runLambda({
      handler: 'app.cjs',
      invocations: [{ event: fixture('apigw-http-v2') }],
      endpoint: rx.url,
    });
    const { requestId } = run.outcomes[0]!;
    const stdoutLines = run.logs.filter((l) => l.invocation_id === requestId);
    const exported = rx.logs().filter((l) => l.attrs.invocation_id === requestId);
    expect(exported.map((l) => l.body)).toEqual(stdoutLines.map((l) => l.msg));
    const first = exported[0]!;
    expect(first).toMatchObject({
      traceId: stdoutLines[0].trace_id,
      spanId: stdoutLines[0].span_id,
      severityText: 'INFO',
      severityNumber: 9,
    });
    expect(first.attrs).toMatchObject({ correlation_id: 'req-http-2', cold_start: true, password: '[REDACTED]' });
    expect(first.resource['service.name']).toBe('orders-fn');
  });

  it('redacts secret span attributes and query parameters', async () => {
    const event = {
      ...fixture('apigw-http-v2'),
      rawQueryString: 'page=2&access_token=abc123&api_key=zzz',
      _test: { childSpan: 'db-call' },
    };
    const run = await runLambda({ handler: 'app.cjs', invocations: [{ event }], endpoint: rx.url });
    const { requestId } = run.outcomes[0]!;
    const invocation = rx.invocationSpan(requestId)!;
    expect(invocation.attrs['url.query']).toBe('page=2&access_token=[REDACTED]&api_key=[REDACTED]');
    const child = rx.spans().find((s) => s.name === 'db-call' && s.traceId === invocation.traceId)!;
    expect(child.attrs['db.password']).toBe('[REDACTED]');
    expect(child.attrs['db.system']).toBe('dynamodb');
    expect(JSON.stringify(rx.traceBodies)).not.toContain('should-not-leak');
  });

  it('honours FNTRACE_LOG_LEVEL: lines at and above it are written and exported, lower ones not', async () => {
    // the handler writes one line at each level, trace to fatal
    const run = await runLambda({
      handler: 'levels.cjs',
      invocations: [{ event: fixture('unknown') }],
      endpoint: rx.url,
      env: { FNTRACE_LOG_LEVEL: 'warn' },
    });
    const { requestId } = run.outcomes[0]!;
    const written = run.logs.filter((l) => l.invocation_id === requestId);
    expect(written.map((l) => [l.level, l.msg])).toEqual([
      ['warn', 'warn line'],
      ['error', 'error line'],
      ['fatal', 'fatal line'],
    ]);
    const exported = rx.logs().filter((l) => l.attrs.invocation_id === requestId);
    expect(exported.map((l) => l.severityText)).toEqual(['WARN', 'ERROR', 'FATAL']);
  });

  it('keeps logging and exporting logs when the sampler drops the trace', async () => {
    const run = await runLambda({
      handler: 'app.cjs',
      invocations: [{ event: { ...fixture('apigw-http-v2'), _test: { childSpan: 'unsampled-child' } } }],
      endpoint: rx.url,
      env: { OTEL_TRACES_SAMPLER: 'always_off' },
    });
    const { requestId, result } = run.outcomes[0]!;
    expect(result.statusCode).toBe(200);
    expect(
      rx.spans().filter((s) => s.attrs['faas.invocation_id'] === requestId || s.name === 'unsampled-child'),
    ).toEqual([]);
    const lines = run.logs.filter((l) => l.invocation_id === requestId);
    expect(lines.length).toBe(3); // handling, inside child, done
    expect(lines[0]).toMatchObject({ trace_flags: 0, trace_id: expect.stringMatching(/^[0-9a-f]{32}$/) });
    expect(rx.logs().filter((l) => l.attrs.invocation_id === requestId)).toHaveLength(3);
  });
});
