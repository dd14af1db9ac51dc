import { describe, expect, it } from 'vitest';
import type { ApiSpan, Invocation, JourneyEdge, TraceView } from '../../dashboards/src/view-model/types.js';
import { buildWaterfall, spanKey, toggle, visibleRange } from '../../dashboards/src/view-model/waterfall.js';

// The waterfall's rows, from stitched traces as the API returns them.
const span = (
  traceId: string,
  spanId: string,
  depth: number,
  startMs: number,
  durationMs: number,
  extra: Partial<ApiSpan> = {},
): ApiSpan => ({
  traceId,
  spanId,
  parentSpanId: '',
  name: spanId,
  kind: 'Server',
  service: 'svc',
  startMs,
  durationMs,
  durationNs: String(durationMs * 1e6),
  startUnixNano: '0',
  rawStartUnixNano: '0',
  status: { code: 'Unset', message: '' },
  attributes: {},
  resource: {},
  scope: { name: '', version: '' },
  events: [],
  links: [],
  depth,
  childCount: 0,
  ...extra,
});
const invocation = (id: string, extra: Partial<Invocation> = {}): Invocation => ({
  startUnixNano: '0',
  invocationId: id,
  traceId: '',
  functionName: 'fn',
  functionVersion: '$LATEST',
  instance: 'i-1',
  spanId: '',
  trigger: 'http',
  coldStart: false,
  initDurationMs: 0,
  durationMs: 10,
  billedDurationMs: 10,
  memoryMb: 128,
  costUsd: 0,
  outcome: 'ok',
  triggerSource: '',
  correlationId: '',
  ...extra,
});

const NO_ORPHANS = { platform: 0, pending: 0, lost: 0 };

// producer trace P: request → send (producer, ends at 30); consumer trace C: batch → record at 100
const P: TraceView = {
  traceId: 'p',
  orphans: NO_ORPHANS,
  skew: [],
  clockShifts: [],
  invocations: [invocation('inv-p', { coldStart: true, initDurationMs: 150 })],
  spans: [
    span('p', 'req', 0, 0, 40, {
      invocationId: 'inv-p',
      childCount: 1,
      resource: { 'cloud.provider': 'cloudflare', 'cloud.platform': 'cloudflare.workers' },
    }),
    span('p', 'send', 1, 20, 10, { kind: 'Producer', invocationId: 'inv-p' }),
  ],
};
const C: TraceView = {
  traceId: 'c',
  orphans: NO_ORPHANS,
  skew: [],
  clockShifts: [],
  invocations: [invocation('inv-c', { outcome: 'timeout' })],
  spans: [
    span('c', 'batch', 0, 90, 50, { invocationId: 'inv-c', childCount: 1, resource: { 'cloud.provider': 'aws' } }),
    span('c', 'record', 1, 100, 10, { kind: 'Consumer', invocationId: 'inv-c', childCount: 1 }),
    span('c', 'db', 2, 102, 5, { kind: 'Client', invocationId: 'inv-c', skewAdjustedMs: 40 }),
  ],
};
const hop: JourneyEdge = {
  kind: 'message',
  fromTraceId: 'p',
  fromSpanId: 'send',
  toTraceId: 'c',
  toSpanId: 'record',
  messageId: 'm-1',
  destination: 'q',
  dwellMs: 70,
};

describe('buildWaterfall', () => {
  it('lays a journey out trace by trace, with invocation bands and a dwell bar for the hop', () => {
    const w = buildWaterfall([C, P], [hop], { collapsed: new Set(), skew: true });
    expect(
      w.rows.map(
        (r) =>
          `${r.kind}:${r.kind === 'span' ? r.span.spanId : r.kind === 'band' ? r.invocation.invocationId : r.traceId}`,
      ),
    ).toEqual([
      'trace:p',
      'band:inv-p',
      'span:req',
      'span:send',
      'trace:c',
      'band:inv-c',
      'span:batch',
      'hop:c',
      'span:record',
      'span:db',
    ]);
    const dwell = w.rows.find((r) => r.kind === 'hop')!;
    expect([dwell.startMs, dwell.durationMs]).toEqual([30, 70]); // producer end → consumer start
    expect([w.startMs, w.endMs]).toEqual([0, 140]);
    const band = w.rows.find((r) => r.kind === 'band' && r.invocation.invocationId === 'inv-p')!;
    expect(band.kind === 'band' && band.invocation.coldStart).toBe(true);
    // each hop says where it ran: cloud.platform in words, else cloud.provider
    expect(w.rows.flatMap((r) => (r.kind === 'band' ? [r.platform] : []))).toEqual(['Cloudflare Workers', 'aws']);
  });

  it('hides the descendants of a collapsed span, and only those', () => {
    const collapsed = new Set([spanKey('c', 'record')]);
    const w = buildWaterfall([P, C], [], { collapsed, skew: true });
    const ids = w.rows.filter((r) => r.kind === 'span').map((r) => (r.kind === 'span' ? r.span.spanId : ''));
    expect(ids).toEqual(['req', 'send', 'batch', 'record']);
    const record = w.rows.find((r) => r.key === spanKey('c', 'record'));
    expect(record).toMatchObject({ collapsible: true, collapsed: true });
  });

  it('shows raw times when skew correction is off', () => {
    const on = buildWaterfall([C], [], { collapsed: new Set(), skew: true });
    const off = buildWaterfall([C], [], { collapsed: new Set(), skew: false });
    const db = (w: typeof on) => w.rows.find((r) => r.key === spanKey('c', 'db'))!;
    expect(db(on)).toMatchObject({ startMs: 102, skewMs: 40 });
    expect(db(off)).toMatchObject({ startMs: 62, skewMs: undefined });
  });

  it('keeps orphans under their virtual parents', () => {
    const T: TraceView = {
      traceId: 't',
      orphans: { ...NO_ORPHANS, lost: 1 },
      skew: [],
      clockShifts: [],
      invocations: [],
      spans: [
        {
          virtual: true,
          spanId: 'missing',
          depth: 0,
          orphanClass: 'lost',
          label: 'parent never received',
          childCount: 1,
        },
        span('t', 'o', 1, 5, 5),
      ],
    };
    const w = buildWaterfall([T], [], { collapsed: new Set(), skew: true });
    expect(w.rows.map((r) => r.kind)).toEqual(['trace', 'orphan', 'span']);
    const hidden = buildWaterfall([T], [], { collapsed: new Set([spanKey('t', 'missing')]), skew: true });
    expect(hidden.rows.map((r) => r.kind)).toEqual(['trace', 'orphan']);
  });
});

describe('virtual scrolling and collapse state', () => {
  it('renders only the rows in view, plus a margin', () => {
    expect(visibleRange(10_000, 24, 0, 600, 10)).toEqual([0, 35]);
    expect(visibleRange(10_000, 24, 24_000, 600, 10)).toEqual([990, 1035]);
    expect(visibleRange(10_000, 24, 240_000, 600, 10)).toEqual([9990, 10_000]);
  });

  it('toggles without mutating the previous state', () => {
    const a = new Set<string>();
    const b = toggle(a, 'x');
    expect([a.has('x'), b.has('x'), toggle(b, 'x').has('x')]).toEqual([false, true, false]);
  });

  it('builds 10,000 rows for a 10,000-span trace', () => {
    const spans = Array.from({ length: 10_000 }, (_, i) =>
      span('big', `s${i}`, i === 0 ? 0 : 1, i, 5, i === 0 ? { childCount: 9999 } : {}),
    );
    const w = buildWaterfall(
      [{ traceId: 'big', orphans: NO_ORPHANS, skew: [], clockShifts: [], invocations: [], spans }],
      [],
      {
        collapsed: new Set(),
        skew: true,
      },
    );
    expect(w.rows).toHaveLength(10_001);
    const collapsed = buildWaterfall(
      [{ traceId: 'big', orphans: NO_ORPHANS, skew: [], clockShifts: [], invocations: [], spans }],
      [],
      {
        collapsed: new Set([spanKey('big', 's0')]),
        skew: true,
      },
    );
    expect(collapsed.rows).toHaveLength(2);
  });

  it("draws a cold start's init span as the phase before its invocation, and widens the band over it", () => {
    const t: TraceView = {
      traceId: 'cold',
      orphans: NO_ORPHANS,
      skew: [],
      clockShifts: [],
      invocations: [invocation('inv-1', { coldStart: true, initDurationMs: 180 })],
      spans: [
        span('cold', 'fn', 0, 1000, 50, { invocationId: 'inv-1', childCount: 2 }),
        span('cold', 'init', 1, 820, 180, { parentSpanId: 'fn', attributes: { 'fntrace.init': 'true' } }),
        span('cold', 'db', 1, 1010, 20, { parentSpanId: 'fn', kind: 'Client', invocationId: 'inv-1' }),
      ],
    };
    const w = buildWaterfall([t], [], { collapsed: new Set(), skew: true });
    expect(w.rows.map((r) => [r.kind, r.kind === 'span' ? r.span.spanId : '', 'depth' in r ? r.depth : -1])).toEqual([
      ['trace', '', -1],
      ['band', '', 0],
      ['span', 'init', 0],
      ['span', 'fn', 0],
      ['span', 'db', 1],
    ]);
    expect(w.rows[1]).toMatchObject({ startMs: 820, durationMs: 230 });
    expect(w.rows[2]).toMatchObject({ phase: 'init' });
  });
});
