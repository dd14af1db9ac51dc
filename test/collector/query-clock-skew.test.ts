import { describe, expect, it } from 'vitest';
import { correctSkew } from '../../collector/src/query/clock-skew.js';
import type { StoredSpan } from '../../collector/src/stitch/span-model.js';

// The clock-skew rule on its own (the pages that draw it are in test/browser/skew.test.ts):
// parent/child pairs across clocks, with or without invocation ids, times in ms.
const MS = 1_000_000n;

function span(
  spanId: string,
  parentSpanId: string,
  service: string,
  kind: string,
  startMs: number,
  durationMs: number,
  attributes: Record<string, string> = {},
): StoredSpan {
  return {
    traceId: 't',
    spanId,
    parentSpanId,
    name: spanId,
    kind,
    service,
    startNs: BigInt(startMs) * MS,
    durationNs: BigInt(durationMs) * MS,
    attributes,
    resource: {},
    scope: { name: '', version: '' },
    statusCode: 'Unset',
    statusMessage: '',
    events: [],
    links: [],
  };
}

const shiftMs = (offsets: Map<string, bigint>, id: string) => Number((offsets.get(id) ?? 0n) / MS);

describe('clock-skew correction', () => {
  it('centres a shorter child that starts before its parent and moves its same-clock descendants with it', () => {
    const { offsets, shifts } = correctSkew([
      span('call', '', 'a', 'Client', 1000, 100),
      span('srv', 'call', 'b', 'Server', -1000, 40),
      span('db', 'srv', 'b', 'Client', -990, 10),
    ]);
    expect(shiftMs(offsets, 'srv')).toBe(2030);
    expect(shiftMs(offsets, 'db')).toBe(2030);
    expect(offsets.has('call')).toBe(false);
    expect(shifts).toEqual([
      { spanId: 'srv', service: 'b', instance: 'b', invocationId: undefined, offsetNs: 2030n * MS, spans: 2 },
    ]);
  });

  it('leaves a child that fits its parent, and spans of one clock, as they are', () => {
    const { offsets } = correctSkew([
      span('call', '', 'a', 'Client', 0, 100),
      span('srv', 'call', 'b', 'Server', 10, 80),
      // same service and instance: one clock, nothing to compare even though it starts early
      span('init', 'srv', 'b', 'Internal', -50, 40),
    ]);
    expect(offsets.size).toBe(0);
  });

  it('moves a longer child only to its parent start, and only when it starts before it', () => {
    const early = correctSkew([span('p', '', 'a', 'Client', 100, 10), span('c', 'p', 'b', 'Server', 40, 50)]);
    expect(shiftMs(early.offsets, 'c')).toBe(60);
    const late = correctSkew([span('p', '', 'a', 'Client', 100, 10), span('c', 'p', 'b', 'Server', 105, 50)]);
    expect(late.offsets.size).toBe(0);
  });

  it('lets a consumer outlive its producer and moves one that starts before it to its end', () => {
    const fine = correctSkew([span('p', '', 'a', 'Producer', 0, 10), span('c', 'p', 'b', 'Consumer', 50, 500)]);
    expect(fine.offsets.size).toBe(0);
    const early = correctSkew([span('p', '', 'a', 'Producer', 0, 10), span('c', 'p', 'b', 'Consumer', -300, 500)]);
    expect(shiftMs(early.offsets, 'c')).toBe(310);
  });

  it('compares a grandchild of a third clock with its parent where it was moved to', () => {
    const { offsets } = correctSkew([
      span('a1', '', 'a', 'Client', 0, 100),
      span('b1', 'a1', 'b', 'Server', -500, 60),
      span('b2', 'b1', 'b', 'Client', -490, 40),
      // c's clock agrees with b's: once b moves, c must move the same way to stay inside b2
      span('c1', 'b2', 'c', 'Server', -480, 20),
    ]);
    expect(shiftMs(offsets, 'b1')).toBe(520);
    expect(shiftMs(offsets, 'c1')).toBe(520);
  });

  it('tells two instances of one service apart by faas.instance', () => {
    const { shifts } = correctSkew([
      span('p', '', 'fn', 'Client', 0, 100, { 'faas.instance': 'i-1' }),
      span('c', 'p', 'fn', 'Server', -200, 20, { 'faas.instance': 'i-2', 'faas.invocation_id': 'inv-2' }),
    ]);
    expect(shifts).toEqual([
      { spanId: 'c', service: 'fn', instance: 'i-2', invocationId: 'inv-2', offsetNs: 240n * MS, spans: 1 },
    ]);
  });
});
