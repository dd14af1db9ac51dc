import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExportResultCode } from '@opentelemetry/core';
import { OTLPTraceExporter as OTLPTraceExporterHttp } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OTLPTraceExporterProto } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { exited, killWhenDone, tempDir } from '../helpers/cleanup.js';
import { useCollector } from './helpers.js';
import { spanBatch } from './otlp-json-body.js';
import { CLI, freePort } from './process.js';
import { decodeStatus } from './rpc-status.js';

// @ts-expect-error — plain ES modules of the example app
const { runLocal } = await import('../../examples/aws-lambda/run-local.mjs');
// @ts-expect-error — plain ES modules of the example app
const { startLocalAws } = await import('../../examples/aws-lambda/local-aws.mjs');
const EXAMPLE = join(import.meta.dirname, '../../examples/aws-lambda');

// Bearer tokens: OTLP senders need the ingest token, the API and /metrics the API token.
// The official exporters and plain HTTP clients against the real collector; what was
// refused must not be stored, and no answer or log line may carry a token.
const INGEST = 'ingest-0123456789abcdef0123456789';
const ROTATING_OUT = 'old-ingest-fedcba9876543210';
const API = 'api-token-5f2a9c1e7b3d4a6f8e0c';
const c = useCollector({ ingestToken: `${INGEST}, ${ROTATING_OUT}`, apiToken: API });

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** One span named `name`, exported by `exporter` alone (no processor in between): its result. */
async function exportOne(exporter: SpanExporter, name: string): Promise<{ code: ExportResultCode; error?: Error }> {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'auth-test' }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  provider.getTracer('t').startSpan(name).end();
  await provider.forceFlush();
  const result = await new Promise<{ code: ExportResultCode; error?: Error }>((r) =>
    exporter.export(memory.getFinishedSpans(), r),
  );
  await exporter.shutdown();
  return result;
}

const storedNames = async () =>
  (
    await c.query<{ SpanName: string }>(
      "SELECT SpanName FROM fntrace.otel_traces WHERE ServiceName IN ('auth-test', 'auth-raw') ORDER BY SpanName",
    )
  ).map((r) => r.SpanName);

describe('ingest token', () => {
  it('lets the official exporters in with the token (any of the rotating ones) and keeps them out without it', async () => {
    const url = `${c.url}/v1/traces`;
    const without = await exportOne(new OTLPTraceExporterProto({ url }), 'proto without token');
    expect(without.code).toBe(ExportResultCode.FAILED);
    expect(without.error?.message).toBe('Unauthorized');
    const wrong = await exportOne(
      new OTLPTraceExporterHttp({ url, headers: bearer('not-the-token-0000000000') }),
      'json with a wrong token',
    );
    expect(wrong.code).toBe(ExportResultCode.FAILED);
    expect(
      (await exportOne(new OTLPTraceExporterProto({ url, headers: bearer(INGEST) }), 'proto with token')).code,
    ).toBe(ExportResultCode.SUCCESS);
    expect(
      (await exportOne(new OTLPTraceExporterHttp({ url, headers: bearer(ROTATING_OUT) }), 'json with old token')).code,
    ).toBe(ExportResultCode.SUCCESS);
    await c.drained();
    expect(await storedNames()).toEqual(['json with old token', 'proto with token']);
  });

  it('answers 401 in the request encoding before reading the body, naming what to send and never a token', async () => {
    const body = spanBatch('auth-raw', 3).body;
    const json = await fetch(`${c.url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer('wrong-token-but-well-formed') },
      body,
    });
    expect(json.status).toBe(401);
    expect(json.headers.get('www-authenticate')).toBe('Bearer realm="fntrace"');
    const text = await json.text();
    expect(JSON.parse(text)).toEqual({
      code: 16,
      message: 'the ingest token sent is not one this collector accepts',
      details: [{ fntrace_code: 'FNTRACE_ERR_COL_UNAUTHORIZED' }],
    });
    expect(text).not.toContain('wrong-token-but-well-formed');

    const proto = await fetch(`${c.url}/v1/logs`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf', authorization: `Basic ${btoa(`user:${INGEST}`)}` },
      body: new Uint8Array([1, 2, 3]),
    });
    expect(proto.status).toBe(401);
    expect(proto.headers.get('content-type')).toContain('application/x-protobuf');
    const status = decodeStatus(new Uint8Array(await proto.arrayBuffer()));
    expect(status.code).toBe(16);
    expect(status.message).toMatch(/^this collector needs an ingest token: send the header Authorization: Bearer/);
    expect(status.message).toContain('OTEL_EXPORTER_OTLP_HEADERS=Authorization=Bearer%20<token>');

    // a body larger than the body limit is refused as unauthorized, not read
    const huge = await fetch(`${c.url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: 'x'.repeat(17 * 2 ** 20),
    });
    expect(huge.status).toBe(401);

    const metrics = await (await fetch(`${c.url}/metrics`, { headers: bearer(API) })).text();
    expect(metrics).toMatch(/fntrace_ingest_requests_total\{signal="traces",status="401"\} [1-9]/);
    expect(metrics).toMatch(/fntrace_ingest_requests_total\{signal="logs",status="401"\} [1-9]/);
    await c.drained();
    expect(await storedNames()).not.toContain(expect.stringMatching(/^op-/));
  });
});

describe('the fntrace SDK with an ingest token', () => {
  it('sends with OTEL_EXPORTER_OTLP_HEADERS; without it the function answers the same and says why nothing was sent', async () => {
    const order = JSON.parse(readFileSync(join(EXAMPLE, 'events/create-order.json'), 'utf8'));
    // orders-api queues with the real SQS client: a local stand-in for SQS answers it
    const aws = await startLocalAws();
    const invoke = (correlationId: string, env: Record<string, string>) =>
      runLocal({
        handler: join(EXAMPLE, 'orders-api.mjs'),
        functionName: 'orders-api',
        endpoint: c.url,
        env: { AWS_ENDPOINT_URL: aws.url, ORDERS_QUEUE_URL: `${aws.url}/123456789012/orders`, ...env },
        invocations: [{ event: { ...order, headers: { ...order.headers, 'x-correlation-id': correlationId } } }],
      });
    let withToken: any;
    let without: any;
    try {
      withToken = await invoke('auth-with-token', { OTEL_EXPORTER_OTLP_HEADERS: `Authorization=Bearer%20${INGEST}` });
      without = await invoke('auth-without-token', {});
    } finally {
      await aws.close();
    }
    expect(withToken.outcomes[0].result.statusCode).toBe(202);
    expect(without.outcomes[0].result.statusCode).toBe(202);
    expect(withToken.diagnostics).toEqual([]);
    const failed = without.diagnostics.find((d: any) => d.fntrace_diagnostic === 'FNTRACE_ERR_SDK_EXPORT_FAILED');
    expect(failed?.msg).toMatch(
      /HTTP 401: the collector refused the credentials; set them in OTEL_EXPORTER_OTLP_HEADERS/,
    );
    expect(withToken.stdout + withToken.stderr).not.toContain(INGEST);
    await c.drained();
    const found = (id: string) =>
      fetch(`${c.url}/api/traces?correlationId=${id}`, { headers: bearer(API) }).then(
        async (r) => (await r.json()).traces,
      );
    expect(await found('auth-with-token')).toHaveLength(1);
    expect(await found('auth-without-token')).toEqual([]);
  });
});

describe('API token', () => {
  it('guards the query and alert API and /metrics; health and the dashboard files stay open', async () => {
    for (const path of ['/api/traces', '/api/services', '/api/alerts/rules', '/api/openapi.json', '/metrics']) {
      const none = await fetch(`${c.url}${path}`);
      expect(none.status, path).toBe(401);
      expect(none.headers.get('www-authenticate')).toBe('Bearer realm="fntrace"');
      expect((await none.json()).message).toBe(
        'this collector needs an API token: send the header Authorization: Bearer <token> (the --api-token)',
      );
      const wrong = await fetch(`${c.url}${path}`, { headers: bearer(INGEST) });
      expect(wrong.status, path).toBe(401);
      const body = await wrong.json();
      expect(body).toEqual({
        statusCode: 401,
        code: 'FNTRACE_ERR_COL_UNAUTHORIZED',
        error: 'Unauthorized',
        message: 'the API token sent is not one this collector accepts',
      });
      expect((await fetch(`${c.url}${path}`, { headers: bearer(API) })).status, path).toBe(200);
    }
    const created = await fetch(`${c.url}/api/alerts/rules`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'no token', signal: 'error_rate', comparator: '>', threshold: 1, window: '5m' }),
    });
    expect(created.status).toBe(401);
    const traces = await fetch(`${c.url}/api/traces?since=1d`, { headers: bearer(API) });
    expect((await traces.json()).traces.length).toBeGreaterThan(0);
    // the guard goes by the matched route, so a percent-encoded path is refused too
    expect([401, 404]).toContain((await fetch(`${c.url}/%61pi/traces`)).status);
    for (const open of ['/healthz', '/readyz']) expect((await fetch(`${c.url}${open}`)).status, open).toBe(200);
    const index = await fetch(`${c.url}/`);
    expect([200, 503]).toContain(index.status);
  });
});

describe('fntrace collector with tokens', () => {
  const run = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 30_000 });

  it('refuses a weak or malformed token without echoing it', () => {
    const data = tempDir('fntrace-token-');
    const short = run(['collector', '--data', data], { FNTRACE_INGEST_TOKEN: 'hunter2' });
    expect(short.status).toBe(2);
    expect(short.stderr).toMatch(
      /FNTRACE_ERR_COL_INVALID_OPTION: option --ingest-token: the token is not valid \(its value is not shown\): a token is at least 16 characters/,
    );
    expect(short.stderr).not.toContain('hunter2');
    const spaced = run(['collector', '--data', data, '--api-token', `${API},has a space in it 123456`]);
    expect(spaced.status).toBe(2);
    expect(spaced.stderr).toMatch(/option --api-token: token 2 of 2 is not valid/);
    expect(spaced.stderr).not.toContain('has a space');
  });

  it('warns when other machines can reach it without tokens, and never logs a token', async () => {
    const port = await freePort();
    const start = (env: Record<string, string>) =>
      killWhenDone(
        spawn(process.execPath, [CLI, 'collector', '--port', String(port), '--log-level', 'trace'], {
          stdio: ['ignore', 'pipe', 'pipe'],
          env: {
            ...process.env,
            FNTRACE_HOST: '0.0.0.0',
            FNTRACE_DATA: tempDir('fntrace-tk-'),
            ...env,
          },
        }),
      );
    const runUntil = async (env: Record<string, string>, afterListening: () => Promise<void>) => {
      const child = start(env);
      let out = '';
      child.stdout!.on('data', (d) => (out += d));
      child.stderr!.on('data', (d) => (out += d));
      const until = Date.now() + 30_000;
      while (!out.includes('fntrace collector listening')) {
        if (Date.now() > until || child.exitCode !== null) throw new Error(`collector did not start:\n${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      await afterListening();
      child.kill('SIGTERM');
      await exited(child);
      return out;
    };

    const open = await runUntil({}, async () => undefined);
    expect(open).toMatch(
      /0\.0\.0\.0 is reachable from other machines, and anyone who reaches it can send spans and logs/,
    );
    expect(open).toContain('read every trace through the API and dashboard (--api-token / FNTRACE_API_TOKEN)');

    const url = `http://127.0.0.1:${port}`;
    const guarded = await runUntil({ FNTRACE_INGEST_TOKEN: INGEST, FNTRACE_API_TOKEN: API }, async () => {
      const body = spanBatch('auth-cli', 2).body;
      const headers = { 'content-type': 'application/json' };
      expect((await fetch(`${url}/v1/traces`, { method: 'POST', headers, body })).status).toBe(401);
      expect(
        (await fetch(`${url}/v1/traces`, { method: 'POST', headers: { ...headers, ...bearer(INGEST) }, body })).status,
      ).toBe(200);
      expect((await fetch(`${url}/api/traces`, { headers: bearer(API) })).status).toBe(200);
      expect((await fetch(`${url}/api/traces`, { headers: bearer(`${API}x`) })).status).toBe(401);
    });
    expect(guarded).toContain('"statusCode":401');
    expect(guarded).not.toContain('reachable from other machines');
    for (const token of [INGEST, API]) expect(guarded).not.toContain(token);
  }, 90_000);
});
