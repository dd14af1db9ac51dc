import { describe, expect, it } from 'vitest';
import { useCollector } from './helpers.js';
import { spanBatch } from './otlp-json-body.js';

// More requests at once than the collector takes: the excess gets 429 with Retry-After
// (a signal to back off, which the OTel exporters honour), and what was accepted is stored.
const c = useCollector({ maxInflightRequests: 2 });

describe('overload', () => {
  it('answers 429 with Retry-After beyond the in-flight limit and stores what it accepted', async () => {
    const batches = Array.from({ length: 40 }, () => spanBatch('overload', 200));
    const responses = await Promise.all(
      batches.map((b) =>
        fetch(`${c.url}/v1/traces`, {
          method: 'POST',
          body: b.body,
          headers: { 'content-type': 'application/json' },
        }).then(async (r) => ({ status: r.status, retryAfter: r.headers.get('retry-after'), body: await r.text() })),
      ),
    );
    const limited = responses.filter((r) => r.status === 429);
    const ok = responses.filter((r) => r.status === 200);
    expect(limited.length).toBeGreaterThan(0);
    expect(ok.length).toBeGreaterThan(0);
    expect(ok.length + limited.length).toBe(40);
    expect(Number(limited[0]!.retryAfter)).toBeGreaterThan(0);
    expect(JSON.parse(limited[0]!.body).message).toMatch(/more than 2 requests/);
    await c.drained();
    const [row] = await c.query(`SELECT count() AS n FROM fntrace.otel_traces WHERE ServiceName = 'overload'`);
    const n = row!.n;
    expect(Number(n)).toBe(ok.length * 200);
  });
});
