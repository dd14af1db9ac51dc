import { describe, expect, it } from 'vitest';
import { align } from '../../dashboards/src/pages/services.js';

// Series of different groups share one x axis; a group without a bucket shows a gap.
describe('align', () => {
  it('puts every group on the union of buckets', () => {
    const m = {
      stepSeconds: 60,
      series: [
        {
          group: 'a',
          points: [
            { t: 60_000, p95Ms: 5 },
            { t: 180_000, p95Ms: 7 },
          ],
        },
        { group: 'b', points: [{ t: 120_000, p95Ms: 9 }] },
      ],
    } as never;
    const r = align(m, (p) => p.p95Ms);
    expect(r.x).toEqual([60, 120, 180]);
    expect(r.xRange).toBeUndefined();
    expect(r.series.map((s) => [s.label, s.values])).toEqual([
      ['a', [5, null, 7]],
      ['b', [null, 9, null]],
    ]);
  });

  it('spans the window asked for, not only the buckets that have data', () => {
    const m = {
      stepSeconds: 60,
      start: 0,
      end: 3_600_000,
      series: [{ group: 'a', points: [{ t: 60_000, p95Ms: 5 }] }],
    };
    expect(align(m as never, (p) => p.p95Ms).xRange).toEqual([0, 3600]);
  });
});
