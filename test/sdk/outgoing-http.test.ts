import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error — plain ES module shared with the demo (examples/)
import { serveLocal } from '../../examples/aws-lambda/run-local.mjs';
import { makeKeyMatcher } from '../../sdk/src/core/redaction.js';
import { redactUrl } from '../../sdk/src/outgoing/http-attributes.js';
import { type FlatSpan, useReceiver } from '../helpers/otlp-receiver.js';
import { HANDLERS } from '../helpers/run-lambda.js';

// Outgoing HTTP from a wrapped function, with no code beyond wrap(): plain fetch and
// node:http calls get a CLIENT span and W3C headers; the caller's own headers win; the
// collector's export endpoint is never traced.
const rx = useReceiver();
const seen: { path: string; headers: IncomingHttpHeaders }[] = [];
let downstream: Server;
let downstreamUrl: string;
let fn: { url: string; stop(): Promise<{ diagnostics: any[] }> };

beforeAll(async () => {
  downstream = createServer((req, res) => {
    seen.push({ path: req.url ?? '', headers: req.headers });
    const status = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('status') ?? 200);
    res.writeHead(status, { 'content-type': 'text/plain' });
    res.end('ok');
  });
  await new Promise<void>((r) => downstream.listen(0, '127.0.0.1', r));
  downstreamUrl = `http://127.0.0.1:${(downstream.address() as { port: number }).port}`;
  fn = await serveLocal({
    handler: `${HANDLERS}/outgoing.mjs`,
    functionName: 'caller-fn',
    endpoint: rx.url,
  });
});

afterAll(async () => {
  await fn?.stop();
  downstream?.close();
});

async function invoke(body: unknown, headers: Record<string, string> = {}): Promise<any[]> {
  const res = await fetch(fn.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return JSON.parse(await res.text());
}

/** Spans exported so far, once the span named `name` is among them. */
async function spansWith(pred: (s: FlatSpan) => boolean): Promise<FlatSpan[]> {
  for (let i = 0; i < 100 && !rx.spans().some(pred); i++) await new Promise((r) => setTimeout(r, 20));
  return rx.spans();
}

const parse = (tp: unknown) => {
  const [version, traceId, spanId, flags] = String(tp).split('-');
  return { version, traceId, spanId, flags };
};

describe('outgoing HTTP inside a wrapped handler', () => {
  it('gives a fetch and a node:http call each a CLIENT span and passes it on as their parent', async () => {
    const upstream = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const results = await invoke(
      {
        calls: [
          { via: 'fetch', url: `${downstreamUrl}/fetch?status=200` },
          { via: 'http', url: `${downstreamUrl}/http?status=201`, method: 'POST', body: 'x' },
        ],
      },
      { traceparent: upstream, 'x-correlation-id': 'corr-out-1' },
    );
    expect(results.map((r) => r.status)).toEqual([200, 201]);
    const spans = await spansWith((s) => s.attrs['url.full'] === `${downstreamUrl}/http?status=201`);
    const invocation = spans.find((s) => s.kind === 2 && s.traceId === '0af7651916cd43dd8448eb211c80319c')!;
    expect(invocation.parentSpanId).toBe('b7ad6b7169203331');
    for (const [path, method, status] of [
      ['/fetch?status=200', 'GET', 200],
      ['/http?status=201', 'POST', 201],
    ] as const) {
      const got = seen.find((s) => s.path === path)!;
      const tp = parse(got.headers.traceparent);
      const client = spans.find((s) => s.spanId === tp.spanId)!;
      // the downstream's parent is the CLIENT span, a child of the invocation, in the caller's trace
      expect(tp).toMatchObject({ version: '00', traceId: invocation.traceId, flags: '01' });
      expect(client).toMatchObject({ kind: 3, name: method, parentSpanId: invocation.spanId });
      expect(client.attrs).toMatchObject({
        'http.request.method': method,
        'http.response.status_code': status,
        'url.full': `${downstreamUrl}${path}`,
        'server.address': '127.0.0.1',
        'server.port': Number(new URL(downstreamUrl).port),
        'fntrace.correlation_id': 'corr-out-1',
      });
      expect(client.status.code ?? 0).toBe(0);
      expect(got.headers.baggage).toBe('correlation_id=corr-out-1');
      // one header each, never two
      expect(String(got.headers.traceparent)).not.toContain(',');
    }
  });

  it("keeps the caller's own traceparent, baggage and tracestate as they were set", async () => {
    const mine = '00-11111111111111111111111111111111-2222222222222222-01';
    await invoke({
      calls: [
        { via: 'fetch', url: `${downstreamUrl}/own-fetch`, headers: { traceparent: mine, baggage: 'tenant=a' } },
        { via: 'http', url: `${downstreamUrl}/own-http`, headers: { TraceParent: mine, tracestate: 'v=1' } },
      ],
    });
    const fetched = seen.find((s) => s.path === '/own-fetch')!.headers;
    expect(fetched.traceparent).toBe(mine);
    expect(fetched.baggage).toBe('tenant=a');
    expect(fetched.tracestate).toBeUndefined();
    const viaHttp = seen.find((s) => s.path === '/own-http')!.headers;
    expect(viaHttp.traceparent).toBe(mine);
    expect(viaHttp.tracestate).toBe('v=1');
    // the call is still on the trace as a CLIENT span
    const spans = await spansWith((s) => s.attrs['url.full'] === `${downstreamUrl}/own-http`);
    expect(spans.filter((s) => String(s.attrs['url.full']).includes('/own-'))).toHaveLength(2);
  });

  it('marks failed calls: an error status, and a connection refused', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const deadUrl = `http://127.0.0.1:${(closed.address() as { port: number }).port}/gone`;
    await new Promise((r) => closed.close(r));
    const results = await invoke({
      calls: [
        { via: 'fetch', url: `${downstreamUrl}/fail?status=503` },
        { via: 'fetch', url: deadUrl },
        { via: 'http', url: deadUrl },
      ],
    });
    expect(results).toEqual([{ status: 503, body: 'ok' }, { error: 'ECONNREFUSED' }, { error: 'ECONNREFUSED' }]);
    const spans = await spansWith((s) => s.attrs['url.full'] === deadUrl && s.name === 'GET' && s.status.code === 2);
    const failed = spans.find((s) => s.attrs['url.full'] === `${downstreamUrl}/fail?status=503`)!;
    expect(failed.attrs['error.type']).toBe('503');
    expect(failed.status.code).toBe(2);
    const refused = spans.filter((s) => s.attrs['url.full'] === deadUrl);
    expect(refused).toHaveLength(2);
    for (const s of refused) {
      expect(s.attrs['error.type']).toBe('ECONNREFUSED');
      expect(s.status.code).toBe(2);
    }
  });

  it('keeps secrets out of url.full', async () => {
    // node:http sends a URL's user and password as an Authorization header, never in the URL
    const url = `http://user:pa55@127.0.0.1:${new URL(downstreamUrl).port}/secret?token=abc&page=2&X-Amz-Signature=f00`;
    await invoke({ calls: [{ via: 'http', url }] });
    const spans = await spansWith((s) => String(s.attrs['url.full']).includes('/secret'));
    const span = spans.find((s) => String(s.attrs['url.full']).includes('/secret'))!;
    expect(span.attrs['url.full']).toBe(
      `http://127.0.0.1:${new URL(downstreamUrl).port}/secret?token=[REDACTED]&page=2&X-Amz-Signature=[REDACTED]`,
    );
    expect(JSON.stringify(span)).not.toContain('pa55');
    expect(redactUrl(new URL('https://me:pa55@example.com/p?Signature=s&sig=t&q=1#frag'), makeKeyMatcher())).toBe(
      'https://[REDACTED]:[REDACTED]@example.com/p?Signature=[REDACTED]&sig=[REDACTED]&q=1',
    );
  });

  it("never traces calls to the collector's export endpoint", async () => {
    const before = rx.requests.length;
    const results = await invoke({
      calls: [
        {
          via: 'fetch',
          url: `${rx.url}/v1/traces`,
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{}',
        },
        {
          via: 'http',
          url: `${rx.url}/v1/logs`,
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{}',
        },
      ],
    });
    expect(results.map((r) => r.status)).toEqual([200, 200]);
    await spansWith(() => rx.requests.length > before + 2);
    const direct = rx.requests.slice(before).filter((r) => r.headers['content-length'] === '2');
    expect(direct).toHaveLength(2);
    for (const r of direct) expect(r.headers.traceparent).toBeUndefined();
    expect(rx.spans().filter((s) => String(s.attrs['url.full']).startsWith(rx.url))).toEqual([]);
  });
});
