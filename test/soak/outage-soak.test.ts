import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/cleanup.js';
import { startClickHouseHttp } from '../helpers/clickhouse-http.js';
import { outageSoak } from './outage-soak.mjs';

// `npm run soak`'s outage scenario, short: the collector's ClickHouse server (--clickhouse-url,
// the test server in front of the real engine) fails every request for 10 s — 503s, then reset
// connections — while senders keep sending; then it recovers and is counted by span id.
describe('soak, short: storage failing, then back', () => {
  it('loses nothing acknowledged while its ClickHouse server fails for 10 s', async () => {
    const r = await outageSoak({
      dataDir: tempDir('fntrace-soak-outage-'),
      startClickHouse: startClickHouseHttp,
      outageMs: 10_000,
      beforeMs: 1_000,
      afterMs: 1_000,
      everyMs: 60_000,
    });
    expect(r.storageErrors).toBeGreaterThan(0); // the inserts did fail
    expect(r.ackedIn.outage).toBeGreaterThan(0); // and the spool took requests meanwhile
    expect(r.counts.lost).toBe(0);
    expect(r.counts.duplicated).toBe(0);
    expect(r.counts.foreign).toBe(0);
    expect(r.withoutRetryAfter).toBe(0);
    expect(r.readyAfter).toBe(200);
  }, 120_000);
});
