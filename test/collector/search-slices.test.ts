import { describe, expect, it } from 'vitest';
import { slicesFromEnd } from '../../collector/src/query/trace-search.js';

const MIN = 60_000_000_000n;

describe('slicesFromEnd (newest-first search)', () => {
  it('grows from a twelfth of the window back from its end, four times each step, to its start', () => {
    const end = 1_000_000n * MIN;
    const start = end - 60n * MIN;
    expect(slicesFromEnd(start, end, { wholeWindow: false }).map((s) => (end - s) / MIN)).toEqual([5n, 20n, 60n]);
  });

  it('starts at least a minute back, and from the cursor when it is below the end', () => {
    const end = 1_000_000n * MIN;
    expect(slicesFromEnd(end - 6n * MIN, end, { wholeWindow: false }).map((s) => (end - s) / MIN)).toEqual([
      1n,
      4n,
      6n,
    ]);
    const cursor = String(end - 30n * MIN);
    expect(slicesFromEnd(end - 60n * MIN, end, { wholeWindow: false, cursor }).map((s) => (end - s) / MIN)).toEqual([
      35n,
      50n,
      60n,
    ]);
  });

  it('searches the whole window at once when sorted by duration', () => {
    expect(slicesFromEnd(0n, 100n * MIN, { wholeWindow: true })).toEqual([0n]);
  });
});
