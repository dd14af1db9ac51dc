import { describe, expect, it } from 'vitest';
import { journeyTracesToDraw, mergeLogs, ofSpan, shownFacts } from '../../dashboards/src/view-model/shown-facts.js';
import type { ApiSpan, Invocation, Journey, LogRecord, TraceView } from '../../dashboards/src/view-model/types.js';

// The trace page header's facts describe what the waterfall draws: one trace or the journey,
// at corrected or raw times; its Logs tab merges the logs of every trace drawn.
const span = (traceId: string, spanId: string, startMs: number, durationMs: number, extra: Partial<ApiSpan> = {}) =>
  ({
    traceId,
    spanId,
    parentSpanId: '',
    name: spanId,
    kind: 'Server',
    service: `svc-${traceId}`,
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
    depth: 0,
    childCount: 0,
    ...extra,
  }) as ApiSpan;
const inv = (id: string, coldStart: boolean, costUsd: number) =>
  ({ invocationId: id, coldStart, costUsd }) as unknown as Invocation;
const view = (traceId: string, spans: ApiSpan[], invocations: Invocation[]): TraceView => ({
  traceId,
  orphans: { platform: 0, pending: 0, lost: 0 },
  skew: [],
  clockShifts: [],
  invocations,
  spans,
});
const A = view(
  'a',
  [span('a', 'r', 1000, 100), span('a', 'c', 1050, 200, { skewAdjustedMs: -150 })],
  [inv('i1', true, 0.000002)],
);
const B = view(
  'b',
  [span('b', 'r', 1500, 100, { status: { code: 'Error', message: 'x' } })],
  [
    inv('i2', false, 0.000001),
    inv('i1', true, 0.000002), // named by both traces: counted once
  ],
);

describe('shown facts', () => {
  it('counts one trace, or every trace drawn', () => {
    expect(shownFacts([A], true)).toMatchObject({ traces: 1, spans: 2, errors: 0, invocations: 1, coldStarts: 1 });
    const both = shownFacts([A, B], true);
    expect(both).toMatchObject({ traces: 2, spans: 3, errors: 1, invocations: 2, coldStarts: 1 });
    expect(both.costUsd).toBeCloseTo(0.000003, 12);
    expect(both.services).toEqual(['svc-a', 'svc-b']);
    expect(both).toMatchObject({ startMs: 1000, durationMs: 600 });
  });

  it('times the trace as drawn: corrected, or raw with correction off', () => {
    // corrected: the child ends at 1250; raw it started 150 ms later and ends at 1400
    expect(shownFacts([A], true)).toMatchObject({ startMs: 1000, durationMs: 250 });
    expect(shownFacts([A], false)).toMatchObject({ startMs: 1000, durationMs: 400 });
  });
});

describe('journey logs', () => {
  const log = (traceId: string, spanId: string, t: number): LogRecord =>
    ({ traceId, spanId, timeUnixNano: String(t), body: `${traceId}${t}` }) as LogRecord;
  it("merges the logs of every trace in time order, and knows the selected span's lines", () => {
    const merged = mergeLogs([
      [log('a', 's1', 10), log('a', 's2', 30)],
      [log('b', 's1', 20), log('b', 's1', 30)],
    ]);
    expect(merged.map((l) => l.body)).toEqual(['a10', 'b20', 'a30', 'b30']);
    expect(merged.filter((l) => ofSpan(l, 'b:s1')).map((l) => l.body)).toEqual(['b20', 'b30']);
    expect(merged.some((l) => ofSpan(l, undefined))).toBe(false);
  });
});

describe('which traces of a journey are drawn', () => {
  // a checkout (c) whose message went into a batch: the batch worker's invocation is in
  // trace w, linked to c and to eight older checkouts (o1..o8) of the same batch; f is a
  // trace w's message started
  const older = Array.from({ length: 8 }, (_, i) => `o${i + 1}`);
  const link = (from: string, to: string) => ({
    kind: 'link',
    fromTraceId: from,
    fromSpanId: 'p',
    toTraceId: to,
    toSpanId: 'c',
  });
  const journey = {
    traceId: 'c',
    // by start time, as the API orders them: the older checkouts first
    traces: [...older, 'c', 'w', 'f'].map((traceId) => ({ traceId })),
    edges: [...[...older, 'c'].map((o) => link(o, 'w')), link('w', 'f')],
    costUsd: 0,
    truncated: false,
  } as unknown as Journey;

  it('draws the traces nearest to the one opened first, so a page limit keeps its own hops', () => {
    expect(journeyTracesToDraw(journey, 'c', 3)).toEqual(['w', 'o1', 'o2']);
    expect(journeyTracesToDraw(journey, 'c', 20)).toEqual(['w', ...older, 'f']);
  });
  it('puts traces no edge reaches last, in start order', () => {
    const loose = { ...journey, traces: [{ traceId: 'x' }, ...journey.traces] } as unknown as Journey;
    expect(journeyTracesToDraw(loose, 'c', 20).at(-1)).toBe('x');
  });
});
