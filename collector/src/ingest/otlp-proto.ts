/**
 * OTLP protobuf decoders: an ExportTraceServiceRequest or ExportLogsServiceRequest body
 * straight to `SpanRow`s / `LogRow`s (see `rows.ts`), walking the wire format with
 * protobufjs's `Reader` and building no intermediate message objects.
 *
 * Field numbers are those of opentelemetry-proto v1 (common, resource, trace, logs and the
 * collector service protos). Unknown fields, and known fields arriving with an unexpected
 * wire type, are skipped, as protobuf's own decoders do, so newer senders still work.
 *
 * Each nested message is read with the reader's `len` narrowed to the message's end, so a
 * length inside it that overruns the message fails the read instead of silently consuming
 * the parent's bytes.
 */
import protobuf from 'protobufjs/minimal.js';
import {
  arrayJson,
  doubleJson,
  doubleString,
  kvlistJson,
  LATEST_TIME,
  linkIdsValid,
  MAX_ANY_VALUE_DEPTH,
  OtlpDecodeError,
  serviceNameOf,
  setAttr,
  severityNumberOf,
  spanIdsError,
  spanKindName,
  splitNanos,
  splitTime,
  statusCodeName,
  stringJson,
  timeText,
  ZERO_SPAN_ID,
  ZERO_TRACE_ID,
} from './any-value.js';
import {
  CORRECTED_KEY,
  correct,
  finish,
  ID_REFUSALS,
  logTime,
  newTally,
  ORIGINAL_END_KEY,
  refuse,
  spanTimes,
  type TimeWindow,
  UNCHECKED,
  uint64Text,
} from './item-rules.js';
import type { Attrs, Decoded, LogRow, SpanRow } from './rows.js';

export { OtlpDecodeError } from './any-value.js';

type Reader = protobuf.Reader;

// Tags (field number << 3 | wire type) used more than once below.
const LEN = 2;
const TAG_1_LEN = (1 << 3) | LEN;
const TAG_2_LEN = (2 << 3) | LEN;
const TAG_3_LEN = (3 << 3) | LEN;

/**
 * Decodes an OTLP ExportTraceServiceRequest into span rows. Spans the rules refuse (bad ids,
 * and with a checked `window` times the store cannot keep: see item-rules.ts) are counted in
 * `rejected`; the rest are kept.
 *
 * Rows of one resource share one `ResourceAttributes` object, and rows of one scope one
 * `ScopeAttributes` object: treat rows as read-only.
 *
 * @param window the request's time rules; default {@link UNCHECKED} (the receiver always passes the collector's)
 * @throws {OtlpDecodeError} when the body is not a well-formed protobuf message
 */
export function decodeTracesProto(buf: Uint8Array, window: TimeWindow = UNCHECKED): Decoded<SpanRow> {
  const out: Decoded<SpanRow> = { rows: [], ...newTally() };
  const r = readerOf(buf);
  try {
    while (r.pos < r.len) {
      const tag = r.uint32();
      if (tag === TAG_1_LEN) readResourceSpans(r, out, window);
      else skipField(r, tag);
    }
  } catch (err) {
    throw asDecodeError(err, 'ExportTraceServiceRequest');
  }
  return finish(out);
}

/**
 * Decodes an OTLP ExportLogsServiceRequest into log rows. Records the rules refuse (ids of the
 * wrong length, and with a checked `window` times the store cannot keep) are counted in
 * `rejected`; the rest are kept. Attribute objects of one resource or scope are shared between
 * rows, as in {@link decodeTracesProto}.
 *
 * @param window the request's time rules; default {@link UNCHECKED}
 * @throws {OtlpDecodeError} when the body is not a well-formed protobuf message
 */
export function decodeLogsProto(buf: Uint8Array, window: TimeWindow = UNCHECKED): Decoded<LogRow> {
  const out: Decoded<LogRow> = { rows: [], ...newTally() };
  const r = readerOf(buf);
  try {
    while (r.pos < r.len) {
      const tag = r.uint32();
      if (tag === TAG_1_LEN) readResourceLogs(r, out, window);
      else skipField(r, tag);
    }
  } catch (err) {
    throw asDecodeError(err, 'ExportLogsServiceRequest');
  }
  return finish(out);
}

// ——— reader plumbing ———

/**
 * A reader over a Node Buffer view of the bytes (no copy): protobufjs then decodes strings
 * with Buffer's native UTF-8 decoder, and ids and bytes can be turned into hex and base64
 * with `Buffer#toString` ranges without slicing.
 */
export function readerOf(buf: Uint8Array): Reader {
  const b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  return protobuf.Reader.create(b);
}

function bufOf(r: Reader): Buffer {
  return r.buf as Buffer;
}

function asDecodeError(err: unknown, what: string): OtlpDecodeError {
  if (err instanceof OtlpDecodeError) return err;
  const reason = err instanceof Error ? err.message : String(err);
  return new OtlpDecodeError(`invalid protobuf ${what}: ${reason}`, { cause: err });
}

/** Enters a length-delimited message: narrows `r.len` to its end and returns the outer `len` to restore. */
function enter(r: Reader): number {
  const size = r.uint32();
  const end = r.pos + size;
  if (end > r.len) {
    throw new OtlpDecodeError(`invalid protobuf: a field of ${size} bytes at offset ${r.pos} overruns its message`);
  }
  const outer = r.len;
  r.len = end;
  return outer;
}

function skipField(r: Reader, tag: number): void {
  if (tag >>> 3 === 0) throw new OtlpDecodeError(`invalid protobuf: field number 0 at offset ${r.pos}`);
  r.skipType(tag & 7);
}

/**
 * Reads an id field as lower-case hex: `''` when empty, `null` when its length is not `size`.
 */
function readId(r: Reader, size: number): string | null {
  const len = r.uint32();
  const start = r.pos;
  r.skip(len);
  if (len === 0) return '';
  if (len !== size) return null;
  return bufOf(r).toString('hex', start, start + len);
}

function readBase64(r: Reader): string {
  const len = r.uint32();
  const start = r.pos;
  r.skip(len);
  return bufOf(r).toString('base64', start, start + len);
}

// 64-bit integers are read as two uint32 halves and only become a BigInt when they do not fit
// in a double exactly: nanosecond timestamps are ~2^60, so they use the split arithmetic below.

const TWO_32 = 0x1_0000_0000;

/** Decimal string of the two's-complement signed 64-bit integer with halves `lo`, `hi`. */
function int64String(lo: number, hi: number): string {
  if (hi < 0x20_0000) return String(hi * TWO_32 + lo);
  return BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo)).toString();
}

/** Timestamp form (see {@link timeText}) of the nanosecond count `hi·2^32 + lo`; from 2^63 ns on, {@link LATEST_TIME}. */
function timeString(lo: number, hi: number): string {
  if (hi >= 0x8000_0000) return LATEST_TIME;
  const seconds = splitTime(lo, hi);
  return timeText(seconds, splitNanos);
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

/** Reads an int64 varint as a decimal string without going through a Long object. */
function readInt64(r: Reader): string {
  const buf = r.buf;
  const len = r.len;
  let pos = r.pos;
  let lo = 0;
  let hi = 0;
  let b = 0;
  // bytes 1-4 carry bits 0-27
  for (let shift = 0; shift < 28; shift += 7) {
    if (pos >= len) throw new OtlpDecodeError('invalid protobuf: truncated varint');
    b = buf[pos++]!;
    lo |= (b & 0x7f) << shift;
    if (b < 0x80) {
      r.pos = pos;
      return String(lo >>> 0);
    }
  }
  // byte 5 carries bits 28-34, across the halves
  if (pos >= len) throw new OtlpDecodeError('invalid protobuf: truncated varint');
  b = buf[pos++]!;
  lo = (lo | ((b & 0x7f) << 28)) >>> 0;
  hi = (b & 0x7f) >>> 4;
  if (b >= 0x80) {
    // bytes 6-10 carry bits 35-63
    for (let shift = 3; ; shift += 7) {
      if (shift > 31) throw new OtlpDecodeError('invalid protobuf: varint longer than 10 bytes');
      if (pos >= len) throw new OtlpDecodeError('invalid protobuf: truncated varint');
      b = buf[pos++]!;
      hi |= (b & 0x7f) << shift;
      if (b < 0x80) break;
    }
  }
  r.pos = pos;
  return int64String(lo, hi >>> 0);
}

// ——— common.proto ———

/**
 * Reads an AnyValue in its plain form (`nested` false: attribute values, log bodies) or its
 * JSON form (`nested` true: elements of arrays and key-value lists). Of several oneof fields
 * the last one wins, as in protobuf.
 */
export function readAnyValue(r: Reader, nested: boolean, depth: number): string {
  if (depth > MAX_ANY_VALUE_DEPTH) {
    throw new OtlpDecodeError(`invalid OTLP: AnyValue nested deeper than ${MAX_ANY_VALUE_DEPTH} levels`);
  }
  const outer = enter(r);
  let value = nested ? 'null' : '';
  while (r.pos < r.len) {
    const tag = r.uint32();
    switch (tag) {
      case (1 << 3) | 2: {
        const s = r.string();
        value = nested ? stringJson(s) : s;
        break;
      }
      case (2 << 3) | 0:
        value = r.bool() ? 'true' : 'false';
        break;
      case (3 << 3) | 0:
        value = readInt64(r);
        break;
      case (4 << 3) | 1: {
        const d = r.double();
        value = nested ? doubleJson(d) : doubleString(d);
        break;
      }
      case (5 << 3) | 2:
        value = readArrayValue(r, depth + 1);
        break;
      case (6 << 3) | 2:
        value = readKvlistValue(r, depth + 1);
        break;
      case (7 << 3) | 2: {
        const b64 = readBase64(r);
        // base64 has no character JSON escapes
        value = nested ? `"${b64}"` : b64;
        break;
      }
      default:
        skipField(r, tag);
    }
  }
  r.len = outer;
  return value;
}

function readArrayValue(r: Reader, depth: number): string {
  const outer = enter(r);
  const elements: string[] = [];
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag === TAG_1_LEN) elements.push(readAnyValue(r, true, depth));
    else skipField(r, tag);
  }
  r.len = outer;
  return arrayJson(elements);
}

function readKvlistValue(r: Reader, depth: number): string {
  const outer = enter(r);
  const entries = new Map<string, string>();
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag === TAG_1_LEN) readKeyValue(r, true, depth, entries);
    else skipField(r, tag);
  }
  r.len = outer;
  return kvlistJson(entries);
}

// Attribute keys come from a small vocabulary and repeat in every span. Decoding each one
// anew costs an allocation, and using a fresh string as an object key costs V8 a lookup in
// its string table; returning the same string for the same bytes avoids both (measured: a
// quarter of the decode time of spans with 20 attributes). The cache is a direct-mapped table keyed by a hash of
// the bytes and checked byte for byte, so a collision only costs a miss.
const KEY_CACHE_SLOTS = 4096;
const KEY_CACHE_MAX_BYTES = 64;
const keyCacheBytes: (Uint8Array | undefined)[] = new Array(KEY_CACHE_SLOTS).fill(undefined);
const keyCacheStrings: string[] = new Array(KEY_CACHE_SLOTS).fill('');

/** Reads a KeyValue key through the key cache. */
function readKey(r: Reader): string {
  const len = r.uint32();
  const start = r.pos;
  const end = start + len;
  if (end > r.len) {
    throw new OtlpDecodeError(`invalid protobuf: a key of ${len} bytes at offset ${start} overruns its message`);
  }
  r.pos = end;
  if (len > KEY_CACHE_MAX_BYTES) return bufOf(r).toString('utf8', start, end);
  const buf = r.buf;
  // FNV-1a over the bytes
  let h = 0x811c9dc5 ^ len;
  for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
  const slot = (h >>> 0) & (KEY_CACHE_SLOTS - 1);
  const cached = keyCacheBytes[slot];
  if (cached !== undefined && cached.length === len) {
    let i = 0;
    while (i < len && cached[i] === buf[start + i]) i++;
    if (i === len) return keyCacheStrings[slot]!;
  }
  const key = bufOf(r).toString('utf8', start, end);
  // a copy: a view would pin (and could see reuse of) the request's buffer
  keyCacheBytes[slot] = Uint8Array.prototype.slice.call(buf, start, end);
  keyCacheStrings[slot] = key;
  return key;
}

/** Reads a KeyValue into `attrs` (plain form) or, for key-value lists, into `entries` (JSON form). */
function readKeyValue(r: Reader, nested: boolean, depth: number, into: Attrs | Map<string, string>): void {
  const outer = enter(r);
  let key = '';
  let value: string | undefined;
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag === TAG_1_LEN) key = readKey(r);
    else if (tag === TAG_2_LEN) value = readAnyValue(r, nested, depth);
    else skipField(r, tag);
  }
  r.len = outer;
  // a KeyValue without a value holds the empty AnyValue
  if (value === undefined) value = nested ? 'null' : '';
  if (into instanceof Map) into.set(key, value);
  else setAttr(into, key, value);
}

/** Reads one `repeated KeyValue attributes` element into `attrs`. */
function readAttribute(r: Reader, attrs: Attrs): void {
  readKeyValue(r, false, 0, attrs);
}

/** Resource and scope fields every row of a ResourceSpans/ResourceLogs or ScopeSpans/ScopeLogs carries. */
export interface ResourceInfo {
  attrs: Attrs;
  serviceName: string;
  schemaUrl: string;
}

export interface ScopeInfo {
  name: string;
  version: string;
  attrs: Attrs;
  schemaUrl: string;
}

/** Resource{attributes=1, dropped_attributes_count=2}; the dropped count has no column. */
export function readResource(r: Reader, res: ResourceInfo): void {
  const outer = enter(r);
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag === TAG_1_LEN) readAttribute(r, res.attrs);
    else skipField(r, tag);
  }
  r.len = outer;
}

/** InstrumentationScope{name=1, version=2, attributes=3, dropped_attributes_count=4}. */
export function readScope(r: Reader, scope: ScopeInfo): void {
  const outer = enter(r);
  while (r.pos < r.len) {
    const tag = r.uint32();
    switch (tag) {
      case TAG_1_LEN:
        scope.name = r.string();
        break;
      case TAG_2_LEN:
        scope.version = r.string();
        break;
      case TAG_3_LEN:
        readAttribute(r, scope.attrs);
        break;
      default:
        skipField(r, tag);
    }
  }
  r.len = outer;
}

/**
 * Reads a ResourceSpans or ResourceLogs: `resource` (1) and `schema_url` (3) first, in a pass
 * that skips the scope messages, because every row needs them and senders may write them
 * after the scopes (the JS SDK writes schema_url last); then the scopes (2) themselves.
 */
function readResourceGroup(r: Reader, readScopeGroup: (r: Reader, res: ResourceInfo) => void): void {
  const outer = enter(r);
  const start = r.pos;
  const res: ResourceInfo = { attrs: {}, serviceName: '', schemaUrl: '' };
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag === TAG_1_LEN) readResource(r, res);
    else if (tag === TAG_3_LEN) res.schemaUrl = r.string();
    else skipField(r, tag);
  }
  res.serviceName = serviceNameOf(res.attrs);
  r.pos = start;
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag === TAG_2_LEN) readScopeGroup(r, res);
    else skipField(r, tag);
  }
  r.len = outer;
}

/** Reads a ScopeSpans or ScopeLogs the same way: `scope` (1) and `schema_url` (3), then the items (2). */
function readScopeGroup(r: Reader, readItem: (r: Reader, scope: ScopeInfo) => void): void {
  const outer = enter(r);
  const start = r.pos;
  const scope: ScopeInfo = { name: '', version: '', attrs: {}, schemaUrl: '' };
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag === TAG_1_LEN) readScope(r, scope);
    else if (tag === TAG_3_LEN) scope.schemaUrl = r.string();
    else skipField(r, tag);
  }
  r.pos = start;
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag === TAG_2_LEN) readItem(r, scope);
    else skipField(r, tag);
  }
  r.len = outer;
}

// ——— trace.proto ———

function readResourceSpans(r: Reader, out: Decoded<SpanRow>, w: TimeWindow): void {
  readResourceGroup(r, (r, res) => readScopeGroup(r, (r, scope) => readSpan(r, res, scope, out, w)));
}

/** A span's `Events.*` columns, filled event by event. */
export interface SpanEvents {
  timestamps: string[];
  names: string[];
  attrs: Attrs[];
  dropped: number[];
}

/** A span's `Links.*` columns, filled link by link. */
export interface SpanLinks {
  traceIds: string[];
  spanIds: string[];
  traceStates: string[];
  attrs: Attrs[];
  flags: number[];
  dropped: number[];
}

function readSpan(r: Reader, res: ResourceInfo, scope: ScopeInfo, out: Decoded<SpanRow>, w: TimeWindow): void {
  const outer = enter(r);
  let traceId: string | null = '';
  let spanId: string | null = '';
  let parentId: string | null = '';
  let traceState = '';
  let name = '';
  let kind = 0;
  let flags = 0;
  let startLo = 0;
  let startHi = 0;
  let endLo = 0;
  let endHi = 0;
  const attrs: Attrs = {};
  let droppedAttrs = 0;
  let droppedEvents = 0;
  let droppedLinks = 0;
  let statusCode = 0;
  let statusMessage = '';
  const events: SpanEvents = { timestamps: [], names: [], attrs: [], dropped: [] };
  const links: SpanLinks = { traceIds: [], spanIds: [], traceStates: [], attrs: [], flags: [], dropped: [] };

  while (r.pos < r.len) {
    const tag = r.uint32();
    switch (tag) {
      case (1 << 3) | 2:
        traceId = readId(r, 16);
        break;
      case (2 << 3) | 2:
        spanId = readId(r, 8);
        break;
      case (3 << 3) | 2:
        traceState = r.string();
        break;
      case (4 << 3) | 2:
        parentId = readId(r, 8);
        break;
      case (5 << 3) | 2:
        name = r.string();
        break;
      case (6 << 3) | 0:
        kind = r.int32();
        break;
      case (7 << 3) | 1:
        startLo = r.fixed32();
        startHi = r.fixed32();
        break;
      case (8 << 3) | 1:
        endLo = r.fixed32();
        endHi = r.fixed32();
        break;
      case (9 << 3) | 2:
        readAttribute(r, attrs);
        break;
      case (10 << 3) | 0:
        droppedAttrs = r.uint32();
        break;
      case (11 << 3) | 2:
        readEvent(r, events);
        break;
      case (12 << 3) | 0:
        droppedEvents = r.uint32();
        break;
      case (13 << 3) | 2:
        readLink(r, links);
        break;
      case (14 << 3) | 0:
        droppedLinks = r.uint32();
        break;
      case (15 << 3) | 2: {
        // Status{message=2, code=3}
        const statusOuter = enter(r);
        while (r.pos < r.len) {
          const t = r.uint32();
          if (t === TAG_2_LEN) statusMessage = r.string();
          else if (t === ((3 << 3) | 0)) statusCode = r.int32();
          else skipField(r, t);
        }
        r.len = statusOuter;
        break;
      }
      case (16 << 3) | 5:
        flags = r.fixed32();
        break;
      default:
        skipField(r, tag);
    }
  }
  r.len = outer;

  const refusal = spanIdsError(traceId, spanId, parentId);
  if (refusal !== undefined) {
    refuse(out, refusal);
    return;
  }
  const verdict = spanTimes(startLo, startHi, endLo, endHi, w);
  if (verdict !== undefined) {
    if (verdict.action === 'refuse') {
      refuse(out, verdict);
      return;
    }
    // end before start: stored with end = start (Duration 0), the end sent kept beside it
    setAttr(attrs, CORRECTED_KEY, verdict.reason);
    setAttr(attrs, ORIGINAL_END_KEY, uint64Text(endLo, endHi));
    correct(out, verdict);
  }
  out.rows.push({
    Timestamp: timeString(startLo, startHi),
    TraceId: traceId!,
    SpanId: spanId!,
    // an all-zero parent is the invalid id, i.e. no parent
    ParentSpanId: parentId === ZERO_SPAN_ID ? '' : parentId!,
    TraceState: traceState,
    SpanName: name,
    SpanKind: spanKindName(kind),
    ServiceName: res.serviceName,
    ResourceAttributes: res.attrs,
    ScopeName: scope.name,
    ScopeVersion: scope.version,
    SpanAttributes: attrs,
    Duration: durationString(startLo, startHi, endLo, endHi),
    StatusCode: statusCodeName(statusCode),
    StatusMessage: statusMessage,
    'Events.Timestamp': events.timestamps,
    'Events.Name': events.names,
    'Events.Attributes': events.attrs,
    'Links.TraceId': links.traceIds,
    'Links.SpanId': links.spanIds,
    'Links.TraceState': links.traceStates,
    'Links.Attributes': links.attrs,
    SpanFlags: flags,
    ScopeAttributes: scope.attrs,
    ResourceSchemaUrl: res.schemaUrl,
    ScopeSchemaUrl: scope.schemaUrl,
    DroppedAttributesCount: droppedAttrs,
    DroppedEventsCount: droppedEvents,
    DroppedLinksCount: droppedLinks,
    'Events.DroppedAttributesCount': events.dropped,
    'Links.Flags': links.flags,
    'Links.DroppedAttributesCount': links.dropped,
  });
}

/** Span.Event{time_unix_nano=1, name=2, attributes=3, dropped_attributes_count=4}. */
export function readEvent(r: Reader, events: SpanEvents): void {
  const outer = enter(r);
  let lo = 0;
  let hi = 0;
  let name = '';
  const attrs: Attrs = {};
  let dropped = 0;
  while (r.pos < r.len) {
    const tag = r.uint32();
    switch (tag) {
      case (1 << 3) | 1:
        lo = r.fixed32();
        hi = r.fixed32();
        break;
      case TAG_2_LEN:
        name = r.string();
        break;
      case TAG_3_LEN:
        readAttribute(r, attrs);
        break;
      case (4 << 3) | 0:
        dropped = r.uint32();
        break;
      default:
        skipField(r, tag);
    }
  }
  r.len = outer;
  events.timestamps.push(timeString(lo, hi));
  events.names.push(name);
  events.attrs.push(attrs);
  events.dropped.push(dropped);
}

/**
 * Span.Link{trace_id=1, span_id=2, trace_state=3, attributes=4, dropped_attributes_count=5,
 * flags=6}. A link whose ids are unusable is dropped; the span itself stays valid.
 */
export function readLink(r: Reader, links: SpanLinks): void {
  const outer = enter(r);
  let traceId: string | null = '';
  let spanId: string | null = '';
  let traceState = '';
  const attrs: Attrs = {};
  let dropped = 0;
  let flags = 0;
  while (r.pos < r.len) {
    const tag = r.uint32();
    switch (tag) {
      case TAG_1_LEN:
        traceId = readId(r, 16);
        break;
      case TAG_2_LEN:
        spanId = readId(r, 8);
        break;
      case TAG_3_LEN:
        traceState = r.string();
        break;
      case (4 << 3) | 2:
        readAttribute(r, attrs);
        break;
      case (5 << 3) | 0:
        dropped = r.uint32();
        break;
      case (6 << 3) | 5:
        flags = r.fixed32();
        break;
      default:
        skipField(r, tag);
    }
  }
  r.len = outer;
  if (!linkIdsValid(traceId, spanId)) return;
  links.traceIds.push(traceId!);
  links.spanIds.push(spanId!);
  links.traceStates.push(traceState);
  links.attrs.push(attrs);
  links.flags.push(flags);
  links.dropped.push(dropped);
}

// ——— logs.proto ———

function readResourceLogs(r: Reader, out: Decoded<LogRow>, w: TimeWindow): void {
  readResourceGroup(r, (r, res) => readScopeGroup(r, (r, scope) => readLogRecord(r, res, scope, out, w)));
}

/**
 * LogRecord{time_unix_nano=1, severity_number=2, severity_text=3, body=5, attributes=6,
 * dropped_attributes_count=7, flags=8, trace_id=9, span_id=10, observed_time_unix_nano=11,
 * event_name=12}.
 */
function readLogRecord(r: Reader, res: ResourceInfo, scope: ScopeInfo, out: Decoded<LogRow>, w: TimeWindow): void {
  const outer = enter(r);
  let timeLo = 0;
  let timeHi = 0;
  let observedLo = 0;
  let observedHi = 0;
  let severityNumber = 0;
  let severityText = '';
  let body = '';
  const attrs: Attrs = {};
  let dropped = 0;
  let flags = 0;
  let traceId: string | null = '';
  let spanId: string | null = '';
  let eventName = '';
  while (r.pos < r.len) {
    const tag = r.uint32();
    switch (tag) {
      case (1 << 3) | 1:
        timeLo = r.fixed32();
        timeHi = r.fixed32();
        break;
      case (2 << 3) | 0:
        severityNumber = r.int32();
        break;
      case (3 << 3) | 2:
        severityText = r.string();
        break;
      case (5 << 3) | 2:
        body = readAnyValue(r, false, 0);
        break;
      case (6 << 3) | 2:
        readAttribute(r, attrs);
        break;
      case (7 << 3) | 0:
        dropped = r.uint32();
        break;
      case (8 << 3) | 5:
        flags = r.fixed32();
        break;
      case (9 << 3) | 2:
        traceId = readId(r, 16);
        break;
      case (10 << 3) | 2:
        spanId = readId(r, 8);
        break;
      case (11 << 3) | 1:
        observedLo = r.fixed32();
        observedHi = r.fixed32();
        break;
      case (12 << 3) | 2:
        eventName = r.string();
        break;
      default:
        skipField(r, tag);
    }
  }
  r.len = outer;

  if (traceId === null) {
    refuse(out, ID_REFUSALS.logTraceId);
    return;
  }
  if (spanId === null) {
    refuse(out, ID_REFUSALS.logSpanId);
    return;
  }
  const timeRefusal = logTime(timeLo, timeHi, observedLo, observedHi, w);
  if (timeRefusal !== undefined) {
    refuse(out, timeRefusal);
    return;
  }
  const observed = timeString(observedLo, observedHi);
  out.rows.push({
    Timestamp: timeLo === 0 && timeHi === 0 ? observed : timeString(timeLo, timeHi),
    ObservedTimestamp: observed,
    // all-zero ids are the invalid ids, i.e. no trace context
    TraceId: traceId === ZERO_TRACE_ID ? '' : traceId,
    SpanId: spanId === ZERO_SPAN_ID ? '' : spanId,
    // bits 0-7 are the W3C trace flags; the rest are reserved (LOG_RECORD_FLAGS_TRACE_FLAGS_MASK)
    TraceFlags: flags & 0xff,
    SeverityText: severityText,
    SeverityNumber: severityNumberOf(severityNumber),
    ServiceName: res.serviceName,
    Body: body,
    ResourceSchemaUrl: res.schemaUrl,
    ResourceAttributes: res.attrs,
    ScopeSchemaUrl: scope.schemaUrl,
    ScopeName: scope.name,
    ScopeVersion: scope.version,
    ScopeAttributes: scope.attrs,
    LogAttributes: attrs,
    EventName: eventName,
    DroppedAttributesCount: dropped,
  });
}
