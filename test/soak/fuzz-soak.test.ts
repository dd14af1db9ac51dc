import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/cleanup.js';
import { fuzzSoak } from './fuzz-soak.mjs';

describe('soak, short: hostile bodies and API parameters', () => {
  it('answers no 5xx to 2,000 mutated OTLP bodies nor to any API parameter, stays ready, then stores spans', async () => {
    const r = await fuzzSoak({
      dataDir: tempDir('fntrace-soak-fuzz-'),
      bodies: 2_000,
      perParameter: 5,
      failuresDir: tempDir('fntrace-soak-fuzz-failures-'),
    });
    expect(r.bodies).toBe(2_000);
    expect(r.otlp.fiveHundreds).toBe(0);
    // every answer a client's mistake can get, and some 200s
    expect(Object.keys(r.otlp.byStatus).filter((s) => !['200', '400', '413', '415'].includes(s))).toEqual([]);
    expect(r.otlp.byStatus['200']).toBeGreaterThan(0);
    expect(r.api.operations).toBeGreaterThan(10);
    expect(r.failures).toEqual([]);
    expect(r.ready.notReady).toBe(0);
    expect(r.alive).toBe(true);
    expect(r.after.readableMs).not.toBeNaN(); // the spans were read back (no time limit here)
    expect(r.exit.code).toBe(0);
  }, 120_000);
});
