import { beforeAll, describe, expect, it } from 'vitest';
import { api, load, send } from './fixtures.js';
import { useCollector } from './helpers.js';

// Fixtures named by shape, sent through the real OTLP endpoint, read back through the API.
const c = useCollector({ orphanGraceMs: 60_000 });

const SHAPES = [
  'sqs-fan-in-3-producers',
  'orphan-platform-parent',
  'orphan-pending-parent',
  'orphan-lost-parent',
  'skewed-child-invocation',
  'message-id-stitch-without-context',
];
const shifts: Record<string, bigint> = {};

beforeAll(async () => {
  for (const shape of SHAPES) {
    const f = load(shape);
    shifts[shape] = f.shiftNs;
    for (const b of f.batches) await send(c.url, b);
  }
  await c.drained();
});

const FAN_IN = { consumer: 'd4'.repeat(16), producers: ['a1'.repeat(16), 'b2'.repeat(16), 'c3'.repeat(16)] };

describe('trace tree', () => {
  it('orders a batch consumer depth-first, grouped by its invocation', async () => {
    const view = await api(c.url, `/api/traces/${FAN_IN.consumer}`);
    expect(view.rootSpanId).toBe('d400000000000001');
    expect(view.spans.map((s: any) => [s.spanId, s.depth])).toEqual([
      ['d400000000000001', 0],
      ['d400000000000012', 1],
      ['d400000000000013', 1],
      ['d400000000000014', 1],
    ]);
    expect(view.spans.every((s: any) => s.invocationId === 'inv-batch-1')).toBe(true);
    expect(view.spans[0].links.map((l: any) => l.traceId).sort()).toEqual(FAN_IN.producers);
    expect(view.orphans).toEqual({ platform: 0, pending: 0, lost: 0 });
  });

  it('puts an X-Ray-parented invocation under a labelled platform parent', async () => {
    const view = await api(c.url, `/api/traces/${'e5'.repeat(16)}`);
    expect(view.spans[0]).toMatchObject({
      virtual: true,
      spanId: 'f0f0f0f0f0f0f0f0',
      orphanClass: 'platform',
      depth: 0,
    });
    expect(view.spans[0].label).toMatch(/platform hop/);
    expect(view.spans.slice(1).map((s: any) => [s.name, s.depth])).toEqual([
      ['GET /quotes', 1],
      ['dynamodb.GetItem', 2],
    ]);
    expect(view.orphans).toEqual({ platform: 1, pending: 0, lost: 0 });
    expect(view.rootSpanId).toBe('f0f0f0f0f0f0f0f0');
  });

  it('calls an orphan pending inside the grace window and lost after it', async () => {
    const pending = await api(c.url, `/api/traces/${'f6'.repeat(16)}`);
    expect(pending.spans[0]).toMatchObject({ virtual: true, orphanClass: 'pending' });
    expect(pending.orphans.pending).toBe(1);
    const lost = await api(c.url, `/api/traces/${'a7'.repeat(16)}`);
    expect(lost.spans[0]).toMatchObject({ virtual: true, orphanClass: 'lost', spanId: '1112131415161718' });
    expect(lost.spans.map((s: any) => s.depth)).toEqual([0, 1, 2]);
  });

  it('answers 404 for an unknown trace and 400 for a malformed id', async () => {
    expect((await fetch(`${c.url}/api/traces/${'00'.repeat(15)}01`)).status).toBe(404);
    const bad = await fetch(`${c.url}/api/traces/not-a-trace-id`);
    expect(bad.status).toBe(400);
    expect((await bad.json()).code).toBe('FNTRACE_ERR_COL_BAD_QUERY');
  });
});

describe('clock skew', () => {
  it('shifts a child invocation whose clock runs behind into its caller, and says by how much', async () => {
    const view = await api(c.url, `/api/traces/${'b8'.repeat(16)}`);
    const by = (id: string) => view.spans.find((s: any) => s.spanId === id);
    // the client span runs 10..60 ms; the 30 ms server span is centred in it: 20..50 ms, from -200 ms raw
    expect(by('b800000000000003').skewAdjustedMs).toBe(220);
    expect(by('b800000000000004').skewAdjustedMs).toBe(220);
    expect(by('b800000000000001').skewAdjustedMs).toBeUndefined();
    expect(by('b800000000000002').skewAdjustedMs).toBeUndefined();
    const server = by('b800000000000003');
    expect(BigInt(server.startUnixNano) - BigInt(server.rawStartUnixNano)).toBe(220_000_000n);
    expect(BigInt(server.startUnixNano) - BigInt(by('b800000000000002').startUnixNano)).toBe(10_000_000n);
    expect(view.skew).toEqual([{ invocationId: 'inv-price-1', instance: '2026/11/27/[$LATEST]p9', offsetMs: 220 }]);
  });
});

describe('journeys', () => {
  it('joins three producers and their batch consumer, with the dwell of each message', async () => {
    for (const start of [FAN_IN.producers[0]!, FAN_IN.consumer]) {
      const j = await api(c.url, `/api/traces/${start}/journey`);
      expect(j.traces.map((t: any) => t.traceId).sort()).toEqual([...FAN_IN.producers, FAN_IN.consumer].sort());
      const hops = j.edges
        .filter((e: any) => e.kind === 'message')
        .sort((a: any, b: any) => a.messageId.localeCompare(b.messageId));
      expect(hops.map((h: any) => [h.messageId, h.fromTraceId, h.toTraceId, h.dwellMs, h.destination])).toEqual([
        ['m-1', FAN_IN.producers[0], FAN_IN.consumer, 97, 'orders-queue'],
        ['m-2', FAN_IN.producers[1], FAN_IN.consumer, 102, 'orders-queue'],
        ['m-3', FAN_IN.producers[2], FAN_IN.consumer, 107, 'orders-queue'],
      ]);
      expect(j.edges.filter((e: any) => e.kind === 'link')).toHaveLength(3);
      expect(j.truncated).toBe(false);
    }
  });

  it('stitches a hop by message id alone when no context travelled', async () => {
    const j = await api(c.url, `/api/traces/${'d0'.repeat(16)}/journey`);
    expect(j.traces.map((t: any) => t.rootService)).toEqual(['upload-api', 'thumbnail-fn']);
    expect(j.edges).toEqual([
      expect.objectContaining({
        kind: 'message',
        messageId: 'evt-77',
        dwellMs: 235,
        destination: 'uploads-bus',
        toTraceId: 'e1'.repeat(16),
      }),
    ]);
  });

  it('gives a hop whose consumer began before the publish call returned a dwell of 0, not less', async () => {
    // a push subscription delivered the message 10 ms before the producer span ended
    const ms = (n: number) => String((BigInt(Date.now()) - 60_000n + BigInt(n)) * 1_000_000n);
    const span = (traceId: string, spanId: string, kind: number, from: number, to: number) => ({
      traceId,
      spanId,
      name: kind === 4 ? 'order-events send' : 'order-events process',
      kind,
      startTimeUnixNano: ms(from),
      endTimeUnixNano: ms(to),
      attributes: [
        { key: 'messaging.message.id', value: { stringValue: 'push-1' } },
        { key: 'messaging.destination.name', value: { stringValue: 'order-events' } },
      ],
    });
    const service = (name: string, spans: unknown[]) => ({
      resource: { attributes: [{ key: 'service.name', value: { stringValue: name } }] },
      scopeSpans: [{ spans }],
    });
    await send(c.url, {
      resourceSpans: [
        service('order-worker', [span('9a'.repeat(16), '9a00000000000001', 4, 0, 50)]),
        service('fulfilment', [span('9b'.repeat(16), '9b00000000000001', 5, 40, 60)]),
      ],
    });
    await c.drained();
    const j = await api(c.url, `/api/traces/${'9a'.repeat(16)}/journey`);
    expect(j.edges).toEqual([expect.objectContaining({ kind: 'message', messageId: 'push-1', dwellMs: 0 })]);
  });

  it('stops at maxTraces and says so', async () => {
    const j = await api(c.url, `/api/traces/${FAN_IN.consumer}/journey?maxTraces=2`);
    expect(j.traces).toHaveLength(2);
    expect(j.truncated).toBe(true);
  });
});

describe('invocations and cost', () => {
  it('records the batch invocation with cold start, billed duration, memory and cost, and rolls cost up', async () => {
    const view = await api(c.url, `/api/traces/${FAN_IN.consumer}`);
    expect(view.invocations).toHaveLength(1);
    const inv = view.invocations[0];
    expect(inv).toMatchObject({
      invocationId: 'inv-batch-1',
      functionName: 'order-worker',
      instance: '2026/11/27/[$LATEST]w1',
      trigger: 'pubsub',
      coldStart: true,
      initDurationMs: 120.5,
      durationMs: 60,
      billedDurationMs: 60,
      memoryMb: 512,
      outcome: 'ok',
    });
    // 60 ms at 0.5 GB: 0.03 GB-s at the published price, plus one request
    expect(Number(inv.costUsd)).toBeCloseTo(0.03 * 0.0000166667 + 0.0000002, 12);
    expect(view.summary.costUsd).toBeCloseTo(Number(inv.costUsd), 12);
    const j = await api(c.url, `/api/traces/${FAN_IN.consumer}/journey`);
    expect(j.costUsd).toBeCloseTo(Number(inv.costUsd), 12);
  });
});

describe('late spans', () => {
  it('keeps the trace summary right when a span arrives after the summary was read', async () => {
    const f = load('late-span-arrives-after-summary');
    await send(c.url, f.batches[0]);
    await c.drained();
    const trace = 'c9'.repeat(16);
    const before = await api(c.url, `/api/traces/${trace}`);
    expect(before.summary).toMatchObject({ spanCount: 2, errorCount: 0, services: ['gateway-fn'], durationMs: 50 });
    expect(before.spans[2]).toBeUndefined();

    await send(c.url, f.batches[1]);
    await c.drained();
    const after = await api(c.url, `/api/traces/${trace}`);
    expect(after.summary).toMatchObject({
      spanCount: 3,
      errorCount: 1,
      services: ['gateway-fn', 'ledger-fn'],
      durationMs: 98,
      invocations: 2,
    });
    expect(after.spans.map((s: any) => s.name)).toEqual(['POST /pay', 'call ledger', 'POST /ledger']);
    const errors = await api(c.url, '/api/traces?status=error&service=ledger-fn');
    expect(errors.traces.map((t: any) => t.traceId)).toEqual([trace]);
  });
});

describe('the trace view and the tables agree', () => {
  it("derives each trace's invocations and summary from its spans as the views fill the tables", async () => {
    const window = `start=${Date.now() - 86_400_000}&end=${Date.now() + 60_000}`;
    const { traces } = await api(c.url, `/api/traces?${window}&limit=100`);
    expect(traces.length).toBeGreaterThanOrEqual(SHAPES.length);
    const money = (o: any) => ({ ...o, costUsd: Number(Number(o.costUsd).toPrecision(12)) });
    const byId = (a: any, b: any) => (a.invocationId < b.invocationId ? -1 : 1);
    let invocations = 0;
    for (const summary of traces) {
      const view = await api(c.url, `/api/traces/${summary.traceId}`);
      expect(money(view.summary), summary.traceId).toEqual(money(summary));
      const stored = await api(c.url, `/api/invocations?${window}&traceId=${summary.traceId}`);
      expect(view.invocations.map(money).sort(byId), summary.traceId).toEqual(stored.invocations.map(money).sort(byId));
      invocations += view.invocations.length;
    }
    expect(invocations).toBeGreaterThan(5);
  });
});
