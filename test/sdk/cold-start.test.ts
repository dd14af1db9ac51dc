import { describe, expect, it } from 'vitest';
import { useReceiver } from '../helpers/otlp-receiver.js';
import { fixture, runLambda } from '../helpers/run-lambda.js';

// Point 6: faas.coldstart on an environment's first invocation only, init duration, and the
// init shown as its own span in the first invocation's trace.
const rx = useReceiver();

describe('cold start', () => {
  it('marks only the first invocation, with init duration and an init span', async () => {
    const run = await runLambda({
      handler: 'app.cjs',
      invocations: [{ event: fixture('apigw-http-v2') }, { event: fixture('apigw-http-v2') }],
      endpoint: rx.url,
      sequential: true,
    });
    const [first, second] = run.outcomes.map((o) =>
      rx.spans().filter((s) => s.attrs['faas.invocation_id'] === o.requestId),
    );
    const cold = first!.find((s) => s.attrs['faas.trigger'])!;
    const warm = second!.find((s) => s.attrs['faas.trigger'])!;
    expect(cold.attrs['faas.coldstart']).toBe(true);
    expect(warm.attrs['faas.coldstart']).toBe(false);
    const initMs = cold.attrs['fntrace.init_duration_ms'] as number;
    expect(initMs).toBeGreaterThan(0);
    expect(warm.attrs['fntrace.init_duration_ms']).toBeUndefined();

    const init = rx.spans().find((s) => s.name === 'init' && s.parentSpanId === cold.spanId)!;
    expect(init.traceId).toBe(cold.traceId);
    expect(init.endMs).toBeLessThanOrEqual(cold.startMs + 0.001);
    expect(init.endMs - init.startMs).toBeCloseTo(initMs, 0);
    expect(rx.spans().filter((s) => s.name === 'init' && s.parentSpanId === warm.spanId)).toEqual([]);

    const lines = run.logs.filter((l) => l.msg === 'handling');
    expect(lines.map((l) => l.cold_start)).toEqual([true, false]);
  });

  it('is not a cold start under provisioned concurrency', async () => {
    const run = await runLambda({
      handler: 'app.cjs',
      invocations: [{ event: fixture('scheduled') }],
      endpoint: rx.url,
      env: { AWS_LAMBDA_INITIALIZATION_TYPE: 'provisioned-concurrency' },
    });
    const span = rx.invocationSpan(run.outcomes[0]!.requestId)!;
    expect(span.attrs['faas.coldstart']).toBe(false);
    expect(rx.spans().some((s) => s.name === 'init' && s.parentSpanId === span.spanId)).toBe(false);
  });
});
