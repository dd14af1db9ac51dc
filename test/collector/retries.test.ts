import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { RecentRequests } from '../../collector/src/ingest/retries.js';
import { handTraceRequest, hexBytes } from './fixtures/otlp.js';
import { useCollector } from './helpers.js';

// A client that did not see the 200 (a frozen function, a timeout) sends the same request
// again: it is answered as before and its spans are stored once.
const c = useCollector();

const now = BigInt(Date.now()) * 1_000_000n;
let seq = 0;
/** One request: `spans` spans of one trace of service `service`, the first an invocation. */
function request(service: string, spans: number, extra: object[] = []) {
  const traceId = (++seq).toString(16).padStart(32, 'a');
  return {
    traceId,
    body: {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
          scopeSpans: [
            {
              spans: [
                ...Array.from({ length: spans }, (_, i) => ({
                  traceId,
                  spanId: (i + 1).toString(16).padStart(16, 'b'),
                  parentSpanId: i === 0 ? '' : '1'.padStart(16, 'b'),
                  name: `op-${i}`,
                  kind: i === 0 ? 2 : 1,
                  startTimeUnixNano: String(now + BigInt(i) * 1_000_000n),
                  endTimeUnixNano: String(now + BigInt(i + 5) * 1_000_000n),
                  attributes:
                    i === 0
                      ? [
                          { key: 'faas.invocation_id', value: { stringValue: `inv-${traceId}` } },
                          { key: 'faas.trigger', value: { stringValue: 'http' } },
                        ]
                      : [],
                  status: i === 1 ? { code: 2 } : {},
                })),
                ...extra,
              ],
            },
          ],
        },
      ],
    },
  };
}

async function post(body: Uint8Array | string, headers: Record<string, string>) {
  const res = await fetch(`${c.url}/v1/traces`, {
    method: 'POST',
    body: typeof body === 'string' ? body : Buffer.from(body),
    headers,
  });
  return { status: res.status, body: Buffer.from(await res.arrayBuffer()) };
}

const json = { 'content-type': 'application/json' };

async function stored(traceId: string) {
  await c.drained();
  const [spans] = await c.query<{ n: string }>(
    `SELECT count() AS n FROM fntrace.otel_traces WHERE TraceId = {t:String}`,
    {
      t: traceId,
    },
  );
  const [summary] = await c.query<{ spans: string; errors: string; invocations: string }>(
    `SELECT sum(SpanCount) AS spans, sum(ErrorCount) AS errors, sum(Invocations) AS invocations
     FROM fntrace.fntrace_trace_summary WHERE TraceId = {t:String}`,
    { t: traceId },
  );
  const [inv] = await c.query<{ n: string }>(
    `SELECT count() AS n FROM fntrace.fntrace_invocations WHERE TraceId = {t:String}`,
    { t: traceId },
  );
  return { spans: Number(spans?.n), summary, invocations: Number(inv?.n) };
}

async function repeats(): Promise<number> {
  const text = await (await fetch(`${c.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('fntrace_repeated_requests_total{signal="traces"}'));
  return line ? Number(line.split(' ')[1]) : 0;
}

describe('a retried export request', () => {
  it('is stored once when the same protobuf body comes again, and counted as a repeat', async () => {
    const traceId = (++seq).toString(16).padStart(32, 'a');
    const proto = handTraceRequest(
      [0, 1, 2].map((i) => ({
        traceId: hexBytes(traceId),
        spanId: hexBytes((i + 1).toString(16).padStart(16, 'b')),
        parentSpanId: i === 0 ? undefined : hexBytes('1'.padStart(16, 'b')),
        name: `op-${i}`,
        kind: i === 0 ? 2 : 1,
        start: now + BigInt(i) * 1_000_000n,
        end: now + BigInt(i + 5) * 1_000_000n,
        attrs:
          i === 0
            ? [
                ['faas.invocation_id', { s: `inv-${traceId}` }],
                ['faas.trigger', { s: 'http' }],
              ]
            : [],
        statusCode: i === 1 ? 2 : 0,
      })),
    );
    const before = await repeats();
    const first = await post(proto, { 'content-type': 'application/x-protobuf' });
    const again = await post(proto, { 'content-type': 'application/x-protobuf' });
    expect(first.status).toBe(200);
    expect(again.status).toBe(200);
    expect(again.body.equals(first.body)).toBe(true);
    expect(await stored(traceId)).toEqual({
      spans: 3,
      summary: { spans: '3', errors: '1', invocations: '1' },
      invocations: 1,
    });
    expect((await repeats()) - before).toBe(1);
  });

  it('is stored once when identical requests arrive at the same time, gzip or not', async () => {
    const { traceId, body } = request('retry-concurrent', 4);
    const text = JSON.stringify(body);
    const gz = gzipSync(text);
    const answers = await Promise.all([
      post(text, json),
      post(text, json),
      post(gz, { ...json, 'content-encoding': 'gzip' }),
      post(text, json),
    ]);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    expect((await stored(traceId)).spans).toBe(4);
  });

  it('gets the same partial_success again, and its valid spans are stored once', async () => {
    const bad = { traceId: '0'.repeat(32), spanId: 'c'.repeat(16), name: 'bad', startTimeUnixNano: '1' };
    const { traceId, body } = request('retry-partial', 2, [bad]);
    const text = JSON.stringify(body);
    const first = await post(text, json);
    const again = await post(text, json);
    expect(JSON.parse(first.body.toString()).partialSuccess.rejectedSpans).toBe('1');
    expect(again.body.toString()).toBe(first.body.toString());
    expect((await stored(traceId)).spans).toBe(2);
  });

  it('is stored again when its body differs (another batch of new spans is never dropped)', async () => {
    const a = request('retry-distinct', 2);
    const b = request('retry-distinct', 2);
    await post(JSON.stringify(a.body), json);
    await post(JSON.stringify(b.body), json);
    expect((await stored(a.traceId)).spans).toBe(2);
    expect((await stored(b.traceId)).spans).toBe(2);
  });
});

describe('RecentRequests', () => {
  const ok = { rejected: 0, message: '' };

  it('runs a request that failed again when it comes back, and remembers it once it succeeds', async () => {
    const recent = new RecentRequests(60_000);
    let calls = 0;
    const failing = async () => {
      calls++;
      throw new Error('spool full');
    };
    await expect(recent.once('k', failing)).rejects.toThrow('spool full');
    const second = await recent.once('k', async () => {
      calls++;
      return ok;
    });
    expect(second).toEqual({ answer: ok, repeat: false });
    expect(await recent.once('k', failing)).toEqual({ answer: ok, repeat: true });
    expect(calls).toBe(2);
  });

  it('lets a waiting duplicate try itself when the first attempt fails', async () => {
    const recent = new RecentRequests(60_000);
    let release!: (e: Error) => void;
    const first = recent.once('k', () => new Promise((_, reject) => (release = reject)));
    const second = recent.once('k', async () => ({ rejected: 1, message: 'second' }));
    release(new Error('disk'));
    await expect(first).rejects.toThrow('disk');
    expect(await second).toEqual({ answer: { rejected: 1, message: 'second' }, repeat: false });
  });

  it('forgets answers after the window, and the oldest beyond its size', async () => {
    const short = new RecentRequests(1);
    await short.once('k', async () => ok);
    await new Promise((r) => setTimeout(r, 5));
    expect((await short.once('k', async () => ok)).repeat).toBe(false);

    const small = new RecentRequests(60_000, 2);
    for (const k of ['a', 'b', 'c']) await small.once(k, async () => ok);
    expect(small.size).toBe(2);
    expect((await small.once('a', async () => ok)).repeat).toBe(false);
    expect((await small.once('c', async () => ok)).repeat).toBe(true);
  });

  it('does nothing with a window of 0', async () => {
    const off = new RecentRequests(0);
    await off.once('k', async () => ok);
    expect((await off.once('k', async () => ok)).repeat).toBe(false);
  });
});
