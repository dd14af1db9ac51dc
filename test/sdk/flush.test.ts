import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { useReceiver } from '../helpers/otlp-receiver.js';
import { fixture, runLambda } from '../helpers/run-lambda.js';

// Point 7: spans and logs are exported before the result is returned; a collector that is
// down or slow costs at most the flush budget and never an error in the handler.
const rx = useReceiver();

async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as { port: number };
  await new Promise((r) => srv.close(r));
  return port;
}

describe('flush', () => {
  it('delivers spans and logs before the runtime gets the result', async () => {
    const before = rx.requests.length;
    const run = await runLambda({
      handler: 'app.cjs',
      invocations: [{ event: fixture('apigw-http-v2') }],
      endpoint: rx.url,
    });
    const outcome = run.outcomes[0]!;
    const mine = rx.requests.slice(before);
    const traces = mine.find((r) => r.path === '/v1/traces')!;
    const logs = mine.find((r) => r.path === '/v1/logs')!;
    expect(traces.atMs).toBeLessThanOrEqual(outcome.endedAtMs);
    expect(logs.atMs).toBeLessThanOrEqual(outcome.endedAtMs);
    expect(rx.spans().some((s) => s.attrs['faas.invocation_id'] === outcome.requestId)).toBe(true);
  });

  it('sends OTEL_EXPORTER_OTLP_HEADERS and never prints their values', async () => {
    const before = rx.requests.length;
    const port = await closedPort();
    const ok = await runLambda({
      handler: 'app.cjs',
      invocations: [{ event: fixture('unknown') }],
      endpoint: rx.url,
      env: { OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=s3cr3t-key,x-team=payments%20team' },
    });
    expect(rx.requests[before]!.headers).toMatchObject({ 'x-api-key': 's3cr3t-key', 'x-team': 'payments team' });
    const down = await runLambda({
      handler: 'app.cjs',
      invocations: [{ event: fixture('unknown') }],
      endpoint: `http://127.0.0.1:${port}`,
      env: { OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=s3cr3t-key' },
    });
    expect(ok.stderr + ok.stdout + down.stderr + down.stdout).not.toContain('s3cr3t-key');
  });

  it('returns the handler result unchanged when the collector is down, and says so once', async () => {
    const port = await closedPort();
    const run = await runLambda({
      handler: 'app.cjs',
      invocations: [{ event: fixture('apigw-rest-v1') }, { event: fixture('apigw-rest-v1') }],
      endpoint: `http://127.0.0.1:${port}`,
      sequential: true,
    });
    for (const o of run.outcomes) {
      expect(o.error).toBeUndefined();
      expect(o.result.statusCode).toBe(200);
    }
    const failures = run.diagnostics.filter((d) => d.fntrace_diagnostic === 'FNTRACE_ERR_SDK_EXPORT_FAILED');
    expect(failures[0]).toMatchObject({ count: 1 });
    expect(failures[0].msg).toContain('ECONNREFUSED');
  });

  it('gives up on a slow collector after the flush budget', async () => {
    rx.behave({ delayMs: 4000 });
    try {
      const run = await runLambda({
        handler: 'app.cjs',
        invocations: [{ event: fixture('apigw-http-v2'), timeoutMs: 10_000 }],
        endpoint: rx.url,
        env: { FNTRACE_FLUSH_TIMEOUT_MS: '150' },
      });
      const o = run.outcomes[0]!;
      expect(o.error).toBeUndefined();
      // the collector answers after 4 s; the invocation did not wait for it
      expect(o.endedAtMs - o.startedAtMs).toBeLessThan(4000);
      expect(run.diagnostics.some((d) => /timed out after 150 ms/.test(d.msg))).toBe(true);
    } finally {
      rx.behave({});
    }
  });

  it('keeps what a failed flush could not send and delivers it with the next invocation', async () => {
    rx.behave({ status: 503, times: 2 }); // the first flush's traces and logs requests fail
    const run = await runLambda({
      handler: 'app.cjs',
      invocations: [{ event: fixture('scheduled') }, { event: fixture('scheduled') }],
      endpoint: rx.url,
      sequential: true,
    });
    const [first, second] = run.outcomes;
    const spans = rx.spans();
    expect(
      spans.filter((s) => s.attrs['faas.invocation_id'] === first!.requestId && s.attrs['faas.trigger']),
    ).toHaveLength(1);
    expect(
      spans.filter((s) => s.attrs['faas.invocation_id'] === second!.requestId && s.attrs['faas.trigger']),
    ).toHaveLength(1);
    expect(rx.logs().filter((l) => l.attrs.invocation_id === first!.requestId).length).toBeGreaterThan(0);
  });
});
