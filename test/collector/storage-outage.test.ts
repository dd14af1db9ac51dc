import { describe, expect, it } from 'vitest';
import { useCollector } from './helpers.js';
import { spanBatch } from './otlp-json-body.js';

// Storage fails every insert for a while (a CHECK constraint no row can meet: a real
// engine error, not a mock). Requests keep being acknowledged into the spool, /readyz says
// why it is not ready, the spool refuses politely at its quota, and everything acknowledged
// lands exactly once when storage recovers.
const c = useCollector({ spoolMaxBytes: 1024 * 1024 });

const post = (body: string) =>
  fetch(`${c.url}/v1/traces`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });

describe('storage outage', () => {
  it('acknowledges into the spool while inserts fail, and stores everything once storage is back', async () => {
    await c.query('SELECT 1'); // storage is up
    await c.server
      .parts()
      .store.client.command({ query: 'ALTER TABLE fntrace.otel_traces ADD CONSTRAINT outage CHECK 0' });
    const acked: string[] = [];
    let refused: Response | undefined;
    for (let i = 0; i < 200 && !refused; i++) {
      const batch = spanBatch('outage', 50);
      const res = await post(batch.body);
      if (res.status === 200) acked.push(...batch.spanIds);
      else refused = res;
      await res.arrayBuffer();
    }
    // at the quota: 503 with Retry-After, nothing lost
    expect(refused?.status).toBe(503);
    expect(Number(refused?.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(acked.length).toBeGreaterThan(500);
    const ready = await fetch(`${c.url}/readyz`);
    expect(ready.status).toBe(503);
    const why = await ready.json();
    expect(why.problems.join(' ')).toMatch(/inserts failing/);

    await c.server.parts().store.client.command({ query: 'ALTER TABLE fntrace.otel_traces DROP CONSTRAINT outage' });
    await c.drained(60_000);
    const [counts] = await c.query(
      `SELECT count() AS rows, uniqExact(SpanId) AS ids FROM fntrace.otel_traces WHERE ServiceName = 'outage'`,
    );
    expect(counts).toEqual({ rows: String(acked.length), ids: String(acked.length) });
    expect((await fetch(`${c.url}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${c.url}/metrics`)).text();
    expect(metrics).toMatch(/fntrace_storage_errors_total\{signal="traces"\} [1-9]/);
    expect(metrics).toMatch(/fntrace_refused_items_total\{signal="traces",reason="spool_full"\} 50/);
  }, 120_000);
});
