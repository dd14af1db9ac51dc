import type { ItemRefusalReason } from './refusals.js';

/**
 * What a span or log record must be for the store to keep it until retention ends, checked
 * before the request is acknowledged: the collector's first promise is that an acknowledged
 * item is stored and readable, so whatever the store would refuse (and so wedge its spool
 * segment) or drop (its TTL) is refused here, in `partial_success`, with a named reason.
 *
 * Both ingest paths check here, with the same rules in the same order: the protobuf → spool
 * writer (proto-lines.ts) and the row decoders (otlp-proto.ts, otlp-json.ts). Times are
 * checked as the two 32-bit halves of their fixed64 value — the numbers the protobuf paths
 * already hold — against thresholds split the same way once per request, so a span costs a
 * few integer comparisons and no allocation.
 *
 * The rules, for a span (start and end time) and a log record (its time: time_unix_nano, or
 * observed_time_unix_nano when that is 0, as the logs data model says), in this order:
 *
 * | reason                   | when                                                                 |
 * | ------------------------ | -------------------------------------------------------------------- |
 * | `timestamp_zero`         | a span's start or end is 0; a log record's time and observed time are |
 * | `timestamp_out_of_range` | a time after 2106-02-07T06:28:15Z: the tables' DateTime columns (TTL, |
 * |                          | trace index) cannot hold it, and the view that adds Duration to the  |
 * |                          | start overflows (which used to fail the whole spool segment)         |
 * | `too_far_in_future`      | a time more than `--max-future-skew` ahead of the collector's clock   |
 * | `older_than_retention`   | a span's start or a log record's time more than `--retention-days`    |
 * |                          | ago (the TTL would delete it); never with `--retention-days 0`       |
 *
 * and one correction: a span whose end is before its start is stored with end = start
 * (Duration 0), and the attributes `fntrace.corrected = end_before_start` and
 * `fntrace.original_end_time_unix_nano` (the end it was sent with) say so. Clocks stepped
 * back during a span (NTP) do this to real SDKs; the rest of such a span is worth keeping.
 *
 * Strings: the protobuf paths decode UTF-8 with U+FFFD for bytes that are not UTF-8, so they
 * never yield a lone surrogate; OTLP/JSON can (`"\ud800"`), and ClickHouse refuses the whole
 * insert for one (CANNOT_PARSE_ESCAPE_SEQUENCE), so the JSON decoder passes its strings
 * through {@link wellFormed}. Everything else an item carries was tried against the engine and
 * is stored as it is: control and NUL characters, megabyte keys and values, 100,000 attributes,
 * NaN and infinities (attribute values are text), event times of 0 or past 2106 (events feed
 * no view; times past 2^63 ns are stored as the latest time DateTime64(9) holds).
 */

export type ItemKind = 'span' | 'log record';

/** One rule an item broke. Constant objects, so a request's tally keys on them. */
export interface Refusal {
  readonly action: 'refuse';
  readonly item: ItemKind;
  readonly reason: ItemRefusalReason;
  /** the rule, in words: what the item must be */
  readonly rule: string;
}

/** A documented correction an item was stored with. */
export interface Correction {
  readonly action: 'correct';
  readonly item: ItemKind;
  readonly reason: 'end_before_start';
  readonly rule: string;
}

/** What one request's items came to: refusals and corrections, by rule. */
export interface Tally {
  /** items refused (the sum of `refused`), for `partial_success.rejected_*` */
  rejected: number;
  /** one message per rule that refused or corrected items, with how many: filled by {@link finish} */
  errors: string[];
  refused: Map<Refusal, number>;
  corrected: Map<Correction, number>;
}

export function newTally(): Tally {
  return { rejected: 0, errors: [], refused: new Map(), corrected: new Map() };
}

const refusal = (item: ItemKind, reason: ItemRefusalReason, rule: string): Refusal =>
  Object.freeze({ action: 'refuse', item, reason, rule });

/**
 * What an id field held: nothing, something of the wrong length (or not hex, in JSON), the
 * all-zero id (W3C Trace Context: invalid, read as no id), or a usable id. Both decoders reduce
 * their ids to this, and the rules below go by it.
 */
export const ID_ABSENT = 0;
export const ID_BAD = 1;
export const ID_ZERO = 2;
export const ID_OK = 3;
export type IdState = typeof ID_ABSENT | typeof ID_BAD | typeof ID_ZERO | typeof ID_OK;

/** The state of an id of `len` bytes where `size` are expected; `zero` says whether its bytes are all 0. */
export function idState(len: number, size: number, zero: boolean): IdState {
  if (len === 0) return ID_ABSENT;
  if (len !== size) return ID_BAD;
  return zero ? ID_ZERO : ID_OK;
}

/** The rule a span's ids break, or `undefined`: trace and span ids must be usable, a parent empty or 8 bytes. */
export function spanIdsError(trace: IdState, span: IdState, parent: IdState): Refusal | undefined {
  if (trace !== ID_OK) return ID_REFUSALS.spanTraceId;
  if (span !== ID_OK) return ID_REFUSALS.spanSpanId;
  if (parent === ID_BAD) return ID_REFUSALS.spanParentId;
  return undefined;
}

/** The rule a log record's ids break, or `undefined`: each empty or of its size (all-zero reads as none). */
export function logIdsError(trace: IdState, span: IdState): Refusal | undefined {
  if (trace === ID_BAD) return ID_REFUSALS.logTraceId;
  if (span === ID_BAD) return ID_REFUSALS.logSpanId;
  return undefined;
}

/** Whether a link's ids are usable; a link whose are not is dropped from its span, which stays valid. */
export function linkUsable(trace: IdState, span: IdState): boolean {
  return trace === ID_OK && span === ID_OK;
}

/** Refusals for ids. */
export const ID_REFUSALS = {
  spanTraceId: refusal('span', 'invalid', 'trace_id must be 16 bytes, not all zero'),
  spanSpanId: refusal('span', 'invalid', 'span_id must be 8 bytes, not all zero'),
  spanParentId: refusal('span', 'invalid', 'parent_span_id must be empty or 8 bytes'),
  logTraceId: refusal('log record', 'invalid', 'trace_id must be empty or 16 bytes'),
  logSpanId: refusal('log record', 'invalid', 'span_id must be empty or 8 bytes'),
} as const;

/** The latest second the store's DateTime columns hold: 2^32 − 1 s, 2106-02-07T06:28:15Z. */
export const LATEST_STORABLE_SECOND = 0xffff_ffff;
const LATEST_STORABLE_NS = BigInt(LATEST_STORABLE_SECOND) * 1_000_000_000n + 999_999_999n;
const LATEST_STORABLE_TEXT = '2106-02-07T06:28:15Z';

const SPAN_ZERO = refusal('span', 'timestamp_zero', 'start_time_unix_nano and end_time_unix_nano must be set, not 0');
const LOG_ZERO = refusal(
  'log record',
  'timestamp_zero',
  'time_unix_nano or observed_time_unix_nano must be set, not both 0',
);
const SPAN_OUT_OF_RANGE = refusal(
  'span',
  'timestamp_out_of_range',
  `start and end times must be before ${LATEST_STORABLE_TEXT}, the latest time the store holds`,
);
const LOG_OUT_OF_RANGE = refusal(
  'log record',
  'timestamp_out_of_range',
  `time_unix_nano (or observed_time_unix_nano when it is 0) must be before ${LATEST_STORABLE_TEXT}, the latest time the store holds`,
);

/** The correction of a span that ends before it starts. */
export const END_BEFORE_START: Correction = Object.freeze({
  action: 'correct',
  item: 'span',
  reason: 'end_before_start',
  rule: 'end_time_unix_nano was before start_time_unix_nano; stored with end = start, the end sent in the attribute fntrace.original_end_time_unix_nano',
});
/** Attribute set on a corrected span: the correction's name. */
export const CORRECTED_KEY = 'fntrace.corrected';
/** Attribute set on a span corrected for `end_before_start`: the end it was sent with, in ns. */
export const ORIGINAL_END_KEY = 'fntrace.original_end_time_unix_nano';

/**
 * The thresholds one request's items are checked against: nanosecond times as the halves of
 * their fixed64 (`hi·2^32 + lo`). Made per request by {@link ItemRules.at}.
 */
export interface TimeWindow {
  /** false: no time checks and no correction (what the decoders do when called without rules) */
  readonly checked: boolean;
  /** the latest time accepted, inclusive: the earlier of now + the future skew and the latest storable time */
  readonly latestHi: number;
  readonly latestLo: number;
  /** a later time is `too_far_in_future`, not out of the store's range */
  readonly futureRefusals: { readonly span: Refusal; readonly log: Refusal };
  /** the earliest start (log: time) accepted, inclusive; 0 when retention is forever */
  readonly oldestHi: number;
  readonly oldestLo: number;
  readonly oldRefusals: { readonly span: Refusal; readonly log: Refusal };
}

const TWO_32N = 0x1_0000_0000n;

const LATEST_HI = Number(LATEST_STORABLE_NS / TWO_32N);
const LATEST_LO = Number(LATEST_STORABLE_NS % TWO_32N);

/** The collector's rules: `at(now)` gives one request's window. */
export interface ItemRules {
  at(nowMs: number): TimeWindow;
}

/**
 * The rules of `--retention-days` (0: no age check) and `--max-future-skew` (in ms). The
 * refusals' texts name the options and their values, and are made once here.
 */
export function itemRules(o: { retentionDays: number; maxFutureSkewMs: number; maxFutureSkew: string }): ItemRules {
  const days = o.retentionDays;
  const futureRefusals = {
    span: refusal(
      'span',
      'too_far_in_future',
      `start and end times must be at most ${o.maxFutureSkew} ahead of the collector's clock (--max-future-skew)`,
    ),
    log: refusal(
      'log record',
      'too_far_in_future',
      `time_unix_nano (or observed_time_unix_nano when it is 0) must be at most ${o.maxFutureSkew} ahead of the collector's clock (--max-future-skew)`,
    ),
  };
  const oldRefusals = {
    span: refusal(
      'span',
      'older_than_retention',
      `start_time_unix_nano must be within the last ${days} days (--retention-days); the store would delete older spans`,
    ),
    log: refusal(
      'log record',
      'older_than_retention',
      `time_unix_nano (or observed_time_unix_nano when it is 0) must be within the last ${days} days (--retention-days); the store would delete older records`,
    ),
  };
  return {
    at(nowMs) {
      // ms → ns as a BigInt once per request; the halves are what items are compared with
      let latest = BigInt(Math.floor(nowMs + o.maxFutureSkewMs)) * 1_000_000n;
      if (latest > LATEST_STORABLE_NS) latest = LATEST_STORABLE_NS;
      let oldest = days > 0 ? BigInt(Math.floor(nowMs - days * 86_400_000)) * 1_000_000n : 0n;
      if (oldest < 0n) oldest = 0n;
      return {
        checked: true,
        latestHi: Number(latest / TWO_32N),
        latestLo: Number(latest % TWO_32N),
        futureRefusals,
        oldestHi: Number(oldest / TWO_32N),
        oldestLo: Number(oldest % TWO_32N),
        oldRefusals,
      };
    },
  };
}

/**
 * No checks and no correction: the decoders' default when called without rules (tests of
 * value forms, benches). The receiver always passes the collector's rules.
 */
export const UNCHECKED: TimeWindow = Object.freeze({
  ...itemRules({ retentionDays: 0, maxFutureSkew: '0s', maxFutureSkewMs: 0 }).at(0),
  checked: false,
});

/** `hi·2^32 + lo` > `bHi·2^32 + bLo` */
const after = (hi: number, lo: number, bHi: number, bLo: number) => hi > bHi || (hi === bHi && lo > bLo);

/** Whether a time is beyond what the store holds (an hi of 2^32 − 1 compares right for every lo). */
const beyondStore = (hi: number, lo: number) => after(hi, lo, LATEST_HI, LATEST_LO);

/**
 * The verdict on a span's times (halves of the fixed64 start and end): the rule it breaks,
 * {@link END_BEFORE_START} when it is stored corrected, or `undefined` when it is fine.
 */
export function spanTimes(
  startLo: number,
  startHi: number,
  endLo: number,
  endHi: number,
  w: TimeWindow,
): Refusal | Correction | undefined {
  if (!w.checked) return undefined;
  if ((startLo === 0 && startHi === 0) || (endLo === 0 && endHi === 0)) return SPAN_ZERO;
  if (beyondStore(startHi, startLo) || beyondStore(endHi, endLo)) return SPAN_OUT_OF_RANGE;
  if (after(startHi, startLo, w.latestHi, w.latestLo) || after(endHi, endLo, w.latestHi, w.latestLo))
    return w.futureRefusals.span;
  if (after(w.oldestHi, w.oldestLo, startHi, startLo)) return w.oldRefusals.span;
  if (after(startHi, startLo, endHi, endLo)) return END_BEFORE_START;
  return undefined;
}

/** The low and high 32-bit halves of a time below 2^64, as the protobuf paths hold it. */
const low = (t: bigint) => Number(t & 0xffff_ffffn);
const high = (t: bigint) => Number(t >> 32n);

/** {@link spanTimes} of times the OTLP/JSON decoder holds as BigInts (below 2^64). */
export function spanTimesOf(start: bigint, end: bigint, w: TimeWindow): Refusal | Correction | undefined {
  if (!w.checked) return undefined;
  return spanTimes(low(start), high(start), low(end), high(end), w);
}

/**
 * The verdict on a log record's times: its time is `time_unix_nano`, or
 * `observed_time_unix_nano` when that is 0 (https://opentelemetry.io/docs/specs/otel/logs/data-model/#field-observedtimestamp:
 * "use Timestamp if it is present, otherwise use ObservedTimestamp"). The observed time is
 * stored as it is and not checked otherwise.
 */
export function logTime(
  timeLo: number,
  timeHi: number,
  observedLo: number,
  observedHi: number,
  w: TimeWindow,
): Refusal | undefined {
  if (!w.checked) return undefined;
  let lo = timeLo;
  let hi = timeHi;
  if (lo === 0 && hi === 0) {
    lo = observedLo;
    hi = observedHi;
    if (lo === 0 && hi === 0) return LOG_ZERO;
  }
  if (beyondStore(hi, lo)) return LOG_OUT_OF_RANGE;
  if (after(hi, lo, w.latestHi, w.latestLo)) return w.futureRefusals.log;
  if (after(w.oldestHi, w.oldestLo, hi, lo)) return w.oldRefusals.log;
  return undefined;
}

/** {@link logTime} of BigInt times. */
export function logTimeOf(time: bigint, observed: bigint, w: TimeWindow): Refusal | undefined {
  if (!w.checked) return undefined;
  return logTime(low(time), high(time), low(observed), high(observed), w);
}

/** Counts one refused item under its rule. */
export function refuse(t: Tally, r: Refusal): void {
  t.rejected++;
  t.refused.set(r, (t.refused.get(r) ?? 0) + 1);
}

/** Counts one item stored with a correction. */
export function correct(t: Tally, c: Correction): void {
  t.corrected.set(c, (t.corrected.get(c) ?? 0) + 1);
}

const noun = (item: ItemKind, n: number) => (n === 1 ? item : `${item}s`);

/**
 * Writes the tally's messages, one per rule, with how many items it refused or corrected:
 * `2 spans refused (timestamp_zero): start_time_unix_nano and end_time_unix_nano must be set, not 0`.
 * Refusals first, each group in the order first met. Returns `t`.
 */
export function finish<T extends Tally>(t: T): T {
  const errors: string[] = [];
  for (const [r, n] of t.refused) errors.push(`${n} ${noun(r.item, n)} refused (${r.reason}): ${r.rule}`);
  for (const [c, n] of t.corrected) errors.push(`${n} ${noun(c.item, n)} stored corrected (${c.reason}): ${c.rule}`);
  t.errors = errors;
  return t;
}

/**
 * A string ClickHouse's JSON reader takes: lone surrogates (which only OTLP/JSON can carry)
 * become U+FFFD, as bytes that are not UTF-8 do in protobuf strings.
 */
export function wellFormed(s: string): string {
  const w = s as unknown as WellFormed;
  return w.isWellFormed() ? s : w.toWellFormed();
}

/** ES2024 string methods (Node 20 has them; the repository's TypeScript lib is ES2022). */
interface WellFormed {
  isWellFormed(): boolean;
  toWellFormed(): string;
}
