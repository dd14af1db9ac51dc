/**
 * OTLP protobuf export requests (traces and logs) straight to the spool's JSONEachRow bytes,
 * with no row objects in between.
 *
 * Why: on the ingest path the collector's main thread was the first part to saturate. A CPU
 * profile of the ingest bench put ~23 µs of main-thread time on each span — a quarter in the
 * protobuf decoder's row objects and value strings, a fifth in turning those rows into JSON
 * text and another quarter in collecting the garbage both leave. Here an item's fields are
 * found by walking the wire format and written as bytes into one output buffer: ids as hex
 * from their bytes, times and counts as digits, attribute keys and string values copied with
 * JSON escaping, and the resource and scope columns (the same for every item of a scope)
 * serialized once per scope and copied. No JSON library writes from protobuf bytes, and
 * protobufjs's generated decoders build the message objects this avoids.
 *
 * The common case takes the direct path; anything unusual takes the row decoder
 * (`otlp-proto.ts`) and `rowsToJsonLines` for the whole request, which define the result:
 * - an item (span, log record) whose attribute list repeats a key (the map keeps the last
 *   value) or has a key that is not plain ASCII (or needs JSON escapes), or an item refused
 *   for its ids (clients that send those are rare);
 * - anything malformed (truncated, overrunning, groups, field number 0), so its 400 message
 *   is the row decoder's.
 * Values that are not plain strings (numbers, booleans, bytes, arrays, key-value lists, in
 * attributes and log bodies), events, links, and the resource and scope messages are read
 * with the row decoder's own functions, so they take exactly its forms. Times are checked by
 * the same rules (item-rules.ts) on the halves already read; an item they refuse is written
 * and then cut off again (so a malformed refused item fails the request as in the row
 * decoder), and a span stored corrected gets the correction's attributes here too. Both
 * paths give the same rows and refuse the same items with the same messages (tested on SDK
 * spans and logs, hand-built edge cases and random corruptions of valid requests in
 * test/collector/ingest/proto-lines.test.ts).
 */
import type protobuf from 'protobufjs/minimal.js';
import {
  LATEST_TIME,
  serviceNameOf,
  severityNumberOf,
  spanKindName,
  splitNanos,
  splitTime,
  statusCodeName,
} from './any-value.js';
import {
  CORRECTED_KEY,
  correct,
  finish,
  logTime,
  newTally,
  ORIGINAL_END_KEY,
  refuse,
  spanTimes,
  type Tally,
  type TimeWindow,
  UNCHECKED,
  uint64Text,
} from './item-rules.js';
import {
  decodeLogsProto,
  decodeTracesProto,
  durationString,
  type ResourceInfo,
  readAnyValue,
  readEvent,
  readerOf,
  readLink,
  readResource,
  readScope,
  type ScopeInfo,
  type SpanEvents,
  type SpanLinks,
} from './otlp-proto.js';
import { rowsToJsonLines } from './row-json.js';
import type { Decoded } from './rows.js';

/** A request's valid items as spool text, with what `partial_success` needs (the tally). */
export interface SpoolLines extends Tally {
  /** JSONEachRow, one newline-terminated row per item */
  text: Buffer;
  rows: number;
  /** `direct` when written from the wire format, `rows` when through the row decoder */
  path: 'direct' | 'rows';
}

/** Thrown inside the direct path to hand the request to the row decoder (made once: throwing it is cheap). */
const FALLBACK = new Error('take the row decoder');

/**
 * Spool lines of an ExportTraceServiceRequest. Spans the rules refuse (bad ids; with a checked
 * `window`, times the store cannot keep) are counted in `rejected` and left out, as by
 * `decodeTracesProto`.
 *
 * @param window the request's time rules; default {@link UNCHECKED}
 * @throws {OtlpDecodeError} when the body is not a well-formed protobuf message
 */
export function tracesProtoToLines(body: Buffer, window: TimeWindow = UNCHECKED): SpoolLines {
  return convert(body, window, span, () => fromRows(decodeTracesProto(body, window)));
}

/**
 * Spool lines of an ExportLogsServiceRequest. Records the rules refuse (ids of the wrong
 * length; with a checked `window`, times the store cannot keep) are counted in `rejected` and
 * left out, as by `decodeLogsProto`.
 *
 * @param window the request's time rules; default {@link UNCHECKED}
 * @throws {OtlpDecodeError} when the body is not a well-formed protobuf message
 */
export function logsProtoToLines(body: Buffer, window: TimeWindow = UNCHECKED): SpoolLines {
  return convert(body, window, logRecord, () => fromRows(decodeLogsProto(body, window)));
}

/** Spool lines of rows from a row decoder. */
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

/** One item (span, log record) of a scope, at `src[s, e)`, written with the scope's shared columns `tail`. */
type ItemWriter = (s: number, e: number, tail: Buffer, result: SpoolLines) => void;

function convert(body: Buffer, window: TimeWindow, item: ItemWriter, viaRows: () => SpoolLines): SpoolLines {
  try {
    win = window;
    return direct(body, item);
  } catch {
    // FALLBACK, or an error the row decoder will name (it throws the request's 400 message)
  } finally {
    // keep neither the request nor its output past the call
    src = EMPTY;
    out = EMPTY;
    reader = NO_READER;
    win = UNCHECKED;
    extraAttrs = '';
  }
  return viaRows();
}

// ——— state of the one conversion running (it is synchronous) ———

const EMPTY = Buffer.alloc(0);
/** the request body, and the read position in it */
let src: Buffer = EMPTY;
let p = 0;
/** the output, and the write position in it */
let out: Buffer = EMPTY;
let o = 0;
/** a protobufjs reader over `src`, for the row decoder's functions */
const NO_READER = readerOf(EMPTY);
let reader: protobuf.Reader = NO_READER;
/** the request's time rules */
let win: TimeWindow = UNCHECKED;
/** attributes a corrected span gets after its own (JSON members, no braces); '' for others */
let extraAttrs = '';

function direct(body: Buffer, item: ItemWriter): SpoolLines {
  src = body;
  p = 0;
  // spool rows run ~2× the protobuf bytes of a span; grown by doubling when short
  out = Buffer.allocUnsafe(body.length * 2 + 4096);
  o = 0;
  reader = readerOf(body);
  const result: SpoolLines = { text: EMPTY, rows: 0, path: 'direct', ...newTally() };
  const end = body.length;
  while (p < end) {
    const tag = varint(end);
    if (tag === TAG_1_LEN) {
      const e = lengthEnd(end);
      resourceGroup(p, e, item, result);
      p = e;
    } else skip(tag, end);
  }
  result.text = out.subarray(0, o);
  return finish(result);
}

// ——— reading ———

const TAG_1_LEN = (1 << 3) | 2;
const TAG_2_LEN = (2 << 3) | 2;
const TAG_3_LEN = (3 << 3) | 2;

/** A varint's low 32 bits, unsigned (as protobuf's uint32 and, `| 0`, int32 read them). */
function varint(end: number): number {
  let value = 0;
  for (let shift = 0; shift < 70; shift += 7) {
    if (p >= end) throw FALLBACK;
    const b = src[p++]!;
    if (shift < 32) value |= (b & 0x7f) << shift;
    if (b < 0x80) return value >>> 0;
  }
  throw FALLBACK;
}

/** Reads a length prefix and returns where the field ends; `p` is left at its first byte. */
function lengthEnd(end: number): number {
  const at = p;
  const len = varint(end);
  // protobufjs refuses a length of 2^31 or more, or one longer than 5 bytes, which the
  // varint's low 32 bits would hide: the row decoder handles those
  if (p - at >= 5 && (p - at > 5 || src[p - 1]! > 7)) throw FALLBACK;
  const e = p + len;
  if (e > end) throw FALLBACK;
  return e;
}

function skip(tag: number, end: number): void {
  if (tag >>> 3 === 0) throw FALLBACK;
  switch (tag & 7) {
    case 0:
      varint(end);
      return;
    case 1:
      p += 8;
      break;
    case 2:
      p = lengthEnd(end);
      return;
    case 5:
      p += 4;
      break;
    default:
      // groups and unknown wire types: rare enough to leave to the row decoder
      throw FALLBACK;
  }
  if (p > end) throw FALLBACK;
}

function fixed32(end: number): number {
  if (p + 4 > end) throw FALLBACK;
  const v = (src[p]! | (src[p + 1]! << 8) | (src[p + 2]! << 16) | (src[p + 3]! << 24)) >>> 0;
  p += 4;
  return v;
}

function utf8(end: number): string {
  const e = lengthEnd(end);
  const s = src.toString('utf8', p, e);
  p = e;
  return s;
}

function allZero(start: number, len: number): boolean {
  for (let i = start; i < start + len; i++) if (src[i] !== 0) return false;
  return true;
}

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

/** Writes `src[s, e)` as a JSON string: copied when plain ASCII, else through the string decoder. */
function putJsonString(s: number, e: number): void {
  for (let i = s; i < e; i++) {
    if (SPECIAL[src[i]!] === 1) {
      // U+FFFD for bytes that are not UTF-8, as the row decoder's strings have
      putText(JSON.stringify(src.toString('utf8', s, e)));
      return;
    }
  }
  ensure(e - s + 2);
  out[o++] = 0x22;
  if (e - s < 32) for (let i = s; i < e; i++) out[o++] = src[i]!;
  else o += src.copy(out, o, s, e);
  out[o++] = 0x22;
}

const HEX = ascii('0123456789abcdef');

function putHex(s: number, len: number): void {
  out[o++] = 0x22;
  for (let i = s; i < s + len; i++) {
    const b = src[i]!;
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

/** A fixed64 nanosecond time as `"<10-digit seconds>.<9-digit nanoseconds>"` (see `timeText`). */
function putTime(lo: number, hi: number): void {
  if (hi >= 0x8000_0000) {
    put(LATEST);
    return;
  }
  const seconds = splitTime(lo, hi);
  out[o++] = 0x22;
  putDigits(seconds, 10);
  out[o++] = 0x2e;
  putDigits(splitNanos, 9);
  out[o++] = 0x22;
}

/**
 * Duration: end − start in nanoseconds as a decimal JSON string, `"0"` when end < start. When
 * the high halves differ by less than 2^21 the difference is exact in a double; the rest
 * (times years apart) take the row decoder's `durationString`.
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

/** `key` and `src[s, e)` as a JSON string, left out when empty (the column's default). */
function putStringField(key: Buffer, s: number, e: number): void {
  if (e <= s) return;
  ensure(key.length);
  put(key);
  putJsonString(s, e);
}

/** The scope's shared columns, which close the row (see scopeGroup). */
function endRow(tail: Buffer, result: SpoolLines): void {
  ensure(tail.length);
  if (tail.length < 64) put(tail);
  else o += tail.copy(out, o);
  result.rows++;
}

// column keys, each with the punctuation before its value
const K = {
  traceId: ascii('{"TraceId":'),
  spanId: ascii(',"SpanId":'),
  parent: ascii(',"ParentSpanId":'),
  traceState: ascii(',"TraceState":'),
  name: ascii(',"SpanName":'),
  timestamp: ascii(',"Timestamp":'),
  duration: ascii(',"Duration":'),
  statusMessage: ascii(',"StatusMessage":'),
  attrs: ascii(',"SpanAttributes":{'),
  flags: ascii(',"SpanFlags":'),
  droppedAttrs: ascii(',"DroppedAttributesCount":'),
  droppedEvents: ascii(',"DroppedEventsCount":'),
  droppedLinks: ascii(',"DroppedLinksCount":'),
};
const KIND_TEXT = [0, 1, 2, 3, 4, 5].map((k) => ascii(`,"SpanKind":${JSON.stringify(spanKindName(k))}`));
const STATUS_TEXT = [0, 1, 2].map((c) => ascii(`,"StatusCode":${JSON.stringify(statusCodeName(c))}`));
/** room for a row's fixed-size parts (span or log record): keys, ids, times */
const FIXED_ROOM = 512;

// ——— resource and scope ———

/**
 * The first pass over a ResourceSpans/ResourceLogs or ScopeSpans/ScopeLogs: its resource or
 * scope message (field 1, read by the row decoder's `read`) and its schema_url (field 3),
 * wherever they are (senders may write them after the items). Returns the schema URL.
 */
function groupHeader(s: number, e: number, read: (r: protobuf.Reader) => void): string {
  let schemaUrl = '';
  p = s;
  while (p < e) {
    const tagAt = p;
    const tag = varint(e);
    if (tag === TAG_1_LEN) {
      reader.pos = p;
      reader.len = e;
      read(reader);
      p = reader.pos;
    } else if (tag === TAG_3_LEN) schemaUrl = utf8(e);
    else skip(tag, e);
    if (p <= tagAt || p > e) throw FALLBACK;
  }
  return schemaUrl;
}

/** ResourceSpans or ResourceLogs{resource=1, scope_spans/scope_logs=2, schema_url=3}. */
function resourceGroup(s: number, e: number, item: ItemWriter, result: SpoolLines): void {
  const res: ResourceInfo = { attrs: {}, serviceName: '', schemaUrl: '' };
  res.schemaUrl = groupHeader(s, e, (r) => readResource(r, res));
  res.serviceName = serviceNameOf(res.attrs);
  p = s;
  while (p < e) {
    const tag = varint(e);
    if (tag === TAG_2_LEN) {
      const se = lengthEnd(e);
      scopeGroup(p, se, res, item, result);
      p = se;
    } else skip(tag, e);
  }
}

/**
 * ScopeSpans or ScopeLogs{scope=1, spans/log_records=2, schema_url=3}: the columns every item
 * of it shares (the same for spans and log records), then its items.
 */
function scopeGroup(s: number, e: number, res: ResourceInfo, item: ItemWriter, result: SpoolLines): void {
  const scope: ScopeInfo = { name: '', version: '', attrs: {}, schemaUrl: '' };
  scope.schemaUrl = groupHeader(s, e, (r) => readScope(r, scope));
  // the shared columns as rowsToJsonLines writes them (defaults left out), to close each row
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
  const tail = Buffer.from(shared === '{}\n' ? '}\n' : `,${shared.slice(1)}`, 'utf8');
  p = s;
  while (p < e) {
    const tag = varint(e);
    if (tag === TAG_2_LEN) {
      const itemEnd = lengthEnd(e);
      item(p, itemEnd, tail, result);
      p = itemEnd;
    } else skip(tag, e);
  }
}

// ——— span ———

/**
 * Span{trace_id=1, span_id=2, trace_state=3, parent_span_id=4, name=5, kind=6,
 * start_time_unix_nano=7, end_time_unix_nano=8, attributes=9, dropped_attributes_count=10,
 * events=11, dropped_events_count=12, links=13, dropped_links_count=14, status=15, flags=16}:
 * one pass finds the fields (the last of a repeated field wins), the row is written after it.
 */
function span(s: number, e: number, tail: Buffer, result: SpoolLines): void {
  let traceAt = 0;
  let traceLen = 0;
  let spanAt = 0;
  let spanLen = 0;
  let parentAt = 0;
  let parentLen = 0;
  let stateAt = 0;
  let stateEnd = 0;
  let nameAt = 0;
  let nameEnd = 0;
  let kind = 0;
  let startLo = 0;
  let startHi = 0;
  let endLo = 0;
  let endHi = 0;
  let attrCount = 0;
  let eventCount = 0;
  let linkCount = 0;
  let droppedAttrs = 0;
  let droppedEvents = 0;
  let droppedLinks = 0;
  let statusCode = 0;
  let messageAt = 0;
  let messageEnd = 0;
  let flags = 0;
  p = s;
  while (p < e) {
    const tag = varint(e);
    switch (tag) {
      case (1 << 3) | 2:
        traceLen = lengthEnd(e) - p;
        traceAt = p;
        p += traceLen;
        break;
      case (2 << 3) | 2:
        spanLen = lengthEnd(e) - p;
        spanAt = p;
        p += spanLen;
        break;
      case (3 << 3) | 2:
        stateEnd = lengthEnd(e);
        stateAt = p;
        p = stateEnd;
        break;
      case (4 << 3) | 2:
        parentLen = lengthEnd(e) - p;
        parentAt = p;
        p += parentLen;
        break;
      case (5 << 3) | 2:
        nameEnd = lengthEnd(e);
        nameAt = p;
        p = nameEnd;
        break;
      case (6 << 3) | 0:
        kind = varint(e) | 0;
        break;
      case (7 << 3) | 1:
        startLo = fixed32(e);
        startHi = fixed32(e);
        break;
      case (8 << 3) | 1:
        endLo = fixed32(e);
        endHi = fixed32(e);
        break;
      case (9 << 3) | 2:
        attrCount++;
        p = lengthEnd(e);
        break;
      case (10 << 3) | 0:
        droppedAttrs = varint(e);
        break;
      case (11 << 3) | 2:
        eventCount++;
        p = lengthEnd(e);
        break;
      case (12 << 3) | 0:
        droppedEvents = varint(e);
        break;
      case (13 << 3) | 2:
        linkCount++;
        p = lengthEnd(e);
        break;
      case (14 << 3) | 0:
        droppedLinks = varint(e);
        break;
      case (15 << 3) | 2: {
        // Status{message=2, code=3}; several Status fields merge, as protobuf's do
        const statusEnd = lengthEnd(e);
        while (p < statusEnd) {
          const t = varint(statusEnd);
          if (t === TAG_2_LEN) {
            messageEnd = lengthEnd(statusEnd);
            messageAt = p;
            p = messageEnd;
          } else if (t === ((3 << 3) | 0)) statusCode = varint(statusEnd) | 0;
          else skip(t, statusEnd);
        }
        break;
      }
      case (16 << 3) | 5:
        flags = fixed32(e);
        break;
      default:
        skip(tag, e);
    }
  }

  // a span the ids' rules refuse (see spanIdsError) goes with its request to the row decoder,
  // which also reads the rest of the span: a malformed refused span fails the request there
  if (traceLen !== 16 || allZero(traceAt, 16) || spanLen !== 8 || allZero(spanAt, 8)) throw FALLBACK;
  if (parentLen !== 0 && parentLen !== 8) throw FALLBACK;
  const verdict = spanTimes(startLo, startHi, endLo, endHi, win);
  if (verdict?.action === 'correct') {
    // end before start: stored with end = start (Duration 0), the end sent kept beside it
    extraAttrs = `"${CORRECTED_KEY}":"${verdict.reason}","${ORIGINAL_END_KEY}":"${uint64Text(endLo, endHi)}"`;
  }

  const rowStart = o;
  ensure(FIXED_ROOM + tail.length);
  put(K.traceId);
  putHex(traceAt, 16);
  put(K.spanId);
  putHex(spanAt, 8);
  // an all-zero parent is the invalid id, i.e. no parent
  if (parentLen === 8 && !allZero(parentAt, 8)) {
    put(K.parent);
    putHex(parentAt, 8);
  }
  put(K.timestamp);
  putTime(startLo, startHi);
  put(K.duration);
  putDuration(startLo, startHi, endLo, endHi);
  if (kind >= 0 && kind < KIND_TEXT.length) put(KIND_TEXT[kind]!);
  if (statusCode >= 0 && statusCode < STATUS_TEXT.length) put(STATUS_TEXT[statusCode]!);
  putCount(K.flags, flags);
  putCount(K.droppedAttrs, droppedAttrs);
  putCount(K.droppedEvents, droppedEvents);
  putCount(K.droppedLinks, droppedLinks);
  putStringField(K.name, nameAt, nameEnd);
  putStringField(K.traceState, stateAt, stateEnd);
  putStringField(K.statusMessage, messageAt, messageEnd);
  if (attrCount > 0 || extraAttrs !== '') attributes(s, e, (9 << 3) | 2, K.attrs);
  if (eventCount > 0) spanEvents(s, e);
  if (linkCount > 0) spanLinks(s, e);
  if (verdict === undefined) {
    endRow(tail, result);
    return;
  }
  if (verdict.action === 'refuse') {
    // written only to read it as the row decoder does: cut off again
    o = rowStart;
    refuse(result, verdict);
    return;
  }
  extraAttrs = '';
  correct(result, verdict);
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

/** Notes a key of the current list; a repeated key (or a list too long for the table) falls back. */
function noteKey(s: number, e: number, count: number): void {
  if (count >= SEEN_SLOTS / 2) throw FALLBACK;
  const len = e - s;
  // a hash of the length and five of the bytes: keys that share it are told apart by the
  // byte comparison below, at the cost of a probe
  let h = Math.imul(len, 0x9e3779b1);
  if (len > 0) {
    h = Math.imul(h ^ src[s]!, 0x01000193);
    h = Math.imul(h ^ src[s + (len >> 2)]!, 0x01000193);
    h = Math.imul(h ^ src[s + (len >> 1)]!, 0x01000193);
    h = Math.imul(h ^ src[s + len - 1 - (len >> 2)]!, 0x01000193);
    h = Math.imul(h ^ src[e - 1]!, 0x01000193);
  }
  let slot = (h ^ (h >>> 15)) & (SEEN_SLOTS - 1);
  while (seenStamp[slot] === stamp) {
    if (seenLen[slot] === len) {
      const at = seenAt[slot]!;
      let i = 0;
      while (i < len && src[at + i] === src[s + i]) i++;
      if (i === len) throw FALLBACK;
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
  p = s;
  while (p < e) {
    const t = varint(e);
    if (t === tag) {
      const kvEnd = lengthEnd(e);
      if (count > 0) {
        ensure(1);
        out[o++] = 0x2c;
      }
      keyValue(p, kvEnd, count);
      count++;
      p = kvEnd;
    } else skip(t, e);
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

/** Whether `src[s, e)` is an attribute key a correction sets. */
function reservedKey(s: number, e: number): boolean {
  for (const key of RESERVED_KEYS) {
    if (key.length !== e - s) continue;
    let i = 0;
    while (i < key.length && key[i] === src[s + i]) i++;
    if (i === key.length) return true;
  }
  return false;
}

/** KeyValue{key=1, value=2} as `"key":"plain form"`. */
function keyValue(s: number, e: number, count: number): void {
  let keyAt = 0;
  let keyEnd = 0;
  let valueLenAt = -1;
  let valueEnd = 0;
  p = s;
  while (p < e) {
    const tag = varint(e);
    if (tag === TAG_1_LEN) {
      keyEnd = lengthEnd(e);
      keyAt = p;
      p = keyEnd;
    } else if (tag === TAG_2_LEN) {
      // several values: the row decoder reads (and may refuse) each, and keeps the last
      if (valueLenAt >= 0) throw FALLBACK;
      valueLenAt = p;
      valueEnd = lengthEnd(e);
      p = valueEnd;
    } else skip(tag, e);
  }
  noteKey(keyAt, keyEnd, count);
  // a corrected span that sends a key the correction sets: the row decoder's map decides
  if (extraAttrs !== '' && reservedKey(keyAt, keyEnd)) throw FALLBACK;
  // keys are plain ASCII but for rare exceptions, left to the row decoder (which also tells
  // apart the keys whose bytes differ but decode to the same text)
  ensure(keyEnd - keyAt + 3);
  out[o++] = 0x22;
  for (let i = keyAt; i < keyEnd; i++) {
    const b = src[i]!;
    if (SPECIAL[b] === 1) throw FALLBACK;
    out[o++] = b;
  }
  out[o++] = 0x22;
  out[o++] = 0x3a;
  if (valueLenAt < 0) {
    // a KeyValue without a value holds the empty AnyValue
    ensure(2);
    out[o++] = 0x22;
    out[o++] = 0x22;
  } else putPlainValue(valueLenAt, valueEnd, e);
  p = e;
}

/**
 * Writes the plain form of the AnyValue whose length prefix is at `lenAt` (its bytes end at
 * `valueEnd`, its parent at `parentEnd`) as a JSON string. A value holding only a
 * string_value, the common case, is copied; the others take the row decoder's reading.
 */
function putPlainValue(lenAt: number, valueEnd: number, parentEnd: number): void {
  p = lenAt;
  varint(parentEnd);
  const valueAt = p;
  if (valueAt < valueEnd && src[valueAt] === TAG_1_LEN) {
    p = valueAt + 1;
    const stringEnd = lengthEnd(valueEnd);
    if (stringEnd === valueEnd) {
      putJsonString(p, stringEnd);
      return;
    }
  }
  reader.pos = lenAt;
  reader.len = parentEnd;
  putText(JSON.stringify(readAnyValue(reader, false, 0)));
}

// ——— events and links: read with the row decoder's functions, written as its arrays ———

function spanEvents(s: number, e: number): void {
  const events: SpanEvents = { timestamps: [], names: [], attrs: [], dropped: [] };
  p = s;
  while (p < e) {
    const tag = varint(e);
    if (tag === ((11 << 3) | 2)) {
      reader.pos = p;
      reader.len = e;
      readEvent(reader, events);
      p = reader.pos;
      if (p > e) throw FALLBACK;
    } else skip(tag, e);
  }
  putText(
    `,"Events.Timestamp":${JSON.stringify(events.timestamps)},"Events.Name":${JSON.stringify(events.names)}` +
      `,"Events.Attributes":${JSON.stringify(events.attrs)}` +
      `,"Events.DroppedAttributesCount":${JSON.stringify(events.dropped)}`,
  );
}

function spanLinks(s: number, e: number): void {
  const links: SpanLinks = { traceIds: [], spanIds: [], traceStates: [], attrs: [], flags: [], dropped: [] };
  p = s;
  while (p < e) {
    const tag = varint(e);
    if (tag === ((13 << 3) | 2)) {
      reader.pos = p;
      reader.len = e;
      readLink(reader, links);
      p = reader.pos;
      if (p > e) throw FALLBACK;
    } else skip(tag, e);
  }
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
  timestamp: ascii('{"Timestamp":'),
  observed: ascii(',"ObservedTimestamp":'),
  traceId: ascii(',"TraceId":'),
  spanId: ascii(',"SpanId":'),
  flags: ascii(',"TraceFlags":'),
  severityText: ascii(',"SeverityText":'),
  severityNumber: ascii(',"SeverityNumber":'),
  body: ascii(',"Body":'),
  attrs: ascii(',"LogAttributes":{'),
  eventName: ascii(',"EventName":'),
  dropped: ascii(',"DroppedAttributesCount":'),
};

/**
 * LogRecord{time_unix_nano=1, severity_number=2, severity_text=3, body=5, attributes=6,
 * dropped_attributes_count=7, flags=8, trace_id=9, span_id=10, observed_time_unix_nano=11,
 * event_name=12}, in the row decoder's forms (see readLogRecord in otlp-proto.ts).
 */
function logRecord(s: number, e: number, tail: Buffer, result: SpoolLines): void {
  let timeLo = 0;
  let timeHi = 0;
  let observedLo = 0;
  let observedHi = 0;
  let severityNumber = 0;
  let textAt = 0;
  let textEnd = 0;
  let bodyLenAt = -1;
  let bodyEnd = 0;
  let attrCount = 0;
  let dropped = 0;
  let flags = 0;
  let traceAt = 0;
  let traceLen = 0;
  let spanAt = 0;
  let spanLen = 0;
  let nameAt = 0;
  let nameEnd = 0;
  p = s;
  while (p < e) {
    const tag = varint(e);
    switch (tag) {
      case (1 << 3) | 1:
        timeLo = fixed32(e);
        timeHi = fixed32(e);
        break;
      case (2 << 3) | 0:
        severityNumber = varint(e) | 0;
        break;
      case (3 << 3) | 2:
        textEnd = lengthEnd(e);
        textAt = p;
        p = textEnd;
        break;
      case (5 << 3) | 2:
        // several bodies: the row decoder reads (and may refuse) each, and keeps the last
        if (bodyLenAt >= 0) throw FALLBACK;
        bodyLenAt = p;
        bodyEnd = lengthEnd(e);
        p = bodyEnd;
        break;
      case (6 << 3) | 2:
        attrCount++;
        p = lengthEnd(e);
        break;
      case (7 << 3) | 0:
        dropped = varint(e);
        break;
      case (8 << 3) | 5:
        flags = fixed32(e);
        break;
      case (9 << 3) | 2:
        traceLen = lengthEnd(e) - p;
        traceAt = p;
        p += traceLen;
        break;
      case (10 << 3) | 2:
        spanLen = lengthEnd(e) - p;
        spanAt = p;
        p += spanLen;
        break;
      case (11 << 3) | 1:
        observedLo = fixed32(e);
        observedHi = fixed32(e);
        break;
      case (12 << 3) | 2:
        nameEnd = lengthEnd(e);
        nameAt = p;
        p = nameEnd;
        break;
      default:
        skip(tag, e);
    }
  }
  // records the ids' rules refuse go with their request to the row decoder, as spans do
  if ((traceLen !== 0 && traceLen !== 16) || (spanLen !== 0 && spanLen !== 8)) throw FALLBACK;
  const refusal = logTime(timeLo, timeHi, observedLo, observedHi, win);

  const rowStart = o;
  ensure(FIXED_ROOM + tail.length);
  put(LOG_K.timestamp);
  // time_unix_nano, or the observed time when it is 0
  if (timeLo === 0 && timeHi === 0) putTime(observedLo, observedHi);
  else putTime(timeLo, timeHi);
  put(LOG_K.observed);
  putTime(observedLo, observedHi);
  // all-zero ids are the invalid ids, i.e. no trace context
  if (traceLen === 16 && !allZero(traceAt, 16)) {
    put(LOG_K.traceId);
    putHex(traceAt, 16);
  }
  if (spanLen === 8 && !allZero(spanAt, 8)) {
    put(LOG_K.spanId);
    putHex(spanAt, 8);
  }
  // bits 0-7 are the W3C trace flags
  putCount(LOG_K.flags, flags & 0xff);
  putCount(LOG_K.severityNumber, severityNumberOf(severityNumber));
  putCount(LOG_K.dropped, dropped);
  putStringField(LOG_K.severityText, textAt, textEnd);
  putStringField(LOG_K.eventName, nameAt, nameEnd);
  if (bodyLenAt >= 0) {
    ensure(LOG_K.body.length);
    put(LOG_K.body);
    putPlainValue(bodyLenAt, bodyEnd, e);
  }
  if (attrCount > 0) attributes(s, e, (6 << 3) | 2, LOG_K.attrs);
  if (refusal === undefined) {
    endRow(tail, result);
    return;
  }
  // written only to read it as the row decoder does: cut off again
  o = rowStart;
  refuse(result, refusal);
}
