import { badOtlp, type CollectorError } from '../errors.js';
import { idState, linkUsable } from './item-rules.js';
import type { Attrs, SpanEvents, SpanLinks } from './rows.js';
import { timeString } from './time.js';
import * as wire from './wire.js';

/**
 * OTLP values as the stored rows hold them, and their readers from the wire format.
 *
 * An AnyValue has two string forms. The *plain* form is what a `Map(String, String)` column
 * holds: strings as they are, `true`/`false`, integers in decimal, doubles in their shortest
 * round-trip form, bytes in base64, `''` for an empty value. Arrays and key-value lists are
 * stored as JSON text; inside that JSON each element takes its *JSON* form: a JSON string,
 * boolean or number, `null` for an empty value. Both decoders (protobuf here, OTLP/JSON in
 * otlp-json.ts) build JSON forms directly as text, never through `JSON.stringify` of a JS
 * value, so that int64 values beyond 2^53 keep every digit.
 */

/**
 * How deep arrays and key-value lists may nest inside one AnyValue. Real attributes nest a
 * level or two; the limit keeps a hostile body from exhausting the stack.
 */
export const MAX_ANY_VALUE_DEPTH = 64;

export function tooDeep(where = ''): CollectorError {
  return badOtlp(`invalid OTLP: AnyValue nested deeper than ${MAX_ANY_VALUE_DEPTH} levels${where}`);
}

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

// ——— readers (protobuf) ———

/**
 * Reads the AnyValue whose length prefix is at the cursor, in its plain form (`nested` false:
 * attribute values, log bodies) or its JSON form (`nested` true: elements of arrays and
 * key-value lists). Of several oneof fields the last one wins, as in protobuf.
 */
export function readAnyValue(limit: number, nested: boolean, depth: number): string {
  if (depth > MAX_ANY_VALUE_DEPTH) throw tooDeep();
  const e = wire.lengthEnd(limit);
  let value = nested ? 'null' : '';
  while (wire.position() < e) {
    const tag = wire.varint(e);
    switch (tag) {
      case (1 << 3) | 2: {
        const s = wire.string(e);
        value = nested ? stringJson(s) : s;
        break;
      }
      case (2 << 3) | 0:
        value = wire.varint(e) !== 0 ? 'true' : 'false';
        break;
      case (3 << 3) | 0:
        value = wire.int64(e);
        break;
      case (4 << 3) | 1: {
        const d = wire.double(e);
        value = nested ? doubleJson(d) : doubleString(d);
        break;
      }
      case (5 << 3) | 2:
        value = readArrayValue(e, depth + 1);
        break;
      case (6 << 3) | 2:
        value = readKvlistValue(e, depth + 1);
        break;
      case (7 << 3) | 2: {
        const b64 = wire.base64(e);
        // base64 has no character JSON escapes
        value = nested ? `"${b64}"` : b64;
        break;
      }
      default:
        wire.skip(tag, e);
    }
  }
  return value;
}

function readArrayValue(limit: number, depth: number): string {
  const e = wire.lengthEnd(limit);
  const elements: string[] = [];
  while (wire.position() < e) {
    const tag = wire.varint(e);
    if (tag === wire.TAG_1_LEN) elements.push(readAnyValue(e, true, depth));
    else wire.skip(tag, e);
  }
  return arrayJson(elements);
}

function readKvlistValue(limit: number, depth: number): string {
  const e = wire.lengthEnd(limit);
  const entries = new Map<string, string>();
  while (wire.position() < e) {
    const tag = wire.varint(e);
    if (tag === wire.TAG_1_LEN) readKeyValue(e, true, depth, entries);
    else wire.skip(tag, e);
  }
  return kvlistJson(entries);
}

/**
 * Reads the KeyValue whose length prefix is at the cursor into `attrs` (plain form) or, for
 * key-value lists, into `entries` (JSON form).
 */
function readKeyValue(limit: number, nested: boolean, depth: number, into: Attrs | Map<string, string>): void {
  const e = wire.lengthEnd(limit);
  let k = '';
  let value: string | undefined;
  while (wire.position() < e) {
    const tag = wire.varint(e);
    if (tag === wire.TAG_1_LEN) {
      const ke = wire.lengthEnd(e);
      k = wire.key(wire.position(), ke);
      wire.seek(ke);
    } else if (tag === wire.TAG_2_LEN) value = readAnyValue(e, nested, depth);
    else wire.skip(tag, e);
  }
  // a KeyValue without a value holds the empty AnyValue
  if (value === undefined) value = nested ? 'null' : '';
  if (into instanceof Map) into.set(k, value);
  else setAttr(into, k, value);
}

/** Reads every `repeated KeyValue` field `tag` of the message `[s, e)` into `attrs` (plain forms). */
export function readAttributes(s: number, e: number, tag: number, attrs: Attrs): Attrs {
  wire.seek(s);
  while (wire.position() < e) {
    const t = wire.varint(e);
    if (t === tag) readKeyValue(e, false, 0, attrs);
    else wire.skip(t, e);
  }
  return attrs;
}

/** Reads the Span.Event{time_unix_nano=1, name=2, attributes=3, dropped_attributes_count=4} at the cursor. */
export function readEvent(limit: number, events: SpanEvents): void {
  const e = wire.lengthEnd(limit);
  const s = wire.position();
  let lo = 0;
  let hi = 0;
  let name = '';
  let attrCount = 0;
  let dropped = 0;
  while (wire.position() < e) {
    const tag = wire.varint(e);
    switch (tag) {
      case (1 << 3) | 1:
        lo = wire.fixed32(e);
        hi = wire.fixed32(e);
        break;
      case wire.TAG_2_LEN:
        name = wire.string(e);
        break;
      case wire.TAG_3_LEN:
        attrCount++;
        wire.seek(wire.lengthEnd(e));
        break;
      case (4 << 3) | 0:
        dropped = wire.varint(e);
        break;
      default:
        wire.skip(tag, e);
    }
  }
  events.timestamps.push(timeString(lo, hi));
  events.names.push(name);
  events.attrs.push(attrCount > 0 ? readAttributes(s, e, wire.TAG_3_LEN, {}) : {});
  events.dropped.push(dropped);
  wire.seek(e);
}

/**
 * Reads the Span.Link{trace_id=1, span_id=2, trace_state=3, attributes=4,
 * dropped_attributes_count=5, flags=6} at the cursor. A link whose ids are unusable is
 * dropped; the span itself stays valid.
 */
export function readLink(limit: number, links: SpanLinks): void {
  const e = wire.lengthEnd(limit);
  const s = wire.position();
  let traceAt = 0;
  let traceLen = 0;
  let spanAt = 0;
  let spanLen = 0;
  let traceState = '';
  let attrCount = 0;
  let dropped = 0;
  let flags = 0;
  while (wire.position() < e) {
    const tag = wire.varint(e);
    switch (tag) {
      case wire.TAG_1_LEN:
        traceLen = wire.lengthEnd(e) - wire.position();
        traceAt = wire.position();
        wire.seek(traceAt + traceLen);
        break;
      case wire.TAG_2_LEN:
        spanLen = wire.lengthEnd(e) - wire.position();
        spanAt = wire.position();
        wire.seek(spanAt + spanLen);
        break;
      case wire.TAG_3_LEN:
        traceState = wire.string(e);
        break;
      case (4 << 3) | 2:
        attrCount++;
        wire.seek(wire.lengthEnd(e));
        break;
      case (5 << 3) | 0:
        dropped = wire.varint(e);
        break;
      case (6 << 3) | 5:
        flags = wire.fixed32(e);
        break;
      default:
        wire.skip(tag, e);
    }
  }
  const attrs = attrCount > 0 ? readAttributes(s, e, (4 << 3) | 2, {}) : {};
  wire.seek(e);
  const trace = idState(traceLen, 16, traceLen === 16 && wire.allZero(traceAt, 16));
  const span = idState(spanLen, 8, spanLen === 8 && wire.allZero(spanAt, 8));
  if (!linkUsable(trace, span)) return;
  links.traceIds.push(wire.hex(traceAt, 16));
  links.spanIds.push(wire.hex(spanAt, 8));
  links.traceStates.push(traceState);
  links.attrs.push(attrs);
  links.flags.push(flags);
  links.dropped.push(dropped);
}
