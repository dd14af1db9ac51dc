import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/cleanup.js';
import { crashSoak } from './crash-soak.mjs';

// `npm run soak`'s crash scenario, short: the built collector SIGKILLed 3 times while senders
// keep sending, restarted on the same data directory; then the store is counted by span id.
describe('soak, short: SIGKILLs during ingest', () => {
  it('stores every acknowledged span exactly once after 3 SIGKILLs and restarts', async () => {
    const r = await crashSoak({
      dataDir: tempDir('fntrace-soak-crash-'),
      kills: 3,
      rate: 10_000,
      minUpMs: 500,
      maxUpMs: 1_500,
    });
    expect(r.kills).toBe(3);
    expect(r.counts.ackedSpans).toBeGreaterThan(0);
    expect(r.counts.lost).toBe(0);
    expect(r.counts.duplicated).toBe(0);
    expect(r.counts.foreign).toBe(0);
    // only acknowledgements and connections cut by a kill
    expect(Object.keys(r.statuses).filter((s) => s !== '200' && s !== '0')).toEqual([]);
    expect(r.exit.code).toBe(0);
  }, 120_000);
});
