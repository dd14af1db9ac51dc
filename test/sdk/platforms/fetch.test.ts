import { type ChildProcess, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { SpanKind } from '@opentelemetry/api';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { killWhenDone, useTempDir } from '../../helpers/cleanup.js';
import { useReceiver } from '../../helpers/otlp-receiver.js';
import { startDownstream, startGate, until } from './cloudflare/harness.js';

// Issue #17, fetch-style runtimes: a `(request, context?) => Response` handler wrapped by
// `@fntrace/sdk/fetch` and served by Node's own HTTP server (fetch/serve.ts) in a fresh
// process per test — both builds of the entry: the one Node resolves (pino, node:async_hooks,
// the Node outgoing instrumentation) and the workers-safe one (console logger, fetch transport,
// wrapped fetch, AsyncLocalStorage found at run time), which Deno and edge bundlers resolve.
const rx = useReceiver();
const dir = useTempDir('fntrace-fetch-');
const FIXTURES = resolve(import.meta.dirname, 'fetch');
const PARENT_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_SPAN = '00f067aa0ba902b7';
const traceparent = `00-${PARENT_TRACE}-${PARENT_SPAN}-01`;
const VARIANTS = { node: 'server-node.ts', 'workers-safe': 'server-workers-safe.ts' } as const;
type Variant = keyof typeof VARIANTS;

const bundles: Partial<Record<Variant, string>> = {};
beforeAll(async () => {
  for (const [variant, entry] of Object.entries(VARIANTS) as [Variant, string][]) {
    const outfile = join(dir.path, `${variant}.cjs`);
    await build({
      entryPoints: [join(FIXTURES, entry)],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      outfile,
      logLevel: 'silent',
    });
    bundles[variant] = outfile;
  }
});

interface Served {
  url: string;
  lines: Record<string, any>[];
  /** IPC messages: `{ settled: path }` once the work a request handed to waitUntil is done. */
  messages: Record<string, any>[];
}

async function serve(variant: Variant, env: Record<string, string>): Promise<Served> {
  const child: ChildProcess = killWhenDone(
    spawn(process.execPath, [bundles[variant]!], {
      env: { PATH: process.env.PATH, OTEL_SERVICE_NAME: 'checkout-fn', FNTRACE_FLUSH_TIMEOUT_MS: '10000', ...env },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    }),
  );
  const served: Served = { url: '', lines: [], messages: [] };
  let partial = '';
  child.stdout!.on('data', (d) => {
    partial += d;
    const parts = partial.split('\n');
    partial = parts.pop() ?? '';
    for (const l of parts) {
      try {
        served.lines.push(JSON.parse(l));
      } catch {
        // not a log line
      }
    }
  });
  child.on('message', (m) => served.messages.push(m as Record<string, any>));
  await until('the server to listen', () => served.messages.some((m) => m.port));
  served.url = `http://127.0.0.1:${served.messages.find((m) => m.port)!.port}`;
  return served;
}

describe.each(Object.keys(VARIANTS) as Variant[])('a fetch-style handler under node:http (%s build)', (variant) => {
  it('without waitUntil, flushes (bounded) before the response, which carries on as usual', async () => {
    const gate = await startGate(rx);
    const server = await serve(variant, { OTEL_EXPORTER_OTLP_ENDPOINT: gate.url });
    let answered = false;
    const pending = fetch(`${server.url}/orders?token=abc`, {
      headers: { traceparent, 'x-correlation-id': 'cart-9' },
    }).then((r) => {
      answered = true;
      return r;
    });
    // the export is held at the gate: the response waits for it
    await until('the export to reach the gate', () => gate.arrived.includes('/v1/traces'));
    expect(answered).toBe(false);
    gate.release();
    const res = await pending;
    expect(res.status).toBe(200);
    // it was stored before the response left
    const line = server.lines.find((l) => l.msg === 'handling')!;
    const span = rx.spans().find((s) => s.spanId === line.span_id)!;
    expect(span).toMatchObject({ name: 'GET', kind: SpanKind.SERVER + 1, traceId: PARENT_TRACE });
    expect(span.parentSpanId).toBe(PARENT_SPAN);
    expect(span.attrs).toMatchObject({
      'faas.trigger': 'http',
      'fntrace.trigger': 'nodejs.fetch',
      'faas.coldstart': true,
      'fntrace.correlation_id': 'cart-9',
      'http.response.status_code': 200,
      'url.path': '/orders',
      'url.query': 'token=[REDACTED]',
    });
    expect(span.resource).toMatchObject({ 'service.name': 'checkout-fn', 'process.runtime.name': 'nodejs' });
    // Node has a process start to measure from: an init span, as on Lambda
    expect(typeof span.attrs['fntrace.init_duration_ms']).toBe('number');
    expect(rx.spans().some((s) => s.name === 'init' && s.parentSpanId === span.spanId)).toBe(true);
    expect(line).toMatchObject({
      level: 'info',
      service: 'checkout-fn',
      trace_id: PARENT_TRACE,
      correlation_id: 'cart-9',
      invocation_id: span.attrs['faas.invocation_id'],
      cold_start: true,
      password: '[REDACTED]',
    });
  });

  it('with a waitUntil, answers first and exports after', async () => {
    const gate = await startGate(rx);
    const server = await serve(variant, { OTEL_EXPORTER_OTLP_ENDPOINT: gate.url });
    const res = await fetch(`${server.url}/unavailable`, { headers: { traceparent, 'x-test-wait-until': '1' } });
    // answered while the gate still holds every export
    expect(res.status).toBe(503);
    const line = server.lines.find((l) => l.msg === 'handling')!;
    expect(rx.spans().some((s) => s.spanId === line.span_id)).toBe(false);
    gate.release();
    await until('the export handed to waitUntil', () => server.messages.some((m) => m.settled === '/unavailable'));
    const span = rx.spans().find((s) => s.spanId === line.span_id)!;
    expect(span.attrs).toMatchObject({ 'http.response.status_code': 503, 'error.type': '503' });
    expect(span.status.code).toBe(2);
    await until('the log records', () => rx.logs().some((l) => l.spanId === line.span_id));
  });

  it('carries the context on an outgoing fetch with a CLIENT span; later requests are warm', async () => {
    const downstream = await startDownstream();
    const server = await serve(variant, { OTEL_EXPORTER_OTLP_ENDPOINT: rx.url, DOWNSTREAM: downstream.url });
    expect(await (await fetch(`${server.url}/call`, { headers: { traceparent } })).text()).toBe('pong');
    expect((await fetch(`${server.url}/`)).status).toBe(200);

    const [call, warm] = server.lines.filter((l) => l.msg === 'handling');
    const client = rx
      .spans()
      .find((s) => s.kind === SpanKind.CLIENT + 1 && s.traceId === PARENT_TRACE && s.parentSpanId === call!.span_id)!;
    expect(client.attrs).toMatchObject({ 'url.full': `${downstream.url}/echo`, 'http.response.status_code': 200 });
    expect(downstream.seen[0]!.headers.traceparent).toBe(`00-${PARENT_TRACE}-${client.spanId}-01`);
    expect(downstream.seen[0]!.headers.baggage).toBe(`correlation_id=${call!.correlation_id}`);
    expect(server.lines.find((l) => l.msg === 'called')).toMatchObject({
      trace_id: PARENT_TRACE,
      span_id: call!.span_id,
    });
    expect(call!.cold_start).toBe(true);
    expect(warm!.cold_start).toBe(false);
    expect(warm!.trace_id).not.toBe(PARENT_TRACE);
  });
});
