import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { useCollector } from './helpers.js';

// What a client sees for each kind of bad or unwelcome request.
const c = useCollector({ bodyLimitBytes: 64 * 1024, maxDecompressedBytes: 256 * 1024 });

const hex = (n: number, seed: string) => seed.repeat(n).slice(0, n);
// a minute ago: within retention, and not ahead of the collector's clock
const start = BigInt(Date.now() - 60_000) * 1_000_000n;
const span = (traceId: string, spanId: string, name: string) => ({
  traceId,
  spanId,
  name,
  kind: 2,
  startTimeUnixNano: String(start),
  endTimeUnixNano: String(start + 100_000_000n),
});
const body = (spans: object[]) => ({
  resourceSpans: [
    {
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'errors-test' } }] },
      scopeSpans: [{ spans }],
    },
  ],
});

async function post(path: string, payload: BodyInit, headers: Record<string, string>) {
  const res = await fetch(`${c.url}${path}`, { method: 'POST', body: payload, headers });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) };
}

describe('OTLP/HTTP error handling', () => {
  it('keeps the valid spans of a mixed batch and reports the rest in partial_success', async () => {
    const good = span(hex(32, 'ab12'), hex(16, 'cd34'), 'good-span');
    const badTrace = span('00000000000000000000000000000000', hex(16, 'ef56'), 'zero-trace');
    const shortSpan = span(hex(32, 'ab12'), 'abc', 'short-span-id');
    const res = await post('/v1/traces', JSON.stringify(body([good, badTrace, shortSpan])), {
      'content-type': 'application/json',
    });
    expect(res.status).toBe(200);
    const partial = res.json().partialSuccess;
    expect(partial.rejectedSpans).toBe('2');
    expect(partial.errorMessage).toMatch(/trace_id|span_id/);
    await c.drained();
    const rows = await c.query(
      `SELECT SpanName FROM fntrace.otel_traces WHERE ServiceName = 'errors-test' ORDER BY SpanName`,
    );
    expect(rows).toEqual([{ SpanName: 'good-span' }]);
  });

  it('answers an all-valid JSON request with an empty object', async () => {
    const res = await post('/v1/traces', JSON.stringify(body([span(hex(32, '1a2b'), hex(16, '3c4d'), 'fine')])), {
      'content-type': 'application/json',
    });
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({});
  });

  it('refuses an undecodable body with 400 and says why', async () => {
    const json = await post('/v1/traces', '{"resourceSpans": [', { 'content-type': 'application/json' });
    expect(json.status).toBe(400);
    expect(json.json().message).toMatch(/could not decode the OTLP json body/);
    const proto = await post('/v1/traces', new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]), {
      'content-type': 'application/x-protobuf',
    });
    expect(proto.status).toBe(400);
    expect(proto.headers.get('content-type')).toContain('application/x-protobuf');
  });

  it('says plainly that OTLP metrics are not kept, in the request encoding', async () => {
    const json = await post('/v1/metrics', '{"resourceMetrics":[]}', { 'content-type': 'application/json' });
    expect(json.status).toBe(404);
    expect(json.json()).toEqual({
      code: 12,
      message:
        'fntrace keeps traces and logs, not metrics: send metrics elsewhere (OTEL_EXPORTER_OTLP_METRICS_ENDPOINT) or turn them off (OTEL_METRICS_EXPORTER=none)',
      details: [{ fntrace_code: 'FNTRACE_ERR_COL_UNSUPPORTED_SIGNAL' }],
    });
    // refused before the body is read: an empty JSON body (which /v1/traces answers 400) too
    const empty = await post('/v1/metrics', '', { 'content-type': 'application/json' });
    expect(empty.status).toBe(404);
    const proto = await post('/v1/metrics', new Uint8Array(0), { 'content-type': 'application/x-protobuf' });
    expect(proto.status).toBe(404);
    expect(proto.headers.get('content-type')).toContain('application/x-protobuf');
    expect(proto.text).toContain('fntrace keeps traces and logs, not metrics');
    const text = await (await fetch(`${c.url}/metrics`)).text();
    expect(text).toMatch(/fntrace_ingest_requests_total\{signal="metrics",status="404"\} 3/);
  });

  it('refuses other content types with 415', async () => {
    const res = await post('/v1/traces', 'hello', { 'content-type': 'text/plain' });
    expect(res.status).toBe(415);
    expect(res.json().message).toMatch(/application\/x-protobuf or application\/json/);
  });

  it('refuses a body over the limit with 413', async () => {
    const big = JSON.stringify(body([{ ...span(hex(32, 'ab12'), hex(16, 'cd34'), 'x'.repeat(100 * 1024)) }]));
    const res = await post('/v1/traces', big, { 'content-type': 'application/json' });
    expect(res.status).toBe(413);
  });

  it('refuses a gzip bomb with 413 before inflating it', async () => {
    const bomb = gzipSync(Buffer.alloc(10 * 1024 * 1024, 0x20));
    expect(bomb.length).toBeLessThan(64 * 1024);
    const res = await post('/v1/traces', bomb, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expect(res.status).toBe(413);
    expect(res.json().message).toMatch(/decompresses to more than/);
  });

  it('accepts gzip and refuses unknown encodings', async () => {
    const ok = await post(
      '/v1/traces',
      gzipSync(JSON.stringify(body([span(hex(32, '9e8d'), hex(16, '7c6b'), 'gz')]))),
      {
        'content-type': 'application/json',
        'content-encoding': 'gzip',
      },
    );
    expect(ok.status).toBe(200);
    const br = await post('/v1/traces', 'x', { 'content-type': 'application/json', 'content-encoding': 'br' });
    expect(br.status).toBe(415);
  });

  it('counts every refusal by reason in /metrics', async () => {
    const text = await (await fetch(`${c.url}/metrics`)).text();
    expect(text).toMatch(/fntrace_refused_items_total\{signal="traces",reason="invalid"\} 2/);
    expect(text).toMatch(/fntrace_refused_items_total\{signal="traces",reason="too_large"\} 1/);
    expect(text).toMatch(/fntrace_accepted_items_total\{signal="traces"\} [1-9]/);
    expect(text).toMatch(/^fntrace_process_resident_memory_bytes \d+/m);
  });
});
