/**
 * Value forms shared by the OTLP protobuf and OTLP/JSON decoders: how an AnyValue becomes
 * the string stored in an attribute map or in a log Body (see `rows.ts`), the Timestamp
 * text, the names of the span kind and status code enums, the id rules both decoders apply,
 * and the error both throw for a body that is not OTLP at all.
 *
 * An AnyValue has two string forms. The *plain* form is what a `Map(String, String)` column
 * holds: strings as they are, `true`/`false`, integers in decimal, doubles in their shortest
 * round-trip form, bytes in base64, `''` for an empty value. Arrays and key-value lists are
 * stored as JSON text; inside that JSON each element takes its *JSON* form: a JSON string,
 * boolean or number, `null` for an empty value. The decoders build JSON forms directly as
 * text (never through `JSON.stringify` of a JS value) so that int64 values beyond 2^53 keep
 * every digit.
 */
import { ID_REFUSALS, type Refusal } from './item-rules.js';
import type { Attrs } from './rows.js';

/** Thrown for a request body that is not an OTLP export request at all (the server answers 400). */
export class OtlpDecodeError extends Error {
  readonly code = 'FNTRACE_ERR_COL_BAD_OTLP';

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'OtlpDecodeError';
  }
}

/**
 * How deep arrays and key-value lists may nest inside one AnyValue. Real attributes nest a
 * level or two; the limit keeps a hostile body from exhausting the stack.
 */
export const MAX_ANY_VALUE_DEPTH = 64;

/** Plain form of a double: JS shortest round-trip form, and the names the exporter uses for non-finite values. */
export function doubleString(n: number): string {
  if (Number.isFinite(n)) return String(n);
  if (Number.isNaN(n)) return 'NaN';
  return n > 0 ? 'Inf' : '-Inf';
}

/** JSON form of a double: a JSON number when finite, else the plain form as a JSON string (JSON has no NaN). */
export function doubleJson(n: number): string {
  return Number.isFinite(n) ? String(n) : `"${doubleString(n)}"`;
}

/** JSON form of a string value. */
export function stringJson(s: string): string {
  return JSON.stringify(s);
}

/** JSON form of an array, from its elements' JSON forms. */
export function arrayJson(elements: string[]): string {
  return `[${elements.join(',')}]`;
}

/**
 * JSON form of a key-value list, from its values' JSON forms. A repeated key keeps the last
 * value at the first key's place, as a map built from the list would.
 */
export function kvlistJson(entries: Map<string, string>): string {
  let out = '{';
  let first = true;
  for (const [key, value] of entries) {
    out += (first ? '' : ',') + JSON.stringify(key) + ':' + value;
    first = false;
  }
  return out + '}';
}

/**
 * Stores one attribute. A plain assignment of key `__proto__` would hit the prototype setter
 * and lose the value, so that one key is defined as an own property instead.
 */
export function setAttr(attrs: Attrs, key: string, value: string): void {
  if (key === '__proto__') {
    Object.defineProperty(attrs, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    attrs[key] = value;
  }
}

/** ServiceName column: the `service.name` resource attribute (plain form), or `''`. */
export function serviceNameOf(resourceAttrs: Attrs): string {
  return Object.hasOwn(resourceAttrs, 'service.name') ? (resourceAttrs['service.name'] ?? '') : '';
}

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

/** The nanoseconds of the time {@link splitTime} last split. */
export let splitNanos = 0;

/**
 * Whole seconds of the unsigned nanosecond count `hi·2^32 + lo` (a fixed64 read as two 32-bit
 * halves), exactly, in double arithmetic; its nanoseconds are left in {@link splitNanos} (the
 * decoders call this for every span and log record: no object per call). With
 * hi = hh·2^16 + hl, 2^48 = 281474·10^9 + 976710656 and 2^32 = 4·10^9 + 294967296,
 *   ns = 10^9·(281474·hh + 4·hl) + (976710656·hh + 294967296·hl + lo)
 * where the last term stays below 2^47, so every step is an exact integer. Below 2^63 ns
 * only; callers store later times as {@link LATEST_TIME}.
 */
export function splitTime(lo: number, hi: number): number {
  const hh = hi >>> 16;
  const hl = hi & 0xffff;
  const rest = 976710656 * hh + 294967296 * hl + lo;
  const restSec = Math.floor(rest / 1e9);
  splitNanos = rest - restSec * 1e9;
  return 281474 * hh + 4 * hl + restSec;
}

/**
 * SeverityNumber column (`UInt8`): the enum value, or 0 (unspecified) for a value the column
 * cannot hold, which ClickHouse would either wrap or refuse with the whole insert.
 */
export function severityNumberOf(n: number): number {
  return n >= 0 && n <= 255 ? n : 0;
}

const SPAN_KINDS = ['Unspecified', 'Internal', 'Server', 'Client', 'Producer', 'Consumer'];
const STATUS_CODES = ['Unset', 'Ok', 'Error'];

/**
 * SpanKind column from the OTLP enum value. A value this version does not know becomes `''`,
 * as the ClickHouse exporter's `SpanKindStr` does.
 */
export function spanKindName(kind: number): string {
  return SPAN_KINDS[kind] ?? '';
}

/** StatusCode column from the OTLP enum value (`''` for an unknown value, as the exporter does). */
export function statusCodeName(code: number): string {
  return STATUS_CODES[code] ?? '';
}

/** Hex of an all-zero trace id: an invalid id (W3C Trace Context), treated as absent or refused. */
export const ZERO_TRACE_ID = '0'.repeat(32);
/** Hex of an all-zero span id. */
export const ZERO_SPAN_ID = '0'.repeat(16);

/**
 * Which rule a span breaks, given its ids as hex (`''` when absent, `null` when present with
 * the wrong length), or `undefined` when it is valid.
 */
export function spanIdsError(
  traceId: string | null,
  spanId: string | null,
  parentId: string | null,
): Refusal | undefined {
  if (traceId === null || traceId === '' || traceId === ZERO_TRACE_ID) return ID_REFUSALS.spanTraceId;
  if (spanId === null || spanId === '' || spanId === ZERO_SPAN_ID) return ID_REFUSALS.spanSpanId;
  if (parentId === null) return ID_REFUSALS.spanParentId;
  return undefined;
}

/** Whether a link's ids (as in {@link spanIdsError}) are usable; a link that is not is dropped from its span. */
export function linkIdsValid(traceId: string | null, spanId: string | null): boolean {
  return (
    traceId !== null &&
    traceId !== '' &&
    traceId !== ZERO_TRACE_ID &&
    spanId !== null &&
    spanId !== '' &&
    spanId !== ZERO_SPAN_ID
  );
}
