import {
  readAnyValue,
  readAttributes,
  readEvent,
  readLink,
  setAttr,
  severityNumberOf,
  spanKindName,
  statusCodeName,
} from './any-value.js';
import {
  CORRECTED_KEY,
  type Correction,
  newTally,
  ORIGINAL_END_KEY,
  type TimeWindow,
  UNCHECKED,
} from './item-rules.js';
import { type LogFields, type Sink, type SpanFields, usable, walkLogs, walkTraces } from './otlp-walk.js';
import type { Decoded, LogRow, ResourceInfo, ScopeInfo, SpanRow } from './rows.js';
import { blankLogRow, blankSpanRow } from './rows.js';
import { durationString, timeString, uint64Text } from './time.js';
import * as wire from './wire.js';

/**
 * The row sink of the protobuf walk (otlp-walk.ts): each span or log record an export request
 * holds, as the `SpanRow` / `LogRow` the stored tables take (rows.ts). The ingest path writes
 * spool text directly instead (proto-lines.ts) and builds a row only for an item its direct
 * writer leaves to this one; tests hold the two to the same rows.
 */

/**
 * Decodes an OTLP ExportTraceServiceRequest into span rows. Spans the rules refuse (bad ids,
 * and with a checked `window` times the store cannot keep: see item-rules.ts) are counted in
 * `rejected`; the rest are kept. Rows of one resource share one `ResourceAttributes` object,
 * and rows of one scope one `ScopeAttributes` object: treat rows as read-only.
 *
 * @param window the request's time rules; default {@link UNCHECKED} (the receiver always passes the collector's)
 * @throws {CollectorError} `BAD_OTLP` when the body is not a well-formed protobuf message
 */
export function decodeTracesProto(body: Uint8Array, window: TimeWindow = UNCHECKED): Decoded<SpanRow> {
  const out: Decoded<SpanRow> = { rows: [], ...newTally() };
  let res: ResourceInfo;
  let scope: ScopeInfo;
  const sink: Sink<SpanFields> = {
    scope(r, s) {
      res = r;
      scope = s;
    },
    item(f, correction) {
      out.rows.push(spanRow(f, res, scope, correction));
    },
    refused(f) {
      spanRow(f, res, scope, undefined);
    },
  };
  return walkTraces(asBuffer(body), window, sink, out);
}

/**
 * Decodes an OTLP ExportLogsServiceRequest into log rows. Records the rules refuse (ids of the
 * wrong length, and with a checked `window` times the store cannot keep) are counted in
 * `rejected`; the rest are kept. Attribute objects are shared as in {@link decodeTracesProto}.
 *
 * @param window the request's time rules; default {@link UNCHECKED}
 * @throws {CollectorError} `BAD_OTLP` when the body is not a well-formed protobuf message
 */
export function decodeLogsProto(body: Uint8Array, window: TimeWindow = UNCHECKED): Decoded<LogRow> {
  const out: Decoded<LogRow> = { rows: [], ...newTally() };
  let res: ResourceInfo;
  let scope: ScopeInfo;
  const sink: Sink<LogFields> = {
    scope(r, s) {
      res = r;
      scope = s;
    },
    item(f) {
      out.rows.push(logRow(f, res, scope));
    },
    refused(f) {
      logRow(f, res, scope);
    },
  };
  return walkLogs(asBuffer(body), window, sink, out);
}

/** A Node Buffer view of the bytes (no copy), so strings, hex and base64 come from Buffer's native codecs. */
export function asBuffer(body: Uint8Array): Buffer {
  return Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

/**
 * The row of the span the walk is at (reads its attributes, events and links from the body).
 * With `correction` (end before start) it is stored with end = start and the end it was sent
 * with beside it.
 */
export function spanRow(
  f: SpanFields,
  res: ResourceInfo,
  scope: ScopeInfo,
  correction: Correction | undefined,
): SpanRow {
  const { row, events, links } = blankSpanRow(res, scope);
  row.Timestamp = timeString(f.startLo, f.startHi);
  if (f.traceLen === 16) row.TraceId = wire.hex(f.traceAt, 16);
  if (f.spanLen === 8) row.SpanId = wire.hex(f.spanAt, 8);
  // an all-zero parent is the invalid id, i.e. no parent
  if (usable(f.parent)) row.ParentSpanId = wire.hex(f.parentAt, 8);
  row.TraceState = wire.text(f.stateAt, f.stateEnd);
  row.SpanName = wire.text(f.nameAt, f.nameEnd);
  row.SpanKind = spanKindName(f.kind);
  row.Duration = durationString(f.startLo, f.startHi, f.endLo, f.endHi);
  row.StatusCode = statusCodeName(f.statusCode);
  row.StatusMessage = wire.text(f.messageAt, f.messageEnd);
  row.SpanFlags = f.flags;
  row.DroppedAttributesCount = f.droppedAttrs;
  row.DroppedEventsCount = f.droppedEvents;
  row.DroppedLinksCount = f.droppedLinks;
  if (f.attrCount > 0) readAttributes(f.s, f.e, (9 << 3) | 2, row.SpanAttributes);
  if (correction !== undefined) {
    setAttr(row.SpanAttributes, CORRECTED_KEY, correction.reason);
    setAttr(row.SpanAttributes, ORIGINAL_END_KEY, uint64Text(f.endLo, f.endHi));
  }
  if (f.eventCount > 0 || f.linkCount > 0) {
    wire.seek(f.s);
    while (wire.position() < f.e) {
      const tag = wire.varint(f.e);
      if (tag === ((11 << 3) | 2)) readEvent(f.e, events);
      else if (tag === ((13 << 3) | 2)) readLink(f.e, links);
      else wire.skip(tag, f.e);
    }
  }
  return row;
}

/** The row of the log record the walk is at. */
export function logRow(f: LogFields, res: ResourceInfo, scope: ScopeInfo): LogRow {
  const row = blankLogRow(res, scope);
  const observed = timeString(f.observedLo, f.observedHi);
  // time_unix_nano, or the observed time when it is 0
  row.Timestamp = f.timeLo === 0 && f.timeHi === 0 ? observed : timeString(f.timeLo, f.timeHi);
  row.ObservedTimestamp = observed;
  // all-zero ids are the invalid ids, i.e. no trace context
  if (usable(f.trace)) row.TraceId = wire.hex(f.traceAt, 16);
  if (usable(f.span)) row.SpanId = wire.hex(f.spanAt, 8);
  // bits 0-7 are the W3C trace flags; the rest are reserved (LOG_RECORD_FLAGS_TRACE_FLAGS_MASK)
  row.TraceFlags = f.flags & 0xff;
  row.SeverityText = wire.text(f.textAt, f.textEnd);
  row.SeverityNumber = severityNumberOf(f.severityNumber);
  row.EventName = wire.text(f.nameAt, f.nameEnd);
  row.DroppedAttributesCount = f.dropped;
  if (f.bodyCount > 0) {
    // of several bodies the last wins; each is read, so a malformed one fails the request
    wire.seek(f.s);
    while (wire.position() < f.e) {
      const tag = wire.varint(f.e);
      if (tag === ((5 << 3) | 2)) row.Body = readAnyValue(f.e, false, 0);
      else wire.skip(tag, f.e);
    }
  }
  if (f.attrCount > 0) readAttributes(f.s, f.e, (6 << 3) | 2, row.LogAttributes);
  return row;
}
