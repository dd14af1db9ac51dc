import { beforeAll, describe, expect, it } from 'vitest';
import type { SearchQuery } from '../../collector/src/query/trace-search.js';
import { api, send } from './fixtures.js';
import { searchPages, useCollector } from './helpers.js';

// Search, pagination and the other read endpoints over spans sent through OTLP.
const c = useCollector();

const now = BigInt(Date.now()) * 1_000_000n;
const ms = 1_000_000n;
const kv = (o: Record<string, string | boolean>) =>
  Object.entries(o).map(([key, v]) => ({ key, value: typeof v === 'boolean' ? { boolValue: v } : { stringValue: v } }));

/** 30 traces: service a or b, durations 10..300 ms, every 5th an error, every 3rd a cold start, tenant attribute. */
function dataset() {
  const bodies = [];
  for (let i = 0; i < 30; i++) {
    const traceId = (i + 1).toString(16).padStart(32, '0');
    const start = now - BigInt(30 - i) * 60_000n * ms; // one a minute, the last 30 minutes
    const service = i % 2 === 0 ? 'svc-a' : 'svc-b';
    const attrs: Record<string, string | boolean> = {
      'faas.trigger': i % 4 === 0 ? 'pubsub' : 'http',
      'faas.invocation_id': `inv-${i}`,
      'faas.coldstart': i % 3 === 0,
      tenant: i < 10 ? 'acme' : 'globex',
      'fntrace.correlation_id': `corr-${i}`,
    };
    bodies.push({
      resourceSpans: [
        {
          resource: {
            attributes: kv({ 'service.name': service, 'faas.name': `${service}-fn`, region: i % 2 ? 'eu' : 'us' }),
          },
          scopeSpans: [
            {
              spans: [
                {
                  traceId,
                  spanId: (i + 1).toString(16).padStart(16, '0'),
                  name: i % 2 === 0 ? 'GET /a' : 'POST /b',
                  kind: 2,
                  startTimeUnixNano: String(start),
                  endTimeUnixNano: String(start + BigInt((i + 1) * 10) * ms),
                  attributes: kv(attrs),
                  status: i % 5 === 0 ? { code: 2, message: 'boom' } : {},
                },
              ],
            },
          ],
        },
      ],
    });
  }
  return bodies;
}

beforeAll(async () => {
  for (const b of dataset()) await send(c.url, b);
  await c.drained();
});

const ids = (r: any) => r.traces.map((t: any) => Number.parseInt(t.traceId, 16) - 1);

describe('GET /api/traces', () => {
  it('returns the newest first, with summaries', async () => {
    const r = await api(c.url, '/api/traces?limit=3');
    expect(ids(r)).toEqual([29, 28, 27]);
    expect(r.traces[0]).toMatchObject({
      rootService: 'svc-b',
      rootOperation: 'POST /b',
      spanCount: 1,
      durationMs: 300,
      invocations: 1,
    });
    expect(r.nextCursor).toEqual(expect.any(String));
  });

  it('pages with the cursor without repeating or skipping', async () => {
    const seen: number[] = [];
    let cursor: string | undefined;
    do {
      const r = await api(c.url, `/api/traces?limit=7${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...ids(r));
      cursor = r.nextCursor;
    } while (cursor);
    expect(seen).toEqual(Array.from({ length: 30 }, (_, i) => 29 - i));
  });

  it('filters by service, trigger, status, cold start, duration and attributes together', async () => {
    expect(ids(await api(c.url, '/api/traces?service=svc-a&status=error&limit=100'))).toEqual([20, 10, 0]);
    expect(ids(await api(c.url, '/api/traces?trigger=pubsub&coldStart=true&limit=100'))).toEqual([24, 12, 0]);
    expect(ids(await api(c.url, '/api/traces?minDurationMs=250&maxDurationMs=280&limit=100'))).toEqual([
      27, 26, 25, 24,
    ]);
    expect(ids(await api(c.url, '/api/traces?attr=tenant%3Dacme&attr=region%3Deu&limit=100'))).toEqual([9, 7, 5, 3, 1]);
    expect(ids(await api(c.url, '/api/traces?function=svc-b-fn&operation=POST%20%2Fb&limit=2'))).toEqual([29, 27]);
    expect(ids(await api(c.url, '/api/traces?correlationId=corr-17'))).toEqual([17]);
  });

  it('sorts by duration', async () => {
    expect(ids(await api(c.url, '/api/traces?sort=duration&service=svc-a&limit=3'))).toEqual([28, 26, 24]);
  });

  it('keeps to the time range', async () => {
    const r = await api(c.url, '/api/traces?since=10m&limit=100');
    expect(ids(r)).toEqual([29, 28, 27, 26, 25, 24, 23, 22, 21]);
  });

  it('treats values as values, never as SQL', async () => {
    const r = await api(c.url, `/api/traces?service=${encodeURIComponent("svc-a' OR 1=1 --")}`);
    expect(r.traces).toEqual([]);
    const attr = await api(c.url, `/api/traces?attr=${encodeURIComponent("tenant=acme') OR ('1'='1")}`);
    expect(attr.traces).toEqual([]);
  });

  it('refuses bad parameters with 400 naming them', async () => {
    for (const q of [
      'status=maybe',
      'limit=0',
      'sort=name',
      'since=yesterday',
      'attr=novalue',
      'cursor=abc',
      'start=soon',
    ]) {
      const res = await fetch(`${c.url}/api/traces?${q}`);
      const body = await res.json();
      expect(res.status, q).toBe(400);
      expect(body.code).toBe('FNTRACE_ERR_COL_BAD_QUERY');
      expect(body.message.length).toBeGreaterThan(5);
    }
    // in words a user can act on: the parameter, what it must be, what came
    const said = async (path: string) => (await (await fetch(`${c.url}${path}`)).json()).message;
    expect(await said('/api/traces?attr=novalue')).toBe('attr must be key=value (got "novalue")');
    expect(await said('/api/traces?attr=a%3D1&attr=b')).toBe('attr must be key=value (got "b")');
    expect(await said('/api/traces?since=yesterday')).toBe(
      'since must be a duration such as 30s, 15m, 1h or 7d (got "yesterday")',
    );
    expect(await said('/api/traces?status=maybe')).toBe('status must be one of ok, error (got "maybe")');
    expect(await said('/api/traces?minDurationMs=abc')).toBe('minDurationMs must be a number (got "abc")');
    expect(await said('/api/traces?minDurationMs=200&maxDurationMs=100')).toBe(
      'minDurationMs (200) is more than maxDurationMs (100)',
    );
    expect(await said('/api/traces/not-a-trace-id')).toBe(
      'traceId must be a trace id (32 hexadecimal digits) or its first 4 or more (got "not-a-trace-id")',
    );
  });
});

describe('GET /api/traces/points', () => {
  const pointIds = (r: any) => r.points.map((p: any) => Number.parseInt(p.traceId, 16) - 1);

  it('answers every matching trace of the window, oldest first, with the window', async () => {
    const before = Date.now();
    const r = await api(c.url, '/api/traces/points?since=1h');
    expect(r.matched).toBe(30);
    expect(pointIds(r)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(r.points[29]).toEqual({
      traceId: (30).toString(16).padStart(32, '0'),
      startMs: expect.any(Number),
      durationMs: 300,
      error: false,
    });
    expect(r.points.filter((p: any) => p.error).length).toBe(6);
    expect(r.end - r.start).toBe(3_600_000);
    expect(r.end).toBeGreaterThanOrEqual(before);
  });

  it('matches what the search matches, over every page', async () => {
    for (const q of [
      'service=svc-a&status=error',
      'minDurationMs=250&maxDurationMs=280',
      'attr=tenant%3Dacme&attr=region%3Deu',
      'trigger=pubsub&coldStart=true',
    ]) {
      const pages = await api(c.url, `/api/traces?${q}&limit=100`);
      const points = await api(c.url, `/api/traces/points?${q}`);
      expect(pointIds(points), q).toEqual([...ids(pages)].reverse());
      expect(points.matched, q).toBe(pages.traces.length);
    }
  });

  it('past its limit, keeps the slowest and an even sample of the rest, the same each time', async () => {
    const r = await api(c.url, '/api/traces/points?limit=10');
    expect(r.matched).toBe(30);
    expect(r.points).toHaveLength(10);
    expect(pointIds(r)).toContain(29); // the slowest (300 ms)
    expect(pointIds(await api(c.url, '/api/traces/points?limit=1'))).toEqual([29]);
    expect(pointIds(await api(c.url, '/api/traces/points?limit=3&service=svc-a'))).toContain(28);
    expect((await api(c.url, '/api/traces/points?limit=10')).points).toEqual(r.points);
    const bad = await fetch(`${c.url}/api/traces/points?limit=5000`);
    expect(bad.status).toBe(400);
    expect((await bad.json()).message).toBe('limit must be <= 1000 (got 5000)');
  });
});

describe('search paths', () => {
  // A search with an attribute or correlation-id filter first tries the rare-match statement
  // (every matching trace's id, then their summaries); past `rareTraces` matches it answers from
  // the newest-first slices instead. Both must give the same answer, page for page.
  const queries: SearchQuery[] = [
    { attr: ['tenant=acme'] },
    { attr: ['region=eu'] }, // a resource attribute
    { attr: ['tenant=acme', 'region=eu'] },
    { attr: ['tenant=globex'], status: 'error' },
    { attr: ['tenant=globex'], sort: 'duration', limit: 4 },
    { correlationId: 'corr-17' },
    { attr: ['tenant=nobody'] },
  ];
  const statements: string[] = [];
  const search = async (q: SearchQuery, rareTraces: number) =>
    (await searchPages(c.server.parts().store, q, { rareTraces }, statements)).map((page) => ids({ traces: page }));

  it('answers a rare match in one statement, the same as the slices do', async () => {
    for (const q of queries) {
      statements.length = 0;
      const rarePath = await search(q, 100);
      expect(
        statements.every((s) => s.includes('groupArray(TraceId)')),
        JSON.stringify(q),
      ).toBe(!q.attr?.includes('tenant=nobody'));
      expect(rarePath, JSON.stringify(q)).toEqual(await search(q, 0));
    }
    expect(await search({ attr: ['tenant=acme'] }, 100)).toEqual([[9, 8, 7], [6, 5, 4], [3, 2, 1], [0]]);
    expect(await search({ attr: ['region=eu'], status: 'error' }, 100)).toEqual([[25, 15, 5]]);
  });

  it('goes to the slices when a filter matches too many traces, and remembers that for the next search', async () => {
    for (const q of queries) expect(await search(q, 2), JSON.stringify(q)).toEqual(await search(q, 0));
    statements.length = 0;
    await search({ attr: ['tenant=acme'] }, 100);
    expect(statements.some((s) => s.includes('groupArray(TraceId)'))).toBe(false);
  });
});

describe('other read endpoints', () => {
  it('lists services and their operations', async () => {
    const { services } = await api(c.url, '/api/services');
    expect(services).toEqual([
      { service: 'svc-a', spans: 15, errors: 3, operations: 1, isFunction: true },
      { service: 'svc-b', spans: 15, errors: 3, operations: 1, isFunction: true },
    ]);
    const { operations } = await api(c.url, '/api/services/svc-b/operations');
    expect(operations).toEqual([
      { operation: 'POST /b', kind: 'Server', spans: 15, errors: 3, p95Ms: expect.any(Number) },
    ]);
  });

  it('computes rate, error % and percentiles per bucket', async () => {
    const m = await api(c.url, '/api/metrics?groupBy=service&step=1h&since=1h');
    const a = m.series.find((s: any) => s.group === 'svc-a');
    const total = a.points.reduce((n: number, p: any) => n + p.count, 0);
    const errors = a.points.reduce((n: number, p: any) => n + (p.errorPercent * p.count) / 100, 0);
    expect(total).toBe(15);
    expect(Math.round(errors)).toBe(3);
    expect(m.stepSeconds).toBe(3600);
    for (const p of a.points) expect(p.p50Ms).toBeLessThanOrEqual(p.p99Ms);
    // the window asked for, so a chart spans it
    const w = await api(c.url, '/api/metrics?start=1795000000000&end=1795003600000');
    expect([w.start, w.end]).toEqual([1795000000000, 1795003600000]);
  });

  it('documents every route in the OpenAPI document', async () => {
    const doc = await api(c.url, '/api/openapi.json');
    expect(doc.openapi).toMatch(/^3\./);
    for (const path of [
      '/api/traces',
      '/api/traces/{traceId}',
      '/api/traces/{traceId}/journey',
      '/api/traces/{traceId}/logs',
      '/api/services',
      '/api/services/{service}/operations',
      '/api/metrics',
      '/api/map',
      '/api/invocations',
      '/api/logs',
    ]) {
      expect(doc.paths[path], path).toBeDefined();
    }
    const params = doc.paths['/api/traces'].get.parameters.map((p: any) => p.name);
    expect(params).toEqual(
      expect.arrayContaining(['service', 'operation', 'function', 'trigger', 'status', 'attr', 'cursor', 'coldStart']),
    );
  });
});
