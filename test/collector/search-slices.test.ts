import { describe, expect, it } from 'vitest';
import { slicesFromEnd } from '../../collector/src/query/trace-search.js';

const MIN = 60_000_000_000n;
/** minutes back from `top` of each slice start */
const back = (top: bigint, slices: bigint[]) => slices.map((s) => Number((top - s) / MIN));

describe('slicesFromEnd (newest-first search)', () => {
  const end = 1_000_000n * 10n * MIN + 7n * MIN; // 7 minutes into a ten-minute bucket

  it('starts at the top bucket, grows four times on bucket boundaries, and ends at the window start', () => {
    expect(back(end, slicesFromEnd(end - 60n * MIN, end, { wholeWindow: false }))).toEqual([7, 37, 60]);
    expect(back(end, slicesFromEnd(end - 24n * 60n * MIN, end, { wholeWindow: false }))).toEqual([
      7, 37, 117, 457, 1440,
    ]);
  });

  it('takes the bucket before too when the top one holds under five minutes', () => {
    const early = end - 5n * MIN; // 2 minutes into its bucket
    expect(back(early, slicesFromEnd(early - 60n * MIN, early, { wholeWindow: false }))).toEqual([12, 52, 60]);
  });

  it('starts from the cursor when it is below the end', () => {
    const cursor = end - 30n * MIN; // 7 minutes into its bucket
    expect(back(cursor, slicesFromEnd(end - 60n * MIN, end, { wholeWindow: false, cursor: String(cursor) }))).toEqual([
      7, 30,
    ]);
  });

  it('searches the whole window at once when sorted by duration', () => {
    expect(slicesFromEnd(0n, 100n * MIN, { wholeWindow: true })).toEqual([0n]);
  });
});
