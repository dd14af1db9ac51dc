/**
 * The text forms of OTLP's 64-bit numbers, as the stored rows hold them: nanosecond times
 * (`Timestamp`, `Events.Timestamp`, ...) and unsigned counts (`Duration`). The protobuf path
 * holds a fixed64 as its two 32-bit halves (`hi·2^32 + lo`) and never builds a BigInt for the
 * common case; the OTLP/JSON path holds BigInts. Both end in the same text.
 */

const TWO_32 = 0x1_0000_0000;
const INT64_MAX = 2n ** 63n - 1n;

/**
 * The latest time a `DateTime64(9)` column holds: 2^63 − 1 ns after the epoch
 * (2262-04-11T23:47:16.854775807Z). A later fixed64 time would fail the whole insert, so it is
 * stored as this.
 */
export const LATEST_TIME = '9223372036.854775807';

/**
 * Timestamp form of a time below 2^63 ns given as whole seconds and nanoseconds:
 * `"<seconds>.<9-digit nanoseconds>"`, seconds zero-padded to 10 digits. The padding matters:
 * with `date_time_input_format = 'best_effort'` ClickHouse reads a shorter string such as
 * `"1.5"` as a date and refuses it (and times before 2001-09-09 do occur: 0 for "unknown").
 */
export function timeText(sec: number, nano: number): string {
  return `${String(sec).padStart(10, '0')}.${String(nano).padStart(9, '0')}`;
}

/**
 * A fixed64 nanosecond count split into whole seconds and nanoseconds, exactly, in double
 * arithmetic. The result object is the caller's (reused for every span: no allocation). With
 * hi = hh·2^16 + hl, 2^48 = 281474·10^9 + 976710656 and 2^32 = 4·10^9 + 294967296,
 *   ns = 10^9·(281474·hh + 4·hl) + (976710656·hh + 294967296·hl + lo)
 * where the last term stays below 2^47, so every step is an exact integer. Below 2^63 ns
 * only; callers store later times as {@link LATEST_TIME}.
 *
 * NOTE: writes `into` and returns it.
 */
export function splitTime(lo: number, hi: number, into: { sec: number; nano: number }): { sec: number; nano: number } {
  const hh = hi >>> 16;
  const hl = hi & 0xffff;
  const rest = 976710656 * hh + 294967296 * hl + lo;
  const restSec = Math.floor(rest / 1e9);
  into.nano = rest - restSec * 1e9;
  into.sec = 281474 * hh + 4 * hl + restSec;
  return into;
}

const scratch = { sec: 0, nano: 0 };

/** Timestamp form of the nanosecond count `hi·2^32 + lo`; from 2^63 ns on, {@link LATEST_TIME}. */
export function timeString(lo: number, hi: number): string {
  if (hi >= 0x8000_0000) return LATEST_TIME;
  splitTime(lo, hi, scratch);
  return timeText(scratch.sec, scratch.nano);
}

/** {@link timeString} of a BigInt nanosecond count (OTLP/JSON). */
export function timeStringOf(ns: bigint): string {
  if (ns > INT64_MAX) return LATEST_TIME;
  return timeText(Number(ns / 1_000_000_000n), Number(ns % 1_000_000_000n));
}

/** Decimal text of the unsigned 64-bit integer `hi·2^32 + lo`. */
export function uint64Text(lo: number, hi: number): string {
  if (hi < 0x20_0000) return String(hi * TWO_32 + lo);
  return ((BigInt(hi) << 32n) | BigInt(lo)).toString();
}

/** Decimal text of the two's-complement signed 64-bit integer with halves `lo`, `hi`. */
export function int64Text(lo: number, hi: number): string {
  if (hi < 0x20_0000) return String(hi * TWO_32 + lo);
  return BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo)).toString();
}

/** Duration column: end − start in nanoseconds, `'0'` when end < start. */
export function durationString(sLo: number, sHi: number, eLo: number, eHi: number): string {
  let lo = eLo - sLo;
  let hi = eHi - sHi;
  if (lo < 0) {
    lo += TWO_32;
    hi -= 1;
  }
  return hi < 0 ? '0' : uint64Text(lo, hi);
}
