import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/cleanup.js';
import { overloadSoak } from './overload-soak.mjs';

// `npm run soak`'s overload scenario, short: 2× capacity for 10 s, with a 4 MiB spool so that
// the quota is reached in seconds whatever the machine's speed: refusals are 429/503 with
// Retry-After, RSS stays within the bound, and afterwards everything acknowledged is stored once.
describe('soak, short: 2× capacity', () => {
  it('refuses with Retry-After, stays within its memory bound and recovers fully', async () => {
    const r = await overloadSoak({
      dataDir: tempDir('fntrace-soak-overload-'),
      durationMs: 10_000,
      spoolMaxBytes: 4 * 2 ** 20,
      everyMs: 60_000,
    });
    expect(r.statuses['503']).toBeGreaterThan(0);
    expect(Object.keys(r.statuses).filter((s) => !['200', '429', '503'].includes(s))).toEqual([]);
    expect(r.withoutRetryAfter).toBe(0);
    expect(r.memory.peakRssBytes).toBeLessThanOrEqual(r.rssBoundBytes);
    expect([r.readyAfter, r.freshStatus]).toEqual([200, 200]);
    expect(r.counts.ackedSpans).toBeGreaterThan(0);
    expect(r.counts.lost).toBe(0);
    expect(r.counts.duplicated).toBe(0);
  }, 120_000);
});
