import { badOtlp, isError } from '../errors.js';
import { readAttributes, serviceNameOf } from './any-value.js';
import {
  type Correction,
  correct,
  finish,
  ID_OK,
  type IdState,
  idState,
  logIdsError,
  logTime,
  refuse,
  spanIdsError,
  spanTimes,
  type Tally,
  type TimeWindow,
} from './item-rules.js';
import type { ResourceInfo, ScopeInfo } from './rows.js';
import * as wire from './wire.js';

/**
 * The one walk of an OTLP protobuf export request (traces or logs): resource groups, scope
 * groups, and each item (span, log record) found field by field — where each field lies in the
 * body and the numbers it holds, nothing decoded yet. The rules of item-rules.ts judge the
 * item on those numbers; then a sink makes what it makes of it, reading from the same body:
 * the spool's JSONEachRow bytes (proto-lines.ts, the ingest path) or row objects
 * (otlp-proto.ts). The body goes down once, and both sinks see the same items, the same
 * refusals and the same errors.
 *
 * Field numbers are those of opentelemetry-proto v1 (common, resource, trace, logs and the
 * collector service protos). Unknown fields, and known fields arriving with an unexpected wire
 * type, are skipped, as protobuf's own decoders do, so newer senders still work. Of a repeated
 * scalar field the last one wins; repeated messages (attributes, events, links) are counted
 * here and read by the sink.
 */

/** Where a span's fields lie (`[at, end)` or at + length) and its numbers. One object, refilled per span. */
export interface SpanFields {
  /** the Span message */
  s: number;
  e: number;
  traceAt: number;
  traceLen: number;
  spanAt: number;
  spanLen: number;
  parentAt: number;
  parentLen: number;
  /** ID_ABSENT or ID_ZERO (no parent), ID_OK */
  parent: IdState;
  stateAt: number;
  stateEnd: number;
  nameAt: number;
  nameEnd: number;
  kind: number;
  startLo: number;
  startHi: number;
  endLo: number;
  endHi: number;
  attrCount: number;
  eventCount: number;
  linkCount: number;
  droppedAttrs: number;
  droppedEvents: number;
  droppedLinks: number;
  statusCode: number;
  messageAt: number;
  messageEnd: number;
  flags: number;
}

/** Where a log record's fields lie and its numbers (see {@link SpanFields}). */
export interface LogFields {
  s: number;
  e: number;
  timeLo: number;
  timeHi: number;
  observedLo: number;
  observedHi: number;
  severityNumber: number;
  textAt: number;
  textEnd: number;
  /** the length prefix of the last body AnyValue, -1 when none */
  bodyAt: number;
  bodyCount: number;
  attrCount: number;
  dropped: number;
  flags: number;
  traceAt: number;
  traceLen: number;
  trace: IdState;
  spanAt: number;
  spanLen: number;
  span: IdState;
  nameAt: number;
  nameEnd: number;
}

/** What a sink does with the items of a request. */
export interface Sink<F> {
  /** A scope group begins: its resource and scope, which every item until the next call shares. */
  scope(res: ResourceInfo, scope: ScopeInfo): void;
  /** An item the rules keep; `correction` when it is stored corrected. */
  item(fields: F, correction: Correction | undefined): void;
  /** An item the rules refuse: read it whole all the same, so a malformed one fails the request as a kept one would. */
  refused(fields: F): void;
}

const span: SpanFields = {
  s: 0,
  e: 0,
  traceAt: 0,
  traceLen: 0,
  spanAt: 0,
  spanLen: 0,
  parentAt: 0,
  parentLen: 0,
  parent: 0,
  stateAt: 0,
  stateEnd: 0,
  nameAt: 0,
  nameEnd: 0,
  kind: 0,
  startLo: 0,
  startHi: 0,
  endLo: 0,
  endHi: 0,
  attrCount: 0,
  eventCount: 0,
  linkCount: 0,
  droppedAttrs: 0,
  droppedEvents: 0,
  droppedLinks: 0,
  statusCode: 0,
  messageAt: 0,
  messageEnd: 0,
  flags: 0,
};

const log: LogFields = {
  s: 0,
  e: 0,
  timeLo: 0,
  timeHi: 0,
  observedLo: 0,
  observedHi: 0,
  severityNumber: 0,
  textAt: 0,
  textEnd: 0,
  bodyAt: -1,
  bodyCount: 0,
  attrCount: 0,
  dropped: 0,
  flags: 0,
  traceAt: 0,
  traceLen: 0,
  trace: 0,
  spanAt: 0,
  spanLen: 0,
  span: 0,
  nameAt: 0,
  nameEnd: 0,
};

type ItemReader = (s: number, e: number) => void;

/**
 * Walks an ExportTraceServiceRequest, handing each span to `sink`. Spans the rules refuse
 * (bad ids, and with a checked `window` times the store cannot keep) are counted in `tally`.
 *
 * @throws {CollectorError} `BAD_OTLP` when the body is not a well-formed protobuf message
 */
export function walkTraces<T extends Tally>(body: Buffer, w: TimeWindow, sink: Sink<SpanFields>, tally: T): T {
  return walk(body, 'ExportTraceServiceRequest', sink, (s, e) => readSpan(s, e, w, sink, tally), tally);
}

/** Walks an ExportLogsServiceRequest, handing each log record to `sink` (see {@link walkTraces}). */
export function walkLogs<T extends Tally>(body: Buffer, w: TimeWindow, sink: Sink<LogFields>, tally: T): T {
  return walk(body, 'ExportLogsServiceRequest', sink, (s, e) => readLogRecord(s, e, w, sink, tally), tally);
}

function walk<T extends Tally>(body: Buffer, what: string, sink: Sink<never>, item: ItemReader, tally: T): T {
  wire.begin(body);
  try {
    const end = body.length;
    while (wire.position() < end) {
      const tag = wire.varint(end);
      if (tag === wire.TAG_1_LEN) {
        const e = wire.lengthEnd(end);
        resourceGroup(wire.position(), e, sink, item);
        wire.seek(e);
      } else wire.skip(tag, end);
    }
  } catch (err) {
    if (isError(err, 'BAD_OTLP'))
      throw badOtlp(err.message.replace(/^invalid protobuf/, `invalid protobuf ${what}`), err.cause);
    throw err;
  } finally {
    wire.end();
  }
  return finish(tally);
}

/**
 * The first pass over a ResourceSpans/ResourceLogs or ScopeSpans/ScopeLogs: its resource or
 * scope message (field 1) and its schema_url (field 3), wherever they are (senders may write
 * them after the items: the JS SDK writes schema_url last). Returns the schema URL.
 */
function groupHeader(s: number, e: number, read: (s: number, e: number) => void): string {
  let schemaUrl = '';
  wire.seek(s);
  while (wire.position() < e) {
    const tag = wire.varint(e);
    if (tag === wire.TAG_1_LEN) {
      const me = wire.lengthEnd(e);
      read(wire.position(), me);
      wire.seek(me);
    } else if (tag === wire.TAG_3_LEN) schemaUrl = wire.string(e);
    else wire.skip(tag, e);
  }
  return schemaUrl;
}

/** ResourceSpans or ResourceLogs{resource=1, scope_spans/scope_logs=2, schema_url=3}. */
function resourceGroup(s: number, e: number, sink: Sink<never>, item: ItemReader): void {
  const res: ResourceInfo = { attrs: {}, serviceName: '', schemaUrl: '' };
  // Resource{attributes=1, dropped_attributes_count=2}; the dropped count has no column
  res.schemaUrl = groupHeader(s, e, (rs, re) => readAttributes(rs, re, wire.TAG_1_LEN, res.attrs));
  res.serviceName = serviceNameOf(res.attrs);
  wire.seek(s);
  while (wire.position() < e) {
    const tag = wire.varint(e);
    if (tag === wire.TAG_2_LEN) {
      const se = wire.lengthEnd(e);
      scopeGroup(wire.position(), se, res, sink, item);
      wire.seek(se);
    } else wire.skip(tag, e);
  }
}

/** ScopeSpans or ScopeLogs{scope=1, spans/log_records=2, schema_url=3}. */
function scopeGroup(s: number, e: number, res: ResourceInfo, sink: Sink<never>, item: ItemReader): void {
  const scope: ScopeInfo = { name: '', version: '', attrs: {}, schemaUrl: '' };
  scope.schemaUrl = groupHeader(s, e, (ss, se) => readScope(ss, se, scope));
  sink.scope(res, scope);
  wire.seek(s);
  while (wire.position() < e) {
    const tag = wire.varint(e);
    if (tag === wire.TAG_2_LEN) {
      const ie = wire.lengthEnd(e);
      item(wire.position(), ie);
      wire.seek(ie);
    } else wire.skip(tag, e);
  }
}

/** InstrumentationScope{name=1, version=2, attributes=3, dropped_attributes_count=4}. */
function readScope(s: number, e: number, scope: ScopeInfo): void {
  wire.seek(s);
  while (wire.position() < e) {
    const tag = wire.varint(e);
    if (tag === wire.TAG_1_LEN) scope.name = wire.string(e);
    else if (tag === wire.TAG_2_LEN) scope.version = wire.string(e);
    else wire.skip(tag, e);
  }
  // the attributes (field 3, repeated): a second pass, as the span attributes are read
  readAttributes(s, e, wire.TAG_3_LEN, scope.attrs);
}

/**
 * Span{trace_id=1, span_id=2, trace_state=3, parent_span_id=4, name=5, kind=6,
 * start_time_unix_nano=7, end_time_unix_nano=8, attributes=9, dropped_attributes_count=10,
 * events=11, dropped_events_count=12, links=13, dropped_links_count=14, status=15, flags=16}.
 */
function readSpan(s: number, e: number, w: TimeWindow, sink: Sink<SpanFields>, tally: Tally): void {
  const f = span;
  f.s = s;
  f.e = e;
  f.traceLen = 0;
  f.spanLen = 0;
  f.parentLen = 0;
  f.stateAt = f.stateEnd = 0;
  f.nameAt = f.nameEnd = 0;
  f.kind = 0;
  f.startLo = f.startHi = f.endLo = f.endHi = 0;
  f.attrCount = f.eventCount = f.linkCount = 0;
  f.droppedAttrs = f.droppedEvents = f.droppedLinks = 0;
  f.statusCode = 0;
  f.messageAt = f.messageEnd = 0;
  f.flags = 0;
  wire.seek(s);
  while (wire.position() < e) {
    const tag = wire.varint(e);
    switch (tag) {
      case (1 << 3) | 2:
        f.traceLen = wire.lengthEnd(e) - wire.position();
        f.traceAt = wire.position();
        wire.seek(f.traceAt + f.traceLen);
        break;
      case (2 << 3) | 2:
        f.spanLen = wire.lengthEnd(e) - wire.position();
        f.spanAt = wire.position();
        wire.seek(f.spanAt + f.spanLen);
        break;
      case (3 << 3) | 2:
        f.stateEnd = wire.lengthEnd(e);
        f.stateAt = wire.position();
        wire.seek(f.stateEnd);
        break;
      case (4 << 3) | 2:
        f.parentLen = wire.lengthEnd(e) - wire.position();
        f.parentAt = wire.position();
        wire.seek(f.parentAt + f.parentLen);
        break;
      case (5 << 3) | 2:
        f.nameEnd = wire.lengthEnd(e);
        f.nameAt = wire.position();
        wire.seek(f.nameEnd);
        break;
      case (6 << 3) | 0:
        f.kind = wire.varint(e) | 0;
        break;
      case (7 << 3) | 1:
        f.startLo = wire.fixed32(e);
        f.startHi = wire.fixed32(e);
        break;
      case (8 << 3) | 1:
        f.endLo = wire.fixed32(e);
        f.endHi = wire.fixed32(e);
        break;
      case (9 << 3) | 2:
        f.attrCount++;
        wire.seek(wire.lengthEnd(e));
        break;
      case (10 << 3) | 0:
        f.droppedAttrs = wire.varint(e);
        break;
      case (11 << 3) | 2:
        f.eventCount++;
        wire.seek(wire.lengthEnd(e));
        break;
      case (12 << 3) | 0:
        f.droppedEvents = wire.varint(e);
        break;
      case (13 << 3) | 2:
        f.linkCount++;
        wire.seek(wire.lengthEnd(e));
        break;
      case (14 << 3) | 0:
        f.droppedLinks = wire.varint(e);
        break;
      case (15 << 3) | 2: {
        // Status{message=2, code=3}; several Status fields merge, as protobuf's do
        const statusEnd = wire.lengthEnd(e);
        while (wire.position() < statusEnd) {
          const t = wire.varint(statusEnd);
          if (t === wire.TAG_2_LEN) {
            f.messageEnd = wire.lengthEnd(statusEnd);
            f.messageAt = wire.position();
            wire.seek(f.messageEnd);
          } else if (t === ((3 << 3) | 0)) f.statusCode = wire.varint(statusEnd) | 0;
          else wire.skip(t, statusEnd);
        }
        break;
      }
      case (16 << 3) | 5:
        f.flags = wire.fixed32(e);
        break;
      default:
        wire.skip(tag, e);
    }
  }
  const trace = idState(f.traceLen, 16, f.traceLen === 16 && wire.allZero(f.traceAt, 16));
  const spanId = idState(f.spanLen, 8, f.spanLen === 8 && wire.allZero(f.spanAt, 8));
  f.parent = idState(f.parentLen, 8, f.parentLen === 8 && wire.allZero(f.parentAt, 8));
  const refusal = spanIdsError(trace, spanId, f.parent);
  const verdict = refusal ?? spanTimes(f.startLo, f.startHi, f.endLo, f.endHi, w);
  if (verdict?.action === 'refuse') {
    sink.refused(f);
    refuse(tally, verdict);
    return;
  }
  if (verdict !== undefined) correct(tally, verdict);
  sink.item(f, verdict);
}

/**
 * LogRecord{time_unix_nano=1, severity_number=2, severity_text=3, body=5, attributes=6,
 * dropped_attributes_count=7, flags=8, trace_id=9, span_id=10, observed_time_unix_nano=11,
 * event_name=12}.
 */
function readLogRecord(s: number, e: number, w: TimeWindow, sink: Sink<LogFields>, tally: Tally): void {
  const f = log;
  f.s = s;
  f.e = e;
  f.timeLo = f.timeHi = f.observedLo = f.observedHi = 0;
  f.severityNumber = 0;
  f.textAt = f.textEnd = 0;
  f.bodyAt = -1;
  f.bodyCount = 0;
  f.attrCount = 0;
  f.dropped = 0;
  f.flags = 0;
  f.traceLen = 0;
  f.spanLen = 0;
  f.nameAt = f.nameEnd = 0;
  wire.seek(s);
  while (wire.position() < e) {
    const tag = wire.varint(e);
    switch (tag) {
      case (1 << 3) | 1:
        f.timeLo = wire.fixed32(e);
        f.timeHi = wire.fixed32(e);
        break;
      case (2 << 3) | 0:
        f.severityNumber = wire.varint(e) | 0;
        break;
      case (3 << 3) | 2:
        f.textEnd = wire.lengthEnd(e);
        f.textAt = wire.position();
        wire.seek(f.textEnd);
        break;
      case (5 << 3) | 2:
        f.bodyAt = wire.position();
        f.bodyCount++;
        wire.seek(wire.lengthEnd(e));
        break;
      case (6 << 3) | 2:
        f.attrCount++;
        wire.seek(wire.lengthEnd(e));
        break;
      case (7 << 3) | 0:
        f.dropped = wire.varint(e);
        break;
      case (8 << 3) | 5:
        f.flags = wire.fixed32(e);
        break;
      case (9 << 3) | 2:
        f.traceLen = wire.lengthEnd(e) - wire.position();
        f.traceAt = wire.position();
        wire.seek(f.traceAt + f.traceLen);
        break;
      case (10 << 3) | 2:
        f.spanLen = wire.lengthEnd(e) - wire.position();
        f.spanAt = wire.position();
        wire.seek(f.spanAt + f.spanLen);
        break;
      case (11 << 3) | 1:
        f.observedLo = wire.fixed32(e);
        f.observedHi = wire.fixed32(e);
        break;
      case (12 << 3) | 2:
        f.nameEnd = wire.lengthEnd(e);
        f.nameAt = wire.position();
        wire.seek(f.nameEnd);
        break;
      default:
        wire.skip(tag, e);
    }
  }
  f.trace = idState(f.traceLen, 16, f.traceLen === 16 && wire.allZero(f.traceAt, 16));
  f.span = idState(f.spanLen, 8, f.spanLen === 8 && wire.allZero(f.spanAt, 8));
  const refusal = logIdsError(f.trace, f.span) ?? logTime(f.timeLo, f.timeHi, f.observedLo, f.observedHi, w);
  if (refusal !== undefined) {
    sink.refused(f);
    refuse(tally, refusal);
    return;
  }
  sink.item(f, undefined);
}

/** Whether an id that passed the rules is one to write (all-zero ids and absent ones are "none"). */
export const usable = (state: IdState): boolean => state === ID_OK;
