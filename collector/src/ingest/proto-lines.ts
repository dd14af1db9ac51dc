import type { ColumnName, LOG_TABLE, SPAN_TABLE } from '../store/columns.js';
import { readAnyValue, readEvent, readLink, severityNumberOf, spanKindName, statusCodeName } from './any-value.js';
import {
  CORRECTED_KEY,
  type Correction,
  newTally,
  ORIGINAL_END_KEY,
  type Tally,
  type TimeWindow,
  UNCHECKED,
} from './item-rules.js';
import { asBuffer, logRow, spanRow } from './otlp-proto.js';
import { type LogFields, type Sink, type SpanFields, usable, walkLogs, walkTraces } from './otlp-walk.js';
import { rowsToJsonLines } from './row-json.js';
import { type Decoded, newEvents, newLinks, type ResourceInfo, type ScopeInfo } from './rows.js';
import { durationString, LATEST_TIME, splitTime, uint64Text } from './time.js';
import * as wire from './wire.js';

/**
 * The spool sink of the protobuf walk (otlp-walk.ts): each span or log record written straight
 * from the request's bytes as one JSONEachRow line of the spool, with no row object between.
 *
 * Why: on the ingest path the collector's main thread was the first part to saturate. A CPU
 * profile of the ingest bench put ~23 µs of main-thread time on each span — a quarter in the
 * protobuf decoder's row objects and value strings, a fifth in turning those rows into JSON
 * text and another quarter in collecting the garbage both leave. Here an item's fields are
 * written as bytes into one output buffer: ids as hex from their bytes, times and counts as
 * digits, attribute keys and string values copied with JSON escaping, and the resource and
 * scope columns (the same for every item of a scope) serialized once per scope and copied. No
 * JSON library writes from protobuf bytes, and generated protobuf decoders build the message
 * objects this avoids.
 *
 * Values that are not plain strings (numbers, booleans, bytes, arrays, key-value lists, in
 * attributes and log bodies), events and links are read with the shared value readers
 * (any-value.ts), so they take exactly the row sink's forms. An item this writer does not
 * handle — an attribute list that repeats a key (the map keeps the last value), a key that is
 * not plain ASCII, a KeyValue or log record with several values — is built by the row sink
 * (otlp-proto.ts) and written from its row: that item alone, in its place. Tests hold the two
 * sinks to the same rows (test/collector/ingest/proto-lines.test.ts).
 */

/** A request's kept items as spool text, with what `partial_success` needs (the tally). */
export interface SpoolLines extends Tally {
  /** JSONEachRow, one newline-terminated row per item */
  text: Buffer;
  rows: number;
  /** `rows` when any item was built as a row (OTLP/JSON: every one), `direct` when none was */
  path: 'direct' | 'rows';
}

/**
 * Spool lines of an ExportTraceServiceRequest. Spans the rules refuse (bad ids; with a checked
 * `window`, times the store cannot keep) are counted in `rejected` and left out.
 *
 * @param window the request's time rules; default {@link UNCHECKED}
 * @throws {CollectorError} `BAD_OTLP` when the body is not a well-formed protobuf message
 */
export function tracesProtoToLines(body: Uint8Array, window: TimeWindow = UNCHECKED): SpoolLines {
  const src = asBuffer(body);
  return write(src, (result) => walkTraces(src, window, spanSink(result), result));
}

/**
 * Spool lines of an ExportLogsServiceRequest. Records the rules refuse (ids of the wrong length;
 * with a checked `window`, times the store cannot keep) are counted in `rejected` and left out.
 *
 * @param window the request's time rules; default {@link UNCHECKED}
 * @throws {CollectorError} `BAD_OTLP` when the body is not a well-formed protobuf message
 */
export function logsProtoToLines(body: Uint8Array, window: TimeWindow = UNCHECKED): SpoolLines {
  const src = asBuffer(body);
  return write(src, (result) => walkLogs(src, window, logSink(result), result));
}

/** Spool lines of rows (OTLP/JSON's decoder makes rows). */
export function fromRows(decoded: Decoded<object>): SpoolLines {
  return {
    text: Buffer.from(rowsToJsonLines(decoded.rows), 'utf8'),
    rows: decoded.rows.length,
    rejected: decoded.rejected,
    errors: decoded.errors,
    refused: decoded.refused,
    corrected: decoded.corrected,
    path: 'rows',
  };
}

function write(src: Buffer, walk: (result: SpoolLines) => void): SpoolLines {
  const result: SpoolLines = { text: EMPTY, rows: 0, path: 'direct', ...newTally() };
  // spool rows run ~2× the protobuf bytes of a span; grown by doubling when short
  out = Buffer.allocUnsafe(src.length * 2 + 4096);
  o = 0;
  try {
    walk(result);
    result.text = out.subarray(0, o);
  } finally {
    // keep neither the request nor its output past the call
    out = EMPTY;
    buf = EMPTY;
    extraAttrs = '';
  }
  return result;
}

// ——— state of the one conversion running (it is synchronous) ———

const EMPTY = Buffer.alloc(0);
/** the output, and the write position in it */
let out: Buffer = EMPTY;
let o = 0;
/** the request body (the wire cursor's), for copying bytes */
let buf: Buffer = EMPTY;
/** attributes a corrected span gets after its own (JSON members, no braces); '' for others */
let extraAttrs = '';

/** Thrown inside the writer when an item is the row sink's to build (made once: throwing it is cheap). */
const BY_ROW = new Error('built as a row');

// ——— writing ———

function ensure(n: number): void {
  if (o + n > out.length) {
    const next = Buffer.allocUnsafe(Math.max(out.length * 2, o + n));
    out.copy(next, 0, 0, o);
    out = next;
  }
}

const ascii = (s: string): Buffer => Buffer.from(s, 'latin1');

/** Copies constant bytes; callers have ensured room. */
function put(bytes: Buffer): void {
  for (let i = 0; i < bytes.length; i++) out[o++] = bytes[i]!;
}

/** Writes text as is (UTF-8). */
function putText(text: string): void {
  ensure(text.length * 3);
  o += out.write(text, o, 'utf8');
}

/** 1 for the bytes a JSON string cannot hold as they are (controls, `"`, `\\`) and for non-ASCII bytes */
const SPECIAL = new Uint8Array(256).map((_, b) => (b < 0x20 || b === 0x22 || b === 0x5c || b >= 0x80 ? 1 : 0));

/** Writes `buf[s, e)` as a JSON string: copied when plain ASCII, else through the string decoder. */
function putJsonString(s: number, e: number): void {
  for (let i = s; i < e; i++) {
    if (SPECIAL[buf[i]!] === 1) {
      // U+FFFD for bytes that are not UTF-8, as the row sink's strings have
      putText(JSON.stringify(buf.toString('utf8', s, e)));
      return;
    }
  }
  ensure(e - s + 2);
  out[o++] = 0x22;
  if (e - s < 32) for (let i = s; i < e; i++) out[o++] = buf[i]!;
  else o += buf.copy(out, o, s, e);
  out[o++] = 0x22;
}

const HEX = ascii('0123456789abcdef');

function putHex(s: number, len: number): void {
  out[o++] = 0x22;
  for (let i = s; i < s + len; i++) {
    const b = buf[i]!;
    out[o++] = HEX[b >>> 4]!;
    out[o++] = HEX[b & 15]!;
  }
  out[o++] = 0x22;
}

/** Writes a non-negative integer below 2^53 in decimal. */
function putUint(n: number): void {
  let digits = 1;
  for (let t = n; t >= 10; t = Math.floor(t / 10)) digits++;
  putDigits(n, digits);
}

/** Writes the last `width` decimal digits of `n`, zero-padded. */
function putDigits(n: number, width: number): void {
  for (let i = o + width - 1; i >= o; i--) {
    const q = Math.floor(n / 10);
    out[i] = 48 + (n - q * 10);
    n = q;
  }
  o += width;
}

const TWO_32 = 0x1_0000_0000;
const LATEST = ascii(`"${LATEST_TIME}"`);
const split = { sec: 0, nano: 0 };

/** A fixed64 nanosecond time as `"<10-digit seconds>.<9-digit nanoseconds>"` (see `timeText`). */
function putTime(lo: number, hi: number): void {
  if (hi >= 0x8000_0000) {
    put(LATEST);
    return;
  }
  splitTime(lo, hi, split);
  out[o++] = 0x22;
  putDigits(split.sec, 10);
  out[o++] = 0x2e;
  putDigits(split.nano, 9);
  out[o++] = 0x22;
}

/**
 * Duration: end − start in nanoseconds as a decimal JSON string, `"0"` when end < start. When
 * the high halves differ by less than 2^21 the difference is exact in a double; the rest
 * (times years apart) take `durationString`.
 */
function putDuration(sLo: number, sHi: number, eLo: number, eHi: number): void {
  const hi = eHi - sHi;
  if (hi < 0 || hi >= 0x20_0000) {
    putText(`"${durationString(sLo, sHi, eLo, eHi)}"`);
    return;
  }
  const ns = hi * TWO_32 + (eLo - sLo);
  out[o++] = 0x22;
  if (ns < 0) out[o++] = 0x30;
  else putUint(ns);
  out[o++] = 0x22;
}

/** `key` (column name and punctuation) and a count, left out when 0 (the column's default). */
function putCount(key: Buffer, n: number): void {
  if (n === 0) return;
  ensure(key.length + 16);
  put(key);
  putUint(n);
}

/** `key` and `buf[s, e)` as a JSON string, left out when empty (the column's default). */
function putStringField(key: Buffer, s: number, e: number): void {
  if (e <= s) return;
  ensure(key.length);
  put(key);
  putJsonString(s, e);
}

/** The scope's shared columns, which close the row. */
function endRow(tail: Buffer, result: SpoolLines): void {
  ensure(tail.length);
  if (tail.length < 64) put(tail);
  else o += tail.copy(out, o);
  result.rows++;
}

/** An item the writer leaves to the row sink: its row, written in its place. */
function writeRow(row: object, result: SpoolLines): void {
  putText(rowsToJsonLines([row]));
  result.rows++;
  result.path = 'rows';
}

/**
 * The columns every item of a scope shares, as rowsToJsonLines writes them (defaults left
 * out), made once per scope to close each row.
 */
function scopeTail(res: ResourceInfo, scope: ScopeInfo): Buffer {
  const shared = rowsToJsonLines([
    {
      ServiceName: res.serviceName,
      ResourceAttributes: res.attrs,
      ResourceSchemaUrl: res.schemaUrl,
      ScopeName: scope.name,
      ScopeVersion: scope.version,
      ScopeAttributes: scope.attrs,
      ScopeSchemaUrl: scope.schemaUrl,
    },
  ]);
  return Buffer.from(shared === '{}\n' ? '}\n' : `,${shared.slice(1)}`, 'utf8');
}

/** A column's JSON key with the punctuation before its value (a name that is no column fails the type check). */
const spanKey = (name: ColumnName<typeof SPAN_TABLE>, open = '') => ascii(`${open === '' ? ',' : open}"${name}":`);
const logKey = (name: ColumnName<typeof LOG_TABLE>, open = '') => ascii(`${open === '' ? ',' : open}"${name}":`);

const K = {
  traceId: spanKey('TraceId', '{'),
  spanId: spanKey('SpanId'),
  parent: spanKey('ParentSpanId'),
  traceState: spanKey('TraceState'),
  name: spanKey('SpanName'),
  timestamp: spanKey('Timestamp'),
  duration: spanKey('Duration'),
  statusMessage: spanKey('StatusMessage'),
  attrs: Buffer.concat([spanKey('SpanAttributes'), ascii('{')]),
  flags: spanKey('SpanFlags'),
  droppedAttrs: spanKey('DroppedAttributesCount'),
  droppedEvents: spanKey('DroppedEventsCount'),
  droppedLinks: spanKey('DroppedLinksCount'),
};
const KIND_TEXT = [0, 1, 2, 3, 4, 5].map((k) =>
  Buffer.concat([spanKey('SpanKind'), ascii(JSON.stringify(spanKindName(k)))]),
);
const STATUS_TEXT = [0, 1, 2].map((c) =>
  Buffer.concat([spanKey('StatusCode'), ascii(JSON.stringify(statusCodeName(c)))]),
);
/** room for a row's fixed-size parts (span or log record): keys, ids, times */
const FIXED_ROOM = 512;

/**
 * The spool writer as a sink of the walk (otlp-walk.ts): a kept item is written straight from
 * the wire bytes (`write`), or — when `write` meets what it does not handle and throws BY_ROW —
 * built as a row in its place (`row`, the row sink's builder) and written from that; a refused
 * item is still read whole by the row builder, so a malformed one fails the request.
 */
function directSink<F>(
  result: SpoolLines,
  write: (f: F, correction: Correction | undefined, tail: Buffer, result: SpoolLines) => void,
  row: (f: F, res: ResourceInfo, scope: ScopeInfo, correction: Correction | undefined) => object,
): Sink<F> {
  let res: ResourceInfo;
  let scope: ScopeInfo;
  let tail: Buffer = EMPTY;
  return {
    scope(r, s) {
      res = r;
      scope = s;
      tail = scopeTail(r, s);
    },
    item(f, correction) {
      buf = wire.bytes();
      const rowStart = o;
      try {
        write(f, correction, tail, result);
      } catch (err) {
        if (err !== BY_ROW) throw err;
        o = rowStart;
        extraAttrs = '';
        writeRow(row(f, res, scope, correction), result);
      }
    },
    refused(f) {
      row(f, res, scope, undefined);
    },
  };
}

// ——— span ———

const spanSink = (result: SpoolLines) => directSink<SpanFields>(result, writeSpan, spanRow);

function writeSpan(f: SpanFields, correction: Correction | undefined, tail: Buffer, result: SpoolLines): void {
  // end before start: stored with end = start (Duration 0), the end sent kept beside it
  extraAttrs =
    correction === undefined
      ? ''
      : `"${CORRECTED_KEY}":"${correction.reason}","${ORIGINAL_END_KEY}":"${uint64Text(f.endLo, f.endHi)}"`;
  ensure(FIXED_ROOM + tail.length);
  put(K.traceId);
  putHex(f.traceAt, 16);
  put(K.spanId);
  putHex(f.spanAt, 8);
  // an all-zero parent is the invalid id, i.e. no parent
  if (usable(f.parent)) {
    put(K.parent);
    putHex(f.parentAt, 8);
  }
  put(K.timestamp);
  putTime(f.startLo, f.startHi);
  put(K.duration);
  putDuration(f.startLo, f.startHi, f.endLo, f.endHi);
  if (f.kind >= 0 && f.kind < KIND_TEXT.length) put(KIND_TEXT[f.kind]!);
  if (f.statusCode >= 0 && f.statusCode < STATUS_TEXT.length) put(STATUS_TEXT[f.statusCode]!);
  putCount(K.flags, f.flags);
  putCount(K.droppedAttrs, f.droppedAttrs);
  putCount(K.droppedEvents, f.droppedEvents);
  putCount(K.droppedLinks, f.droppedLinks);
  putStringField(K.name, f.nameAt, f.nameEnd);
  putStringField(K.traceState, f.stateAt, f.stateEnd);
  putStringField(K.statusMessage, f.messageAt, f.messageEnd);
  if (f.attrCount > 0 || extraAttrs !== '') attributes(f.s, f.e, (9 << 3) | 2, K.attrs);
  if (f.eventCount > 0) spanEvents(f.s, f.e);
  if (f.linkCount > 0) spanLinks(f.s, f.e);
  extraAttrs = '';
  endRow(tail, result);
}

// ——— attributes ———

// Repeated keys in one attribute list are found with an open-addressing table of the keys'
// byte ranges, stamped with a number per list so it never needs clearing.
const SEEN_SLOTS = 4096;
const seenStamp = new Int32Array(SEEN_SLOTS);
const seenAt = new Int32Array(SEEN_SLOTS);
const seenLen = new Int32Array(SEEN_SLOTS);
let stamp = 0;

/** Notes a key of the current list; a repeated key (or a list too long for the table) makes the item the row sink's. */
function noteKey(s: number, e: number, count: number): void {
  if (count >= SEEN_SLOTS / 2) throw BY_ROW;
  const len = e - s;
  // a hash of the length and five of the bytes: keys that share it are told apart by the
  // byte comparison below, at the cost of a probe
  let h = Math.imul(len, 0x9e3779b1);
  if (len > 0) {
    h = Math.imul(h ^ buf[s]!, 0x01000193);
    h = Math.imul(h ^ buf[s + (len >> 2)]!, 0x01000193);
    h = Math.imul(h ^ buf[s + (len >> 1)]!, 0x01000193);
    h = Math.imul(h ^ buf[s + len - 1 - (len >> 2)]!, 0x01000193);
    h = Math.imul(h ^ buf[e - 1]!, 0x01000193);
  }
  let slot = (h ^ (h >>> 15)) & (SEEN_SLOTS - 1);
  while (seenStamp[slot] === stamp) {
    if (seenLen[slot] === len) {
      const at = seenAt[slot]!;
      let i = 0;
      while (i < len && buf[at + i] === buf[s + i]) i++;
      if (i === len) throw BY_ROW;
    }
    slot = (slot + 1) & (SEEN_SLOTS - 1);
  }
  seenStamp[slot] = stamp;
  seenAt[slot] = s;
  seenLen[slot] = len;
}

/** `,"<Column>":{…}` (`key` holds that text up to the brace) from an item's attribute fields (`tag`). */
function attributes(s: number, e: number, tag: number, key: Buffer): void {
  stamp = (stamp + 1) | 0;
  ensure(key.length);
  put(key);
  let count = 0;
  wire.seek(s);
  while (wire.position() < e) {
    const t = wire.varint(e);
    if (t === tag) {
      const kvEnd = wire.lengthEnd(e);
      if (count > 0) {
        ensure(1);
        out[o++] = 0x2c;
      }
      keyValue(wire.position(), kvEnd, count);
      count++;
      wire.seek(kvEnd);
    } else wire.skip(t, e);
  }
  if (extraAttrs !== '') {
    if (count > 0) {
      ensure(1);
      out[o++] = 0x2c;
    }
    putText(extraAttrs);
  }
  ensure(1);
  out[o++] = 0x7d;
}

const RESERVED_KEYS = [CORRECTED_KEY, ORIGINAL_END_KEY].map(ascii);

/** Whether `buf[s, e)` is an attribute key a correction sets. */
function reservedKey(s: number, e: number): boolean {
  for (const k of RESERVED_KEYS) {
    if (k.length !== e - s) continue;
    let i = 0;
    while (i < k.length && k[i] === buf[s + i]) i++;
    if (i === k.length) return true;
  }
  return false;
}

/** KeyValue{key=1, value=2} as `"key":"plain form"`. */
function keyValue(s: number, e: number, count: number): void {
  let keyAt = 0;
  let keyEnd = 0;
  let valueLenAt = -1;
  wire.seek(s);
  while (wire.position() < e) {
    const tag = wire.varint(e);
    if (tag === wire.TAG_1_LEN) {
      keyEnd = wire.lengthEnd(e);
      keyAt = wire.position();
      wire.seek(keyEnd);
    } else if (tag === wire.TAG_2_LEN) {
      // several values: the row sink reads (and may refuse) each, and keeps the last
      if (valueLenAt >= 0) throw BY_ROW;
      valueLenAt = wire.position();
      wire.seek(wire.lengthEnd(e));
    } else wire.skip(tag, e);
  }
  noteKey(keyAt, keyEnd, count);
  // a corrected span that sends a key the correction sets: the row sink's map decides
  if (extraAttrs !== '' && reservedKey(keyAt, keyEnd)) throw BY_ROW;
  // keys are plain ASCII but for rare exceptions, left to the row sink (which also tells
  // apart the keys whose bytes differ but decode to the same text)
  ensure(keyEnd - keyAt + 3);
  out[o++] = 0x22;
  for (let i = keyAt; i < keyEnd; i++) {
    const b = buf[i]!;
    if (SPECIAL[b] === 1) throw BY_ROW;
    out[o++] = b;
  }
  out[o++] = 0x22;
  out[o++] = 0x3a;
  if (valueLenAt < 0) {
    // a KeyValue without a value holds the empty AnyValue
    ensure(2);
    out[o++] = 0x22;
    out[o++] = 0x22;
  } else putPlainValue(valueLenAt, e);
}

/**
 * Writes the plain form of the AnyValue whose length prefix is at `lenAt` (in a message ending
 * at `parentEnd`) as a JSON string. A value holding only a string_value, the common case, is
 * copied; the others take the shared value reader.
 */
function putPlainValue(lenAt: number, parentEnd: number): void {
  wire.seek(lenAt);
  const valueEnd = wire.lengthEnd(parentEnd);
  const valueAt = wire.position();
  if (valueAt < valueEnd && buf[valueAt] === wire.TAG_1_LEN) {
    wire.seek(valueAt + 1);
    const stringEnd = wire.lengthEnd(valueEnd);
    if (stringEnd === valueEnd) {
      putJsonString(wire.position(), stringEnd);
      return;
    }
  }
  wire.seek(lenAt);
  putText(JSON.stringify(readAnyValue(parentEnd, false, 0)));
}

// ——— events and links: read with the shared readers, written as the row sink's arrays ———

/** Reads each length-delimited field number `field` of the span at `s`..`e` with `read`. */
function eachOf(s: number, e: number, field: number, read: (end: number) => void): void {
  wire.seek(s);
  while (wire.position() < e) {
    const tag = wire.varint(e);
    if (tag === ((field << 3) | 2)) read(e);
    else wire.skip(tag, e);
  }
}

function spanEvents(s: number, e: number): void {
  const events = newEvents();
  eachOf(s, e, 11, (end) => readEvent(end, events));
  putText(
    `,"Events.Timestamp":${JSON.stringify(events.timestamps)},"Events.Name":${JSON.stringify(events.names)}` +
      `,"Events.Attributes":${JSON.stringify(events.attrs)}` +
      `,"Events.DroppedAttributesCount":${JSON.stringify(events.dropped)}`,
  );
}

function spanLinks(s: number, e: number): void {
  const links = newLinks();
  eachOf(s, e, 13, (end) => readLink(end, links));
  if (links.traceIds.length === 0) return;
  putText(
    `,"Links.TraceId":${JSON.stringify(links.traceIds)},"Links.SpanId":${JSON.stringify(links.spanIds)}` +
      `,"Links.TraceState":${JSON.stringify(links.traceStates)},"Links.Attributes":${JSON.stringify(links.attrs)}` +
      `,"Links.Flags":${JSON.stringify(links.flags)}` +
      `,"Links.DroppedAttributesCount":${JSON.stringify(links.dropped)}`,
  );
}

// ——— log record ———

const LOG_K = {
  timestamp: logKey('Timestamp', '{'),
  observed: logKey('ObservedTimestamp'),
  traceId: logKey('TraceId'),
  spanId: logKey('SpanId'),
  flags: logKey('TraceFlags'),
  severityText: logKey('SeverityText'),
  severityNumber: logKey('SeverityNumber'),
  body: logKey('Body'),
  attrs: Buffer.concat([logKey('LogAttributes'), ascii('{')]),
  eventName: logKey('EventName'),
  dropped: logKey('DroppedAttributesCount'),
};

const logSink = (result: SpoolLines) =>
  directSink<LogFields>(result, writeLogRecord, (f, res, scope) => logRow(f, res, scope));

function writeLogRecord(f: LogFields, _correction: Correction | undefined, tail: Buffer, result: SpoolLines): void {
  // several bodies: the row sink reads (and may refuse) each, and keeps the last
  if (f.bodyCount > 1) throw BY_ROW;
  ensure(FIXED_ROOM + tail.length);
  put(LOG_K.timestamp);
  // time_unix_nano, or the observed time when it is 0
  if (f.timeLo === 0 && f.timeHi === 0) putTime(f.observedLo, f.observedHi);
  else putTime(f.timeLo, f.timeHi);
  put(LOG_K.observed);
  putTime(f.observedLo, f.observedHi);
  // all-zero ids are the invalid ids, i.e. no trace context
  if (usable(f.trace)) {
    put(LOG_K.traceId);
    putHex(f.traceAt, 16);
  }
  if (usable(f.span)) {
    put(LOG_K.spanId);
    putHex(f.spanAt, 8);
  }
  // bits 0-7 are the W3C trace flags
  putCount(LOG_K.flags, f.flags & 0xff);
  putCount(LOG_K.severityNumber, severityNumberOf(f.severityNumber));
  putCount(LOG_K.dropped, f.dropped);
  putStringField(LOG_K.severityText, f.textAt, f.textEnd);
  putStringField(LOG_K.eventName, f.nameAt, f.nameEnd);
  if (f.bodyAt >= 0) {
    ensure(LOG_K.body.length);
    put(LOG_K.body);
    putPlainValue(f.bodyAt, f.e);
  }
  if (f.attrCount > 0) attributes(f.s, f.e, (6 << 3) | 2, LOG_K.attrs);
  endRow(tail, result);
}
