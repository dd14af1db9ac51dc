import { parseDuration } from '../config/duration.js';
import { badQuery } from '../errors.js';

/**
 * Time ranges of API requests: `start`/`end` as ISO-8601 or epoch milliseconds, or
 * `since` as a duration back from now (`15m`, `1h`, `7d`). Default: the last hour.
 * Returned as nanosecond strings for `DateTime64(9)` parameters.
 */
export interface TimeRange {
  startNs: bigint;
  endNs: bigint;
}

export function parseInstant(value: string, name: string): bigint {
  const v = value.trim();
  if (/^\d{1,16}$/.test(v)) return BigInt(v) * 1_000_000n;
  const ms = Date.parse(v);
  if (Number.isNaN(ms)) throw badQuery(`${name} must be ISO-8601 or epoch milliseconds, got ${JSON.stringify(value)}`);
  return BigInt(ms) * 1_000_000n;
}

/** Milliseconds of the duration parameter `name` (`since`, `step`). */
export function durationParam(value: string, name: string): number {
  const ms = parseDuration(value);
  if (ms === undefined)
    throw badQuery(`${name} must look like 30s, 15m, 1h or 7d (at most 10,000 years), got ${JSON.stringify(value)}`);
  return ms;
}

/**
 * What DateTime64(9) holds: 1900-01-01T00:00:00Z to 2262-04-11T23:47:16.854775807Z. A range
 * reaching past either end (`since=100000d`, a year 9999 `end`) is cut to it: nothing is
 * stored outside it, and the store refuses such a parameter.
 */
const FIRST_NS = -2_208_988_800_000_000_000n;
const LAST_NS = 9_223_372_036_854_775_807n;
const held = (ns: bigint) => (ns < FIRST_NS ? FIRST_NS : ns > LAST_NS ? LAST_NS : ns);

export function timeRange(q: { start?: string; end?: string; since?: string }, now = Date.now()): TimeRange {
  const endNs = q.end ? parseInstant(q.end, 'end') : BigInt(now) * 1_000_000n;
  let startNs: bigint;
  if (q.start) startNs = parseInstant(q.start, 'start');
  else startNs = endNs - BigInt(Math.round(durationParam(q.since ?? '1h', 'since') * 1e6));
  if (startNs > endNs) throw badQuery('start must not be after end');
  return { startNs: held(startNs), endNs: held(endNs) };
}

/** `"<seconds>.<nanoseconds>"`, the form DateTime64(9) parameters take exactly. */
export function nsParam(ns: bigint): string {
  const neg = ns < 0n;
  const abs = neg ? -ns : ns;
  return `${neg ? '-' : ''}${abs / 1_000_000_000n}.${String(abs % 1_000_000_000n).padStart(9, '0')}`;
}
