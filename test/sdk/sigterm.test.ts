import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type Receiver, startReceiver } from '../helpers/otlp-receiver.js';
import { type LocalApi, serveLambda } from '../helpers/run-lambda.js';

// On SIGTERM (Lambda sends it before ending an environment when an extension is registered)
// what is still pending is flushed within FNTRACE_SHUTDOWN_FLUSH_TIMEOUT_MS, and the process
// then ends as it would have without fntrace.

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as { port: number };
  await new Promise((r) => srv.close(r));
  return port;
}

async function until(what: string, ok: () => boolean): Promise<void> {
  for (let i = 0; !ok(); i++) {
    if (i > 500) throw new Error(`gave up waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const BUDGET_MS = 200;
let rx: Receiver | undefined;
// an environment a failed test left running is killed, not leaked
let running: LocalApi | undefined;
async function serve(opts: Parameters<typeof serveLambda>[0]): Promise<LocalApi> {
  const api = await serveLambda(opts);
  running = api;
  return {
    ...api,
    stop: (signal) =>
      api.stop(signal).finally(() => {
        running = undefined;
      }),
  };
}
afterEach(async () => {
  await running?.stop('SIGKILL');
  running = undefined;
  await rx?.close();
  rx = undefined;
});

describe('SIGTERM', () => {
  it('flushes what an earlier flush could not send, then ends the process by the signal', async () => {
    // Prepare: one invocation while the collector is down, so its telemetry stays pending
    const port = await freePort();
    const api = await serve({ handler: 'app.cjs', functionName: 'sigterm-fn', endpoint: `http://127.0.0.1:${port}` });
    const res = await fetch(`${api.url}/orders`);
    expect(res.status).toBe(200);

    // Act: the collector comes up; the platform ends the environment
    rx = await startReceiver({ port });
    const ended = await api.stop('SIGTERM');

    // Assess: the pending spans and lines arrived, and the process ended by SIGTERM, as Node's default would
    expect(ended.diagnostics.find((d) => d.fntrace_diagnostic === 'FNTRACE_ERR_SDK_EXPORT_FAILED')?.msg).toContain(
      'ECONNREFUSED',
    );
    const invocation = rx.spans().find((s) => s.resource['service.name'] === 'sigterm-fn' && s.attrs['faas.trigger']);
    expect(invocation?.attrs['url.path']).toBe('/orders');
    expect(
      rx
        .logs()
        .filter((l) => l.traceId === invocation!.traceId)
        .map((l) => l.body),
    ).toEqual(['handling', 'done']);
    expect(ended).toMatchObject({ code: null, signal: 'SIGTERM' });
  });

  it('is left to Node with FNTRACE_SHUTDOWN_FLUSH_TIMEOUT_MS=0: the process ends at once, nothing is flushed', async () => {
    // Prepare
    const port = await freePort();
    const api = await serve({
      handler: 'app.cjs',
      functionName: 'sigterm-off-fn',
      endpoint: `http://127.0.0.1:${port}`,
      env: { FNTRACE_SHUTDOWN_FLUSH_TIMEOUT_MS: '0' },
    });
    expect((await fetch(`${api.url}/orders`)).status).toBe(200);
    rx = await startReceiver({ port });

    // Act
    const ended = await api.stop('SIGTERM');

    // Assess
    expect(ended).toMatchObject({ code: null, signal: 'SIGTERM' });
    expect(rx.requests).toEqual([]);
  });

  it("leaves ending the process to the function's own SIGTERM listener", async () => {
    // Prepare: a function with its own SIGTERM listener; it exits with 40 + the SIGTERMs it got when told to
    const port = await freePort();
    const api = await serve({
      handler: 'sigterm-listener.cjs',
      functionName: 'sigterm-own-fn',
      endpoint: `http://127.0.0.1:${port}`,
      env: { FNTRACE_SHUTDOWN_FLUSH_TIMEOUT_MS: String(BUDGET_MS) },
    });
    expect((await fetch(`${api.url}/`)).status).toBe(200);
    rx = await startReceiver({ port });

    // Act: SIGTERM; the pending telemetry arrives; once fntrace's budget is surely spent, the
    // function's listener ends the process
    const ending = api.stop('SIGTERM');
    const receiver = rx;
    await until('the pending invocation span', () =>
      receiver.spans().some((s) => s.resource['service.name'] === 'sigterm-own-fn' && s.attrs['faas.trigger']),
    );
    await new Promise((r) => setTimeout(r, BUDGET_MS + 200));
    try {
      api.send('exit');
    } catch {
      // the process has already ended: the assertion below says how
    }
    const ended = await ending;

    // Assess: fntrace flushed, but neither ended the process nor signalled it again
    expect(ended).toMatchObject({ code: 41, signal: null });
    expect(rx.logs().map((l) => l.body)).toContain('handled');
  });
});
