import { describe, expect, it } from 'vitest';
import { billed, bytes, cost, humanValue, plural, usd } from '../../dashboards/src/format.js';

// What the dashboard prints for money and counts.
describe('format', () => {
  it('prints small costs with three significant digits, never in exponent notation', () => {
    expect(usd(3.13e-7)).toBe('$0.000000313');
    expect(usd(0.0093)).toBe('$0.00930');
    expect(usd(0.5)).toBe('$0.50');
    expect(usd(12.345)).toBe('$12.35');
    expect(usd(0)).toBe('$0');
    expect(usd(undefined)).toBe('—');
  });

  it('says 1 span, 2 spans', () => {
    expect(plural(1, 'span')).toBe('1 span');
    expect(plural(2, 'span')).toBe('2 spans');
    expect(plural(0, 'cold start')).toBe('0 cold starts');
    expect(plural(1, 'invocation')).toBe('1 invocation');
    expect(plural(1234, 'span')).toBe('1,234 spans');
  });

  it('prints billed time in whole milliseconds', () => {
    expect(billed(4)).toBe('4 ms');
    expect(billed(27)).toBe('27 ms');
    expect(billed(1500)).toBe('1.50 s');
    expect(billed(undefined)).toBe('—');
  });

  it('prices costs under a cent per million', () => {
    expect(cost(3.08e-7)).toBe('$0.31 per million');
    expect(cost(0.0093)).toBe('$9300.00 per million');
    expect(cost(0.5)).toBe('$0.50');
    expect(cost(0)).toBe('$0');
  });

  it('reads bytes, dates and durations from what the key says', () => {
    expect(bytes(268435456)).toBe('256 MiB');
    expect(bytes(1536)).toBe('1.50 KiB');
    expect(bytes(512)).toBe('512 B');
    expect(humanValue('faas.max_memory', '268435456')).toBe('256 MiB');
    expect(humanValue('messaging.message.body.size', '2048')).toBe('2 KiB');
    expect(humanValue('fntrace.init_duration_ms', '182.5')).toBe('183 ms');
    expect(humanValue('fntrace.message.sent_timestamp_ms', '1795768215250')).toMatch(/^2026-11-27 \d\d:\d\d:15\.250$/);
    expect(humanValue('fntrace.batch.index', '3')).toBeUndefined();
    expect(humanValue('faas.max_memory', 'lots')).toBeUndefined();
  });
});
