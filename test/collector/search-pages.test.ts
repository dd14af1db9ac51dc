import { beforeAll, describe, expect, it } from 'vitest';
import { type SearchQuery, searchTraces } from '../../collector/src/query/trace-search.js';
import { send } from './fixtures.js';
import { searchPages, useCollector } from './helpers.js';

// A newest-first search without span filters reads the page's ids first and then the whole
// summaries of those ids from the bucket of the page's earliest trace on. A trace whose spans
// came in separate requests has summary rows in more than one ten-minute bucket; every row
// must still be summed, exactly as the one-pass read over the whole look-back sums them.
const c = useCollector();

const MIN = 60_000_000_000n;
const MS = 1_000_000n;
const now = BigInt(Date.now()) * 1_000_000n;
const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');

function span(o: {
  trace: number;
  span: number;
  parent?: number;
  service: string;
  start: bigint;
  ms: number;
  error?: boolean;
}) {
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: o.service } }] },
        scopeSpans: [
          {
            spans: [
              {
                traceId: hex(o.trace, 32),
                spanId: hex(o.span, 16),
                ...(o.parent ? { parentSpanId: hex(o.parent, 16) } : {}),
                name: `op-${o.service}`,
                kind: o.parent ? 3 : 2,
                startTimeUnixNano: String(o.start),
                endTimeUnixNano: String(o.start + BigInt(o.ms) * MS),
                ...(o.error ? { status: { code: 2 } } : {}),
              },
            ],
          },
        ],
      },
    ],
  };
}

// Trace 1 begins 40 minutes ago; its second span comes in a later request, 12 minutes later
// (another bucket), from another service, with an error. Traces 2..9 have one span each, one
// every four minutes after it, so trace 1 shares a page with newer traces.
const LONG = 1;
beforeAll(async () => {
  const t0 = now - 40n * MIN;
  await send(c.url, span({ trace: LONG, span: 1, service: 'edge', start: t0, ms: 5 }));
  for (let i = 2; i <= 9; i++) {
    await send(
      c.url,
      span({ trace: i, span: 100 + i, service: 'edge', start: t0 + BigInt(i - 1) * 4n * MIN + MIN, ms: i }),
    );
  }
  await send(
    c.url,
    span({ trace: LONG, span: 2, parent: 1, service: 'worker', start: t0 + 12n * MIN, ms: 30, error: true }),
  );
  await c.drained();
});

const allPages = (q: SearchQuery, newestIdsFirst: boolean, statements?: string[]) =>
  searchPages(c.server.parts().store, q, { newestIdsFirst }, statements);

describe('newest-first search, ids first', () => {
  it('sums every summary row of a trace whose spans fell in different buckets', async () => {
    const statements: string[] = [];
    const pages = await allPages({}, true, statements);
    expect(statements.every((s) => s.includes('groupArray((TraceId, sortStart))'))).toBe(true);
    const order = pages.map((p) => p.map((t) => Number.parseInt(t.traceId, 16)));
    expect(order).toEqual([
      [9, 8, 7],
      [6, 5, 4],
      [3, 2, 1],
    ]);
    const long = pages[2]!.find((t) => Number.parseInt(t.traceId, 16) === LONG)!;
    expect(long).toMatchObject({ spanCount: 2, errorCount: 1, services: ['edge', 'worker'], rootService: 'edge' });
    expect(long.durationMs).toBe(12 * 60_000 + 30);
  });

  it('gives the pages the one-pass read gives, with trace filters too', async () => {
    for (const q of [{}, { status: 'error' as const }, { status: 'ok' as const }, { minDurationMs: 4 }, { limit: 1 }]) {
      expect(await allPages(q, true), JSON.stringify(q)).toEqual(await allPages(q, false));
    }
    expect((await allPages({ status: 'error' }, true)).flat().map((t) => Number.parseInt(t.traceId, 16))).toEqual([
      LONG,
    ]);
  });

  it('answers an empty window with no traces', async () => {
    const store = c.server.parts().store;
    const end = String(Number((now - 50n * MIN) / 1_000_000n));
    const r = await searchTraces(store, { start: String(Number(end) - 60_000), end });
    expect(r).toEqual({ traces: [], nextCursor: undefined });
  });
});
